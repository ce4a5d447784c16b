import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildSchema, parse } from 'graphql';
import { documentCache } from '../src/graphql/document-cache.js';

describe('shared documents', () => {
  const schema = buildSchema(`
    type Task { id: ID! status: String! version: Int! }
    type Query { ok: Boolean }
    type Subscription { taskStatus(id: ID!): Task! }
  `);
  const field = schema.getSubscriptionType()!.getFields().taskStatus;
  field.subscribe = async function* (_root, args: { id: string }, context: { user: string }) {
    yield { id: args.id, status: `for ${context.user}`, version: 1, secret: 'not selected' };
    yield { id: args.id, status: 'FINISHED', version: 2 };
  };
  field.resolve = (task) => task;

  test('one parsed document per operation text', () => {
    const cache = documentCache();
    const q = 'subscription W($id: ID!) { taskStatus(id: $id) { id status version } }';
    assert.equal(cache.parse(q), cache.parse(q));
    assert.deepEqual(cache.validate(schema, cache.parse(q)), []);
  });

  test('compiled subscriptions give what graphql-js gives: selection, variables, context, errors', async () => {
    const cache = documentCache();
    const document = cache.parse('subscription W($id: ID!) { taskStatus(id: $id) { id status v: version } }');
    const stream = (await cache.subscribe({ schema, document, variableValues: { id: 't1' }, contextValue: { user: 'u1' } })) as AsyncIterable<unknown>;
    const results: unknown[] = [];
    for await (const r of stream) results.push(r);
    assert.deepEqual(JSON.parse(JSON.stringify(results)), [
      { data: { taskStatus: { id: 't1', status: 'for u1', v: 1 } } },
      { data: { taskStatus: { id: 't1', status: 'FINISHED', v: 2 } } },
    ]);
    const missing = (await cache.subscribe({ schema, document, variableValues: {}, contextValue: {} })) as { errors?: readonly { message: string }[] };
    assert.match(missing.errors?.[0]?.message ?? '', /\$id/);
  });

  test('arguments reach the field as written: literals, and variables of other names', async () => {
    const cache = documentCache();
    for (const [text, variableValues] of [
      ['subscription { taskStatus(id: "lit") { id } }', {}],
      ['subscription W($task: ID!) { taskStatus(id: $task) { id } }', { task: 'lit' }],
    ] as const) {
      const stream = (await cache.subscribe({ schema, document: cache.parse(text), variableValues, contextValue: { user: 'u' } })) as AsyncIterableIterator<{
        data?: unknown;
      }>;
      assert.deepEqual(JSON.parse(JSON.stringify((await stream.next()).value)), { data: { taskStatus: { id: 'lit' } } }, text);
      await stream.return?.();
    }
  });

  test('closing a compiled subscription closes its source at once', async () => {
    const cache = documentCache();
    let closed = false;
    const field2 = schema.getSubscriptionType()!.getFields().taskStatus;
    const original = field2.subscribe;
    field2.subscribe = () => ({
      [Symbol.asyncIterator]() {
        return {
          next: () => new Promise<IteratorResult<unknown>>(() => undefined),
          return: async () => {
            closed = true;
            return { value: undefined, done: true as const };
          },
        };
      },
    });
    try {
      const stream = (await cache.subscribe({
        schema,
        document: cache.parse('subscription { taskStatus(id: "x") { id } }'),
        contextValue: {},
      })) as AsyncIterableIterator<unknown>;
      void stream.next();
      await stream.return?.();
      assert.equal(closed, true);
    } finally {
      field2.subscribe = original;
    }
  });

  test('an operation graphql-jit cannot compile still runs through graphql-js', async () => {
    const cache = documentCache();
    const document = parse('query Q { ok }');
    const result = (await cache.subscribe({ schema, document })) as { errors?: readonly { message: string }[] };
    assert.ok(result.errors?.length, 'a query is not a subscription: an error result, not a throw');
  });
});
