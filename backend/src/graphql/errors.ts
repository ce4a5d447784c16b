import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { CodedError } from '../tasks/tasks.errors.js';
import type { ErrorCode } from './generated/schema-types.js';

const logger = new Logger('GraphQLErrors');

/**
 * Codes the GraphQL layer itself (Apollo Server, graphql-armor) gives malformed operations: safe to
 * show. Not INTERNAL_SERVER_ERROR, which Apollo gives every unexpected error.
 */
const PROTOCOL_CODES: ReadonlySet<unknown> = new Set<ErrorCode>(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'BAD_REQUEST']);

/**
 * Deliberate errors keep their message and code; a GraphQL validation error keeps its message;
 * everything else is replaced by INTERNAL_SERVER_ERROR with a correlation id that is logged
 * with the real error (no stack traces or internals ever reach a client).
 */
export function maskError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  const { message, locations, path } = formatted;
  if (original instanceof CodedError) {
    return { message: original.message, locations, path, extensions: { ...original.extensions } };
  }
  // A variable's value does not fit its type (two kinds in a oneOf input, an unknown enum value):
  // bad input, named like the resolvers' own BAD_USER_INPUT errors.
  const field = error instanceof GraphQLError && !error.path ? fieldOfVariableError(message) : undefined;
  if (field) return { message, locations, extensions: { code: 'BAD_USER_INPUT', field } };
  const code = formatted.extensions?.code;
  if (PROTOCOL_CODES.has(code)) return { message, locations, path, extensions: { code } };
  // Several operations and no (or an unknown) operationName: a malformed request, not a fault.
  if (code === 'OPERATION_RESOLUTION_FAILURE') return { message, locations, path, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } };
  // A GraphQL error with no underlying cause and no path was raised before execution: a
  // validation or variable-coercion error. One with a path arose while resolving a field (a
  // value the schema cannot serialize, say; graphql-jit raises those without a cause), a fault.
  if (error instanceof GraphQLError && !error.originalError && !error.path) {
    return { message, locations, path, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } };
  }
  const correlationId = randomUUID();
  logger.error(`[${correlationId}] ${(original as Error)?.stack ?? String(original)}`);
  return { message: 'Internal server error', locations, path, extensions: { code: 'INTERNAL_SERVER_ERROR', correlationId } };
}

export function maskErrors(errors: readonly GraphQLError[]): GraphQLFormattedError[] {
  return errors.map((e) => maskError(e.toJSON(), e));
}

/**
 * The input a variable coercion error is about, as a path from the argument (`input.primes.below`),
 * read from graphql-js's message: `Variable "$input" got invalid value … at "input.primes"; …`
 * (the path is the variable's when the value itself is wrong). Undefined for other errors.
 */
export function fieldOfVariableError(message: string): string | undefined {
  const variable = /^Variable "\$(\w+)"/.exec(message);
  if (!variable) return undefined;
  const at = / at "([\w.[\]]+)";/.exec(message);
  let field = at?.[1] ?? variable[1];
  // "Field "below" of required type "Int!" was not provided." names a field below the path.
  const missing = /Field "(\w+)" of required type .* was not provided\.$/.exec(message);
  if (missing) field = `${field}.${missing[1]}`;
  return field;
}
