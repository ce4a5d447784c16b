import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { commonEnv, ConfigError, envBool, envFlag, envInt, envPort, parseEnv, requiredInProduction } from '../src/config.js';

const schema = z
  .object({
    ...commonEnv,
    PORT: envPort(3000),
    COUNT: envInt(5, 1),
    ENABLED: envBool(false),
    MAYBE: envFlag(),
    SECRET: z.string().min(8).optional(),
  })
  .refine(...requiredInProduction('SECRET'));

describe('parseEnv and the env helpers', () => {
  test('defaults, and an empty variable counts as unset', () => {
    const c = parseEnv(schema, { PORT: '', COUNT: '', ENABLED: '', MAYBE: '' }, 'test');
    assert.deepEqual(c, { NODE_ENV: 'development', LOG_LEVEL: 'info', PORT: 3000, COUNT: 5, ENABLED: false });
  });

  test('values', () => {
    const c = parseEnv(schema, { PORT: '0', COUNT: '7', ENABLED: '1', MAYBE: 'false', LOG_FORMAT: 'json', INTERNAL_API_TOKEN: 't'.repeat(16) }, 'test');
    assert.equal(c.PORT, 0);
    assert.equal(c.COUNT, 7);
    assert.equal(c.ENABLED, true);
    assert.equal(c.MAYBE, false);
    assert.equal(c.LOG_FORMAT, 'json');
    assert.equal(parseEnv(schema, { MAYBE: 'true' }, 'test').MAYBE, true);
  });

  test('a ConfigError names the tier and lists every problem', () => {
    const env = { PORT: '70000', COUNT: '0', ENABLED: 'yes', LOG_LEVEL: 'loud', INTERNAL_API_TOKEN: 'short' };
    assert.throws(
      () => parseEnv(schema, env, 'frontend'),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /^Invalid frontend configuration:\n/);
        for (const variable of Object.keys(env)) assert.match(error.message, new RegExp(`^  ${variable}: `, 'm'));
        return true;
      },
    );
  });

  test('requiredInProduction', () => {
    assert.throws(() => parseEnv(schema, { NODE_ENV: 'production' }, 'test'), /SECRET: SECRET is required in production/);
    assert.equal(parseEnv(schema, { NODE_ENV: 'production', SECRET: 's'.repeat(8) }, 'test').SECRET, 's'.repeat(8));
  });
});
