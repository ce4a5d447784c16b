import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { GraphQLError } from 'graphql';
import type { ErrorCode } from '../src/graphql/generated/schema-types.js';
import { maskError } from '../src/graphql/errors.js';
import { contextFor, userOf } from '../src/graphql/context.js';
import {
  assertTaskId,
  BadUserInputError,
  CodedError,
  RateLimitedError,
  ServiceUnavailableError,
  ShareExpiredError,
  ShareNotFoundError,
  ShareRevokedError,
  TaskNotCancellableError,
  TaskNotFoundError,
  UnauthenticatedError,
} from '../src/tasks/tasks.errors.js';

describe('coded errors', () => {
  test('each error carries its code', () => {
    const cases: [CodedError, ErrorCode][] = [
      [new TaskNotFoundError(), 'NOT_FOUND'],
      [new TaskNotCancellableError('FINISHED'), 'TASK_NOT_CANCELLABLE'],
      [new BadUserInputError('id', 'bad'), 'BAD_USER_INPUT'],
      [new ServiceUnavailableError(), 'SERVICE_UNAVAILABLE'],
      [new UnauthenticatedError(), 'UNAUTHENTICATED'],
      [new RateLimitedError(3), 'RATE_LIMITED'],
      [new ShareExpiredError(), 'SHARE_EXPIRED'],
      [new ShareRevokedError(), 'SHARE_REVOKED'],
      [new ShareNotFoundError(), 'NOT_FOUND'],
    ];
    for (const [error, code] of cases) {
      assert.ok(error instanceof CodedError);
      assert.equal(error.extensions.code, code);
      assert.ok(error.message.length > 0);
    }
    assert.equal(new BadUserInputError('first', 'x').extensions.field, 'first');
    assert.match(new TaskNotCancellableError('CANCELLED').message, /CANCELLED/);
  });

  test('NOT_FOUND is always the same, whatever the cause', () => {
    const a = new TaskNotFoundError();
    const b = new TaskNotFoundError();
    assert.equal(a.message, b.message);
    assert.deepEqual(a.extensions, b.extensions);
  });
});

describe('assertTaskId', () => {
  test('accepts UUIDs and normalises them to lower case', () => {
    const id = randomUUID();
    assert.equal(assertTaskId(id), id);
    assert.equal(assertTaskId(id.toUpperCase()), id);
  });

  test('refuses anything else with BAD_USER_INPUT naming the field', () => {
    const uuid = randomUUID();
    for (const bad of ['', 'nope', '1', `${uuid}x`, ` ${uuid}`, uuid.replace(/-/g, ''), 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz', 42, null, undefined, {}]) {
      assert.throws(
        () => assertTaskId(bad),
        (error: unknown) => {
          assert.ok(error instanceof BadUserInputError, String(bad));
          assert.equal(error.extensions.code, 'BAD_USER_INPUT');
          assert.equal(error.extensions.field, 'id');
          return true;
        },
      );
    }
  });
});

describe('caller identity', () => {
  test('a user id must be 8-64 characters of [A-Za-z0-9_-]', () => {
    for (const ok of ['abcdefgh', 'A_b-1234', 'x'.repeat(64)]) assert.equal(contextFor(ok).user, ok);
    for (const bad of ['short', 'x'.repeat(65), 'has space', 'semi;colon', 'ünïcode!', '', undefined, null, 12345678, ['abcdefgh']]) {
      assert.equal(contextFor(bad).user, null, String(bad));
    }
  });

  test("the client's address key: what the gateway's addressKey yields, nothing else", () => {
    for (const ok of ['203.0.113.7', '2001:db8:1:2::/64', '0:0:0:0::/64', 'unknown']) assert.equal(contextFor('abcdefgh', ok).client, ok);
    for (const bad of ['2001:db8::1', '203.0.113.7, 1.1.1.1', 'x'.repeat(300), '', undefined, ['203.0.113.7']]) {
      assert.equal(contextFor('abcdefgh', bad).client, null, String(bad));
    }
  });

  test('userOf refuses a context without a user', () => {
    assert.equal(userOf({ user: 'abcdefgh', client: null }), 'abcdefgh');
    assert.throws(
      () => userOf({ user: null, client: null }),
      (e: unknown) => e instanceof UnauthenticatedError,
    );
  });
});

describe('maskError', () => {
  const mask = (error: GraphQLError) => maskError(error.toJSON(), error);

  test('coded errors and pre-execution errors keep their message', () => {
    const coded = new GraphQLError('x', { originalError: new TaskNotFoundError(), path: ['task'] });
    assert.equal(mask(coded).extensions?.code, 'NOT_FOUND');
    const validation = new GraphQLError('Cannot query field "nope" on type "Query".');
    assert.deepEqual(mask(validation).extensions, { code: 'GRAPHQL_VALIDATION_FAILED' });
    assert.equal(mask(validation).message, validation.message);
  });

  test('a fault while resolving a field is masked, with or without a cause (graphql-jit raises serialization faults without one)', () => {
    for (const fault of [
      new GraphQLError('Int cannot represent non-integer value: NaN', { path: ['taskStatus', 'progress'] }),
      new GraphQLError('boom', { originalError: new Error('ECONNRESET at 10.0.0.1'), path: ['tasks'] }),
    ]) {
      const masked = mask(fault);
      assert.equal(masked.extensions?.code, 'INTERNAL_SERVER_ERROR');
      assert.equal(masked.message, 'Internal server error');
      assert.match(String(masked.extensions?.correlationId), /^[0-9a-f-]{36}$/);
    }
  });
});
