/** The frontend's logger masks what the shared redaction list names, before and after initLogger. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { REDACTED } from '@longrun/server-common';

const LOGGER = pathToFileURL(`${import.meta.dirname}/../src/server/ops/logger.ts`).href;

describe('frontend logger', () => {
  test('password, token, authorization and cookie are masked, by the configured logger and by the one before it', () => {
    const script = `
      const { initLogger, log } = await import(${JSON.stringify(LOGGER)});
      const secrets = { password: 'hunter2-SECRET', token: 'SECRET', headers: { authorization: 'Bearer SECRET', cookie: 'SECRET' } };
      log().info(secrets, 'before init');
      initLogger({ dev: false, ops: { logLevel: 'info', logFormat: undefined } });
      log().info(secrets, 'after init');
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => l.msg).sort(), ['after init', 'before init']);
    for (const line of lines) {
      assert.equal(line.service, 'frontend');
      assert.equal(line.password, REDACTED, 'the frontend masks password too');
      assert.equal(line.token, REDACTED);
      assert.deepEqual(line.headers, { authorization: REDACTED, cookie: REDACTED });
    }
    assert.ok(!run.stdout.includes('SECRET'));
  });
});
