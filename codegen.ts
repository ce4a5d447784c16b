import type { CodegenConfig } from '@graphql-codegen/cli';
import { addTypenameSelectionDocumentTransform } from '@graphql-codegen/client-preset';

/**
 * One schema (schema/*.graphql), typed code for both tiers and for the clients outside them.
 * Generated files are committed; `npm run codegen:check` (`graphql-codegen --check`) fails when
 * they are stale. Never edit them by hand.
 */
const scalars = { DateTime: 'string' };

/**
 * Enums as `as const` objects as well as types, with the schema's value names, so code can list
 * an enum at run time (`Object.values(ErrorCode)`) and write `ErrorCode.NOT_FOUND`.
 */
const enums = { enumsAsConst: true, namingConvention: { enumValues: 'keep' } };

/**
 * The final statuses, defined here once (the schema says "FINISHED, CANCELLED and ERROR are
 * final") and appended to every generated enums module, so each tier imports the same set.
 */
const finalStatuses = {
  add: {
    placement: 'append',
    content: `
/** A task in a final status never changes again (see TaskStatus). */
export const FINAL_STATUSES: ReadonlySet<TaskStatus> = new Set<TaskStatus>(['FINISHED', 'CANCELLED', 'ERROR']);

export function isFinal(status: TaskStatus): boolean {
  return FINAL_STATUSES.has(status);
}
`,
  },
};

/** The schema's enums (TaskStatus, ErrorCode) and the final statuses, for one tier. */
const enumsModule = {
  plugins: ['typescript', finalStatuses],
  config: { scalars, ...enums, onlyEnums: true, useTypeImports: true },
};

const config: CodegenConfig = {
  schema: 'schema/*.graphql',
  ignoreNoDocuments: true,
  generates: {
    // The browser's operations live beside the components that use them. The gateway's server
    // code forwards arbitrary operations and declares none.
    'frontend/src/graphql/generated/': {
      documents: ['frontend/src/app/**/*.tsx', 'frontend/src/graphql/*.ts'],
      preset: 'client',
      // persistedDocuments: each document carries its sha256 hash, and persisted-documents.json
      // lists every operation the app ships (the allowlist for TRUSTED_DOCUMENTS=true).
      presetConfig: { fragmentMasking: false, persistedDocuments: { hashAlgorithm: 'sha256' } },
      // The stored documents must select __typename as Apollo Client's queries do, so a
      // persisted document answers exactly what the cache expects.
      documentTransforms: [addTypenameSelectionDocumentTransform],
      config: { scalars, enumsAsTypes: true, useTypeImports: true },
    },
    'frontend/src/graphql/generated/schema-enums.ts': enumsModule,
    'backend/src/graphql/generated/schema-types.ts': {
      plugins: ['typescript', finalStatuses],
      config: { scalars, ...enums, useTypeImports: true },
    },
    // The CLI, the suites, the fault suite and the benchmark: operations/*.graphql as typed
    // strings (a document's toString() is its text, typed with its result and variables). Their
    // hashes join the page's in the gateway's allowlist, so the CLI works with TRUSTED_DOCUMENTS.
    'operations/generated/': {
      documents: ['operations/*.graphql'],
      preset: 'client',
      presetConfig: { fragmentMasking: false, persistedDocuments: { hashAlgorithm: 'sha256' } },
      config: { scalars, enumsAsTypes: true, useTypeImports: true, documentMode: 'string', importExtension: '.js' },
    },
    'operations/generated/schema-enums.ts': enumsModule,
  },
};

export default config;
