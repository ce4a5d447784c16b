import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../../graphql/generated/schema-enums.js';
import { log } from '../ops/logger.js';

/** The documented error codes (ErrorCode in the schema): they may reach a client as they are. */
const PUBLIC_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/**
 * graphql ships CJS and ESM builds, and libraries load either (graphql-armor loads CJS), so
 * `instanceof GraphQLError` is not reliable across them: recognise one by its name.
 */
export function isGraphQLError(error: unknown): error is GraphQLError {
  return error instanceof Error && error.name === 'GraphQLError';
}

function codeOf(error: GraphQLError): string | undefined {
  const code = error.extensions?.code;
  return typeof code === 'string' ? code : undefined;
}
/** Extension fields a coded error may carry to the client. */
const PUBLIC_EXTENSIONS = ['code', 'field', 'retryAfterSeconds', 'correlationId'];

export function codedError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

export const backendUnavailable = () => codedError('SERVICE_UNAVAILABLE', 'The backend is unavailable; try again shortly');

/**
 * Re-issues an error that came back from the backend: its documented code and message pass
 * through (with its path); an error without a code never came from the backend's resolvers,
 * so it is the transport failing (refused, timed out, socket closed): SERVICE_UNAVAILABLE.
 */
export function fromUpstream(error: { message?: string; extensions?: Record<string, unknown>; path?: readonly (string | number)[] }): GraphQLError {
  const code = error.extensions?.code;
  if (typeof code !== 'string' || !PUBLIC_CODES.has(code)) {
    return new GraphQLError(backendUnavailable().message, { path: error.path, extensions: { code: 'SERVICE_UNAVAILABLE' } });
  }
  const extensions: Record<string, unknown> = {};
  for (const key of PUBLIC_EXTENSIONS) if (error.extensions?.[key] !== undefined) extensions[key] = error.extensions[key];
  return new GraphQLError(error.message ?? 'Error', { path: error.path, extensions });
}

/**
 * Yoga's `maskError`. Errors with a documented code pass. A GraphQL error with no underlying
 * cause was raised by request handling itself (parsing, validation, operation limits, CSRF
 * checks, a malformed body): its message is safe and it gets a code (BAD_REQUEST when it
 * carries an HTTP status). Everything else is masked and logged with a correlation id.
 */
export function maskError(error: unknown, _message: string, _isDev?: boolean): Error {
  const graphQLError = isGraphQLError(error) ? error : null;
  const original = graphQLError?.originalError ?? error;
  if (isGraphQLError(original) && PUBLIC_CODES.has(codeOf(original) ?? '')) return original;
  if (graphQLError && !graphQLError.originalError) {
    const code = codeOf(graphQLError);
    if (code && PUBLIC_CODES.has(code)) return graphQLError;
    const http = graphQLError.extensions?.http as { status?: number } | undefined;
    return new GraphQLError(graphQLError.message, {
      nodes: graphQLError.nodes,
      source: graphQLError.source,
      positions: graphQLError.positions,
      extensions: { code: http ? 'BAD_REQUEST' : 'GRAPHQL_VALIDATION_FAILED', ...(http ? { http } : {}) },
    });
  }
  const correlationId = randomUUID();
  log().error({ context: 'gateway', correlationId, err: original instanceof Error ? original : String(original) }, `masked error ${correlationId}`);
  return codedError('INTERNAL_SERVER_ERROR', 'Internal server error', { correlationId });
}
