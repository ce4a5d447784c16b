import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildSchema, type GraphQLSchema } from 'graphql';

/** Finds the repository's `schema/` folder above this module (works from src/ and from dist/). */
export function schemaDir(from = import.meta.dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'schema', 'schema.graphql'))) return join(dir, 'schema');
    if (dirname(dir) === dir) throw new Error(`schema/schema.graphql not found above ${from}`);
  }
}

/** The public schema, from the same SDL the backend serves. */
export function loadPublicSchema(): GraphQLSchema {
  return buildSchema(readFileSync(join(schemaDir(), 'schema.graphql'), 'utf8'));
}
