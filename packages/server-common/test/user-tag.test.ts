import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { userTag } from '../src/user-tag.js';

describe('userTag', () => {
  test('is stable: pinned to known values, so a change shows up as a broken link between old and new logs', () => {
    // The first 12 characters of base64url(SHA-256(id)).
    assert.equal(userTag('abcdefgh'), 'nFbMUbN0w7oY');
    assert.equal(userTag('0123456789abcdefABCDEF_-xyzXYZ12'), userTag('0123456789abcdefABCDEF_-xyzXYZ12'));
  });

  test('is short, URL-safe, and differs between users', () => {
    const ids = Array.from({ length: 200 }, (_, i) => `session-${i}-${'x'.repeat(i % 7)}`);
    const tags = ids.map((id) => userTag(id)!);
    for (const tag of tags) assert.match(tag, /^[A-Za-z0-9_-]{12}$/);
    assert.equal(new Set(tags).size, ids.length);
    for (const [i, id] of ids.entries()) assert.ok(!tags[i].includes(id), 'the id itself never shows');
  });

  test('no user, no tag', () => {
    for (const none of [undefined, null, '']) assert.equal(userTag(none), undefined);
  });
});
