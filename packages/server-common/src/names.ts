/**
 * Header and path names both tiers (and the browser's Apollo link) agree on. No imports: this
 * module is safe in browser code too (`@longrun/server-common/names`).
 */

/** The backend's GraphQL endpoint (HTTP and WebSocket); only the gateway calls it. */
export const BACKEND_GRAPHQL_PATH = '/graphql';
/** The gateway's public GraphQL endpoint (HTTP and WebSocket), the one browsers use. */
export const GATEWAY_GRAPHQL_PATH = '/api/graphql';

/**
 * A task's file (an export's), for its owner: `<GATEWAY_FILES_PATH>/<taskId>` on the frontend
 * (`ExportResult.url`), which fetches `<BACKEND_FILES_PATH>/<taskId>` from the backend with the
 * internal credential and the user, as it forwards GraphQL.
 */
export const GATEWAY_FILES_PATH = '/api/files';
export const BACKEND_FILES_PATH = '/files';

/** Liveness: 200 while the process runs. */
export const HEALTH_PATH = '/healthz';
/** Readiness: 200 only when every dependency answers; 503 while shutting down. */
export const READY_PATH = '/readyz';
/** Prometheus metrics. */
export const METRICS_PATH = '/metrics';

/**
 * The internal credential on HTTP: `Authorization: Bearer <INTERNAL_API_TOKEN>`. On the
 * WebSocket it travels as `connectionParams[INTERNAL_TOKEN_PARAM]`.
 */
export const INTERNAL_TOKEN_HEADER = 'authorization';
export const INTERNAL_TOKEN_PARAM = 'token';

/**
 * The user the gateway asserts to the backend, per operation: this header on HTTP, and
 * `extensions[USER_EXTENSION]` of each subscribe message on the shared WebSocket.
 */
export const USER_HEADER = 'x-longrun-user';
export const USER_EXTENSION = 'user';

/**
 * The client's address key (an IPv4 address, or an IPv6 /64) the gateway asserts to the backend
 * for limits per address (the backend sees only the gateway's own address): this header on
 * HTTP, `extensions[CLIENT_EXTENSION]` of a query or mutation on the shared WebSocket.
 */
export const CLIENT_HEADER = 'x-longrun-client';
export const CLIENT_EXTENSION = 'client';

/**
 * A request's id, kept across both tiers' log lines (see `logRequest`): this header on HTTP,
 * `extensions[REQUEST_ID_EXTENSION]` of a query or mutation on the shared WebSocket.
 */
export const REQUEST_ID_HEADER = 'x-request-id';
export const REQUEST_ID_EXTENSION = 'requestId';
