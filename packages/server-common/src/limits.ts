/**
 * What one GraphQL operation may ask for, as graphql-armor options. The gateway enforces them
 * on both transports; the backend enforces them again on its own endpoint (defence in depth).
 * The app's own operations need up to depth 6 (a task's `result` union inside a fragment:
 * graphql-armor counts a fragment spread as a level, so operations/ spell `result` out in each
 * fragment), a handful of aliases and a few hundred tokens; these bounds leave room for
 * hand-written queries in GraphiQL and little more. How many tasks one
 * request can create is bounded by maxAliases here and, per user over time, by the backend's
 * rate limit.
 */
export const OPERATION_LIMITS = {
  maxAliases: { n: 5 },
  maxDepth: { n: 6 },
  maxTokens: { n: 1000 },
  maxDirectives: { n: 10 },
  costLimit: { maxCost: 2000 },
} as const;
