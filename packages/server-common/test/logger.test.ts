import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { REDACTED, REDACTED_FIELDS } from '../src/logger.js';

const LOGGER = pathToFileURL(`${import.meta.dirname}/../src/logger.ts`).href;

/** Runs `body` (with `createLogger`, `announce`, `captureConsole` in scope) in a new process; its stdout lines as JSON. */
function linesOf(body: string): Record<string, unknown>[] {
  const script = `const { createLogger, announce, captureConsole } = await import(${JSON.stringify(LOGGER)});\n${body}`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('createLogger', () => {
  test('JSON lines with the service and base fields; every redacted field is masked at the top level and one object down', () => {
    const secrets = Object.fromEntries(REDACTED_FIELDS.map((f) => [f, `${f}-SECRET-VALUE`]));
    const [line] = linesOf(`
      const log = createLogger({ service: 'backend', base: { role: 'api' }, level: 'info', format: 'json' });
      log.info({ ...${JSON.stringify(secrets)}, req: ${JSON.stringify(secrets)}, kept: 'visible' }, 'hello');
    `);
    assert.equal(line.service, 'backend');
    assert.equal(line.role, 'api');
    assert.equal(typeof line.pid, 'number');
    assert.equal(line.msg, 'hello');
    assert.equal(line.kept, 'visible');
    for (const field of REDACTED_FIELDS) {
      assert.equal(line[field], REDACTED, field);
      assert.equal((line.req as Record<string, unknown>)[field], REDACTED, `req.${field}`);
    }
    assert.ok(!JSON.stringify(line).includes('SECRET-VALUE'));
    assert.ok(REDACTED_FIELDS.includes('password'), 'password is masked on both tiers');
  });

  test('the level holds, except for the start-up line, which announce writes at info', () => {
    const lines = linesOf(`
      const log = createLogger({ service: 'frontend', level: 'warn', format: 'json' });
      log.info('dropped');
      log.warn('kept');
      announce(log, 'ready on http://x ');
    `);
    assert.deepEqual(
      lines.map((l) => [l.level, l.msg]),
      [
        [40, 'kept'],
        [30, 'ready on http://x '],
      ],
    );
  });

  test('captureConsole turns console output into JSON lines without colour codes', () => {
    const lines = linesOf(`
      captureConsole(createLogger({ service: 'frontend', level: 'info', format: 'json' }));
      console.log('a %s note', 'formatted');
      console.warn('\\u001b[33mcoloured\\u001b[39m');
    `);
    assert.deepEqual(
      lines.map((l) => [l.level, l.context, l.msg]),
      [
        [30, 'console', 'a formatted note'],
        [40, 'console', 'coloured'],
      ],
    );
  });
});
