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
