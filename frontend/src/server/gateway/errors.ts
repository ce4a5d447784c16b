import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';

/** The documented error codes (see schema/schema.graphql) that may reach a client as they are. */
export const PUBLIC_CODES = new Set([
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'TASK_NOT_CANCELLABLE',
  'UNAUTHENTICATED',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'INTERNAL_SERVER_ERROR',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
]);
/** Extension fields a coded error may carry to the client. */
const PUBLIC_EXTENSIONS = ['code', 'field', 'retryAfterSeconds', 'correlationId'];

export function codedError(code: string, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
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

/** Yoga's `maskError`: coded errors pass, everything unexpected is masked and logged with an id. */
export function maskError(error: unknown, _message: string, isDev?: boolean): Error {
  const graphQLError = error instanceof GraphQLError ? error : null;
  const original = graphQLError?.originalError ?? error;
  if (original instanceof GraphQLError) {
    const code = original.extensions?.code;
    if (typeof code === 'string' && PUBLIC_CODES.has(code)) return original;
  }
  if (graphQLError && !graphQLError.originalError) {
    const code = graphQLError.extensions?.code;
    if (typeof code === 'string' && PUBLIC_CODES.has(code)) return graphQLError;
  }
  const correlationId = randomUUID();
  console.error(`[gateway] [${correlationId}]`, isDev ? original : ((original as Error)?.stack ?? original));
  return codedError('INTERNAL_SERVER_ERROR', 'Internal server error', { correlationId });
}
