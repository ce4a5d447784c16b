import { readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Config } from '../config/config.js';
import type { KindDefinition, KindFactory, KindResult, KindServices } from './task-kind.js';

/** Nest injection token for the loaded `Kinds`. */
export const KINDS = Symbol('KINDS');

/** The kinds this process runs, by name. */
export type Kinds = ReadonlyMap<string, KindDefinition<unknown, KindResult>>;

/** The kind a `createTask` without input runs. */
export const DEFAULT_KIND = 'simulated';

const KINDS_DIR = join(import.meta.dirname, 'kinds');

/**
 * Finds every kind: each folder of `kinds/` with an `index` module default-exporting
 * `defineKind(...)`. Scanning (rather than a list) is what lets a kind be added by adding its
 * folder; the folder's name must be the kind's name.
 */
export async function loadKinds(config: Config, services: KindServices, dir = KINDS_DIR): Promise<Kinds> {
  const ext = extname(import.meta.filename);
  const kinds = new Map<string, KindDefinition<unknown, KindResult>>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const module = (await import(pathToFileURL(join(dir, entry.name, `index${ext}`)).href)) as { default?: KindFactory };
    if (typeof module.default !== 'function') throw new Error(`kinds/${entry.name}/index${ext} must default-export defineKind(...)`);
    const kind = module.default(config, services) as KindDefinition<unknown, KindResult>;
    if (kind.name !== entry.name) throw new Error(`kinds/${entry.name} defines the kind "${kind.name}": the folder must be named after it`);
    kinds.set(kind.name, kind);
  }
  if (!kinds.has(DEFAULT_KIND)) throw new Error(`the default kind "${DEFAULT_KIND}" is missing from ${dir}`);
  return kinds;
}
