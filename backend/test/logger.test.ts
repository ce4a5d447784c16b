/** The backend's logger masks what the shared redaction list names, whichever way a line is written. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { REDACTED } from '@longrun/server-common';

const LOGGER = pathToFileURL(`${import.meta.dirname}/../src/ops/logger.ts`).href;

describe('backend logger', () => {
  test('password, token, authorization and cookie are masked, through pino and through Nest', () => {
    const script = `
      const { rootLogger, PinoNestLogger } = await import(${JSON.stringify(LOGGER)});
      const log = rootLogger({ env: 'production', role: 'api', ops: { logLevel: 'info', logFormat: undefined } });
      log.info({ password: 'hunter2-SECRET', headers: { authorization: 'Bearer SECRET', cookie: 'SECRET' }, token: 'SECRET' }, 'direct');
      new PinoNestLogger(log).log({ password: 'hunter2-SECRET', msg: 'through nest' }, 'Ctx');
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(run.status, 0, run.stderr);
    const [direct, nest] = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(direct.service, 'backend');
    assert.equal(direct.role, 'api');
    assert.equal(direct.password, REDACTED);
    assert.equal(direct.token, REDACTED);
    assert.deepEqual(direct.headers, { authorization: REDACTED, cookie: REDACTED });
    assert.equal(nest.context, 'Ctx');
    assert.equal(nest.password, REDACTED);
    assert.ok(!run.stdout.includes('SECRET'));
  });
});
