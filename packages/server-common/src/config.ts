import { z } from 'zod';
import type { LogFormat, LogLevel } from './logger.js';

/**
 * Helpers for the tiers' environment schemas: each tier parses its whole environment once, at
 * start, with one zod schema built from these; nothing else reads `process.env`.
 */

const BOOLEAN = ['true', 'false', '1', '0'] as const;
const truthy = (v: string) => v === 'true' || v === '1';

/** A whole number of at least `min`, `def` when unset. */
export const envInt = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);

/** A TCP port (0: any free port), `def` when unset. */
export const envPort = (def: number, min = 0) => envInt(def, min).pipe(z.number().max(65535));

/** `true`/`1` or `false`/`0`, `def` when unset. */
export const envBool = (def: boolean) =>
  z
    .enum(BOOLEAN)
    .default(def ? 'true' : 'false')
    .transform(truthy);

/** `true`/`1` or `false`/`0`; undefined when unset, for defaults that depend on other settings. */
export const envFlag = () =>
  z
    .enum(BOOLEAN)
    .optional()
    .transform((v) => (v === undefined ? undefined : truthy(v)));

/** Variables both tiers read, with the same meaning. */
export const commonEnv = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** The credential the gateway presents to the backend (see names.ts); required in production. */
  INTERNAL_API_TOKEN: z.string().min(16).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') satisfies z.ZodType<LogLevel>,
  /** `pretty` (human, for a terminal) or `json` (one object per line); default: pretty only in development on a TTY. */
  LOG_FORMAT: z.enum(['pretty', 'json']).optional() satisfies z.ZodType<LogFormat | undefined>,
};

/** A refinement (spread it into `.refine(...)`) that makes `variable` required in production. */
export function requiredInProduction<K extends string>(
  variable: K,
): [check: (c: { NODE_ENV: string } & { [key in K]?: unknown }) => boolean, params: { message: string; path: string[] }] {
  return [(c) => c.NODE_ENV !== 'production' || c[variable] !== undefined, { message: `${variable} is required in production`, path: [variable] }];
}

/** The environment is invalid; the message lists every problem, one per line. */
export class ConfigError extends Error {}

/**
 * Parses the environment with `schema`; an empty variable (`PORT=`) counts as unset, so it
 * gets its default rather than 0. Throws a `ConfigError` naming the tier and every problem.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>, tier: string): z.output<S> {
  const set = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
  const parsed = schema.safeParse(set);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid ${tier} configuration:\n${problems.join('\n')}`);
  }
  return parsed.data;
}
