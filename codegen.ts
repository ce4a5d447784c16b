import type { CodegenConfig } from '@graphql-codegen/cli';

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
      presetConfig: { fragmentMasking: false },
      config: { scalars, enumsAsTypes: true, useTypeImports: true },
    },
    'backend/src/graphql/generated/schema-types.ts': {
      plugins: ['typescript'],
      config: { scalars, enumsAsTypes: true, useTypeImports: true },
    },
  },
};

export default config;
