import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bearer, credentialMatches } from '../src/graphql/context.js';

/**
 * The internal credential check's behaviour (its constant-time property comes from comparing
 * SHA-256 digests with timingSafeEqual; timing itself is not asserted: it is noise here).
 */
describe('credentialMatches', () => {
  const expected = 'a-long-enough-internal-token-0123456789';

  test('accepts exactly the expected credential', () => {
    assert.equal(credentialMatches(expected, expected), true);
    assert.equal(credentialMatches(`${expected}`.slice(0), expected), true);
  });

  test('refuses anything else, whatever its length', () => {
    const flipped = `${expected.slice(0, -1)}${expected.at(-1) === '9' ? '8' : '9'}`;
    for (const presented of [flipped, expected.slice(0, -1), `${expected}x`, `x${expected}`, '', ' ', expected.toUpperCase(), `${expected}\0`, 'x'.repeat(10_000)]) {
      assert.equal(credentialMatches(presented, expected), false, JSON.stringify(presented.slice(0, 50)));
    }
  });

  test('refuses values that are not strings (connectionParams can carry anything)', () => {
    for (const presented of [undefined, null, 0, 1, true, {}, [expected], { toString: () => expected }, Buffer.from(expected)]) {
      assert.equal(credentialMatches(presented, expected), false, String(presented));
    }
  });

  test('a prefix or a longer value never matches: lengths are hidden by hashing first', () => {
    // timingSafeEqual throws on different lengths; hashing first must make that impossible.
    assert.doesNotThrow(() => credentialMatches('short', expected));
    assert.doesNotThrow(() => credentialMatches('y'.repeat(1_000_000), expected));
  });
});

describe('bearer', () => {
  test('reads only an exact "Bearer <token>" header', () => {
    assert.equal(bearer('Bearer abc'), 'abc');
    for (const header of [undefined, '', 'abc', 'bearer abc', 'Basic abc', ['Bearer abc'], 5]) {
      assert.equal(bearer(header), undefined, JSON.stringify(header));
    }
  });
});
