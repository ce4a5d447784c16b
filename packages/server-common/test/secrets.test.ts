import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bearerToken, secretMatches } from '../src/secrets.js';

/**
 * The one constant-time compare (internal credential, metrics token, admin password, session
 * signature). Its constant-time property comes from comparing SHA-256 digests with
 * timingSafeEqual; timing itself is not asserted: it is noise here.
 */
describe('secretMatches', () => {
  const expected = 'a-long-enough-internal-token-0123456789';

  test('accepts exactly the expected secret', () => {
    assert.equal(secretMatches(expected, expected), true);
    assert.equal(secretMatches(`${expected}`.slice(0), expected), true);
  });

  test('refuses anything else, whatever its length', () => {
    const flipped = `${expected.slice(0, -1)}${expected.at(-1) === '9' ? '8' : '9'}`;
    for (const presented of [
      flipped,
      expected.slice(0, -1),
      `${expected}x`,
      `x${expected}`,
      '',
      ' ',
      expected.toUpperCase(),
      `${expected}\0`,
      'x'.repeat(10_000),
    ]) {
      assert.equal(secretMatches(presented, expected), false, JSON.stringify(presented.slice(0, 50)));
    }
  });

  test('refuses values that are not strings (connectionParams can carry anything)', () => {
    for (const presented of [undefined, null, 0, 1, true, {}, [expected], { toString: () => expected }, Buffer.from(expected)]) {
      assert.equal(secretMatches(presented, expected), false, String(presented));
    }
  });

  test('a prefix or a longer value never throws: lengths are hidden by hashing first', () => {
    // timingSafeEqual throws on different lengths; hashing first must make that impossible.
    assert.doesNotThrow(() => secretMatches('short', expected));
    assert.doesNotThrow(() => secretMatches('y'.repeat(1_000_000), expected));
  });
});

describe('bearerToken', () => {
  test('reads only an exact "Bearer <token>" header', () => {
    assert.equal(bearerToken('Bearer abc'), 'abc');
    for (const header of [undefined, '', 'Bearer ', 'abc', 'bearer abc', 'Basic abc', ['Bearer abc'], 5]) {
      assert.equal(bearerToken(header), undefined, JSON.stringify(header));
    }
  });
});
