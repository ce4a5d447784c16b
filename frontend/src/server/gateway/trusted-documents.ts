import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { codedError } from './errors.js';
import { findUp } from './schema.js';

/**
 * The operations the app ships, by hash: codegen writes them (client preset, persistedDocuments)
 * for the page and for operations/ (the CLI's), and each client sends an operation's hash in
 * `extensions.persistedQuery.sha256Hash`. With
 * TRUSTED_DOCUMENTS=true the gateway runs only these, on HTTP and WebSocket alike; otherwise a
 * known hash runs its stored document and anything else runs as sent.
 */
export interface TrustedDocuments {
  /** The Yoga plugin for the HTTP leg: swaps in the stored document, or refuses. */
  plugin(): Plugin;
  /** The query text to run for a WebSocket subscribe message, or the error to answer with. */
  resolve(params: { query?: string; extensions?: Record<string, unknown> | null }): { query: string } | { error: GraphQLError };
}

const MANIFESTS = [join('src', 'graphql', 'generated', 'persisted-documents.json'), join('operations', 'generated', 'persisted-documents.json')];

function hashOf(extensions: unknown): string | undefined {
  const hash = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | null | undefined)?.persistedQuery?.sha256Hash;
  return typeof hash === 'string' ? hash : undefined;
}

const onlyTrusted = () => codedError('BAD_REQUEST', "Only the app's own operations are accepted here", { http: { status: 400 } });
const unknownDocument = () => codedError('BAD_REQUEST', 'Unknown operation hash', { http: { status: 400 } });

export function loadTrustedDocuments(enforce: boolean): TrustedDocuments {
  const documents = new Map(MANIFESTS.flatMap((m) => Object.entries(JSON.parse(readFileSync(findUp(m), 'utf8')) as Record<string, string>)));
  return {
    plugin(): Plugin {
      return {
        onParams: ({ params, setParams }) => {
          const source = this.resolve(params);
          if ('error' in source) throw source.error;
          setParams({ ...params, query: source.query });
        },
      };
    },
    // A known hash runs its stored document, whatever text came along; without enforcement an
    // unknown hash (e.g. from an older build of the page) falls back to the query sent.
    resolve: ({ query, extensions }) => {
      const hash = hashOf(extensions);
      const stored = hash ? documents.get(hash) : undefined;
      if (stored) return { query: stored };
      if (enforce) return { error: hash ? unknownDocument() : onlyTrusted() };
      return query ? { query } : { error: codedError('BAD_REQUEST', 'Missing query') };
    },
  };
}
