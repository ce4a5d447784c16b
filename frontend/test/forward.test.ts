import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'graphql';
import { asksForSchema } from '../src/server/gateway/forward.js';

describe('what the gateway answers itself', () => {
  const asks = (text: string, name?: string) => asksForSchema(parse(text), name);

  test('operations on the API are forwarded', () => {
    assert.equal(asks('mutation { createTask { id status __typename } }'), false);
    assert.equal(asks('query Mine { tasks(first: 5) { id } }'), false);
    assert.equal(asks('query A { tasks { id } } query B { __schema { types { name } } }', 'A'), false);
  });

  test('introspection at the root, however it is spelled, is answered here', () => {
    assert.equal(asks('{ __schema { types { name } } }'), true);
    assert.equal(asks('{ tasks { id } __type(name: "Task") { name } }'), true);
    assert.equal(asks('{ ... on Query { __typename } }'), true);
    assert.equal(asks('query { ...F } fragment F on Query { ...G } fragment G on Query { __schema { queryType { name } } }'), true);
    assert.equal(asks('query A { tasks { id } } query B { __schema { types { name } } }', 'B'), true);
  });

  test('a cycle of fragments or an unknown operation does not hang or throw', () => {
    assert.equal(asks('query { ...F } fragment F on Query { ...F }'), false);
    assert.equal(asks('query A { tasks { id } }', 'Nope'), true);
  });
});
