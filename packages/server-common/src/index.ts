/**
 * What the backend and the frontend server share, in one place so the tiers cannot drift.
 * Server-only (Node); browser code imports `@longrun/server-common/names` alone.
 */
export * from './config.js';
export * from './limits.js';
export * from './logger.js';
export * from './names.js';
export * from './probes.js';
export * from './push-stream.js';
export * from './request-log.js';
export * from './secrets.js';
export * from './timeout.js';
export * from './user-tag.js';
