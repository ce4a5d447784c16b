#!/usr/bin/env node
// Fails when the committed generated code differs from what codegen.ts generates from schema/.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { ROOT } from './lib.mjs';

const { default: config } = await import(join(ROOT, 'codegen.ts'));
process.chdir(ROOT);
const outputs = await generate({ ...config, silent: true }, false);
const stale = outputs.filter(({ filename, content }) => {
  const path = join(ROOT, filename);
  return !existsSync(path) || readFileSync(path, 'utf8') !== content;
});
if (stale.length > 0) {
  console.error(`Generated code is stale; run \`npm run codegen\` and commit:\n${stale.map((o) => `  ${o.filename}`).join('\n')}`);
  process.exit(1);
}
console.log(`codegen: ${outputs.length} generated files are up to date`);
