import type { CodegenConfig } from '@graphql-codegen/cli';
import { addTypenameSelectionDocumentTransform } from '@graphql-codegen/client-preset';

/**
 * One schema (schema/*.graphql), typed code for both tiers. Generated files are committed;
 * `npm run codegen:check` fails when they are stale. Never edit them by hand.
 */
const scalars = { DateTime: 'string' };

const config: CodegenConfig = {
  schema: 'schema/*.graphql',
  // The browser's operations live beside the components that use them. The gateway's server
  // code forwards arbitrary operations and declares none.
  documents: ['frontend/src/app/**/*.tsx', 'frontend/src/graphql/*.ts', 'cli/**/*.ts', '!**/generated/**'],
  ignoreNoDocuments: true,
  generates: {
    'frontend/src/graphql/generated/': {
      preset: 'client',
      // persistedDocuments: each document carries its sha256 hash, and persisted-documents.json
      // lists every operation the app ships (the allowlist for TRUSTED_DOCUMENTS=true).
      presetConfig: { fragmentMasking: false, persistedDocuments: { hashAlgorithm: 'sha256' } },
      // The stored documents must select __typename as Apollo Client's queries do, so a
      // persisted document answers exactly what the cache expects.
      documentTransforms: [addTypenameSelectionDocumentTransform],
      config: { scalars, enumsAsTypes: true, useTypeImports: true },
    },
    'backend/src/graphql/generated/schema-types.ts': {
      plugins: ['typescript'],
      config: { scalars, enumsAsTypes: true, useTypeImports: true },
    },
  },
};

export default config;
