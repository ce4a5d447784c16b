/** The shared test harness: private Redis servers, app processes, GraphQL clients, bounded waits. */
export * from './children.js';
export * from './graphql.js';
export * from './inspector.js';
export * from './ports.js';
export * from './proc.js';
export * from './processes.js';
export * from './redis.js';
export * from './redis-cluster.js';
export * from './redis-sentinel.js';
export * from './wait.js';
export * from './proxy.js';
export * from './session.js';
export * from './operations.js';
export * from './task-rules.js';
