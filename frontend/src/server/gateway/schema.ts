import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildSchema, type GraphQLSchema } from 'graphql';

/** Finds `relative` in this module's folder or the nearest one above it (works from src/ and dist/). */
export function findUp(relative: string, from = import.meta.dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, relative))) return join(dir, relative);
    if (dirname(dir) === dir) throw new Error(`${relative} not found above ${from}`);
  }
}

/** The repository's `schema/` folder. */
export function schemaDir(): string {
  return dirname(findUp(join('schema', 'schema.graphql')));
}

/** The public schema, from the same SDL the backend serves. */
export function loadPublicSchema(): GraphQLSchema {
  return buildSchema(readFileSync(join(schemaDir(), 'schema.graphql'), 'utf8'));
}
