/** The list's pure logic: its filter in the URL, the cache's paging merge, live inserts, highest version wins. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { comparePositions, insertLive, keepIncoming, mergeHistoryPage, type StoredPage, withNewestTasks } from '../src/graphql/history-merge.js';
import { historyFilter, listFilterQuery, matchesFilter, NO_FILTER, parseListFilter } from '../src/graphql/task-list.js';

type Edge = { id: string; createdAt: string };
const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
const edge = (n: number, id = `t${String(n).padStart(3, '0')}`): Edge => ({ id, createdAt: at(n) });
const page = (edges: Edge[], hasNextPage: boolean, endCursor: string | null = edges.at(-1)?.id ?? null): StoredPage<Edge> => ({
  edges,
  pageInfo: { hasNextPage, endCursor },
  totalCount: 99,
});
const ids = (p: StoredPage<Edge>) => p.edges.map((e) => e.id);
const idOf = (e: Edge) => e.id;

describe('the filter in the URL', () => {
  test('round-trips, and ignores what it does not know', () => {
    const filter = { status: 'ERROR' as const, kind: 'primes' };
    assert.equal(listFilterQuery(filter), '?status=ERROR&kind=primes');
    assert.deepEqual(parseListFilter(listFilterQuery(filter)), filter);
    assert.equal(listFilterQuery(NO_FILTER), '');
    assert.deepEqual(parseListFilter(''), NO_FILTER);
    assert.deepEqual(parseListFilter('?status=BOGUS&kind='), NO_FILTER);
    assert.deepEqual(parseListFilter(`?kind=${'x'.repeat(101)}`), NO_FILTER);
  });

  test('gives taskHistory’s filter, and says whether a task belongs', () => {
    assert.deepEqual(historyFilter(NO_FILTER), {});
    assert.deepEqual(historyFilter({ status: 'WAITING', kind: null }), { status: ['WAITING'] });
    assert.deepEqual(historyFilter({ status: null, kind: 'export' }), { kind: ['export'] });
    assert.equal(matchesFilter({ status: 'ERROR', kind: 'primes' }, { status: 'ERROR', kind: 'primes' }), true);
    assert.equal(matchesFilter({ status: 'FINISHED', kind: 'primes' }, { status: 'ERROR', kind: null }), false);
    assert.equal(matchesFilter({ status: 'ERROR', kind: 'simulated' }, { status: null, kind: 'primes' }), false);
    assert.equal(matchesFilter({ status: 'ERROR', kind: 'simulated' }, NO_FILTER), true);
  });
});

describe('paging in the cache', () => {
  const first = page([edge(50), edge(49), edge(48)], true);

  test('the first page (no cursor) replaces what was there', () => {
    const fresh = page([edge(51), edge(50)], true);
    assert.equal(mergeHistoryPage(undefined, first, undefined, idOf), first);
    assert.equal(mergeHistoryPage(first, fresh, null, idOf), fresh);
  });

  test('the next page is appended, each task once, and says where to go on from', () => {
    const next = page([edge(48), edge(47), edge(46)], false);
    const merged = mergeHistoryPage(first, next, 't048', idOf);
    assert.deepEqual(ids(merged), ['t050', 't049', 't048', 't047', 't046']);
    assert.deepEqual(merged.pageInfo, { hasNextPage: false, endCursor: 't046' });
  });

  test('a short page (the read bound) moves the cursor on even with no task', () => {
    const empty = page([], true, 'c-read-up-to-here');
    const merged = mergeHistoryPage(first, empty, 't048', idOf);
    assert.deepEqual(ids(merged), ids(first));
    assert.deepEqual(merged.pageInfo, { hasNextPage: true, endCursor: 'c-read-up-to-here' });
  });

  test('a page for a cursor the list no longer ends at is dropped (no gap)', () => {
    const stale = page([edge(10)], true);
    assert.equal(mergeHistoryPage(first, stale, 't099', idOf), first);
  });

  test('paging through pages of three, with tasks created meanwhile, reaches each task once', () => {
    // The server's history: newest first; a page follows its cursor, new tasks go above.
    let history = Array.from({ length: 10 }, (_, i) => edge(10 - i));
    const read = (after: string | null) => {
      const start = after === null ? 0 : history.findIndex((e) => e.id === after) + 1;
      const edges = history.slice(start, start + 3);
      return page(edges, start + 3 < history.length);
    };
    let list = mergeHistoryPage(undefined, read(null), null, idOf);
    history = [edge(11), ...history]; // created while paging: arrives live, above
    list = insertLive(list, edge(11), (e) => e);
    while (list.pageInfo.hasNextPage) list = mergeHistoryPage(list, read(list.pageInfo.endCursor!), list.pageInfo.endCursor, idOf);
    assert.deepEqual(
      ids(list),
      history.map((e) => e.id),
    );
  });
});

describe('a task that appears live', () => {
  const list = page([edge(50), edge(48), edge(46)], true);
  const pos = (e: Edge) => e;

  test('goes in at its place, newest first (by creation, then id)', () => {
    assert.deepEqual(ids(insertLive(list, edge(60), pos)), ['t060', 't050', 't048', 't046']);
    assert.deepEqual(ids(insertLive(list, edge(47), pos)), ['t050', 't048', 't047', 't046']);
    assert.ok(comparePositions(edge(5, 'b'), edge(5, 'a')) < 0);
    assert.deepEqual(ids(insertLive(page([edge(5, 'c'), edge(5, 'a')], false), edge(5, 'b'), pos)), ['c', 'b', 'a']);
  });

  test('is left out when already listed, or older than the list reaches while more pages remain', () => {
    assert.equal(insertLive(list, edge(48), pos), list);
    assert.equal(insertLive(list, edge(40), pos), list);
    const whole = page(list.edges.slice(), false);
    assert.deepEqual(ids(insertLive(whole, edge(40), pos)), ['t050', 't048', 't046', 't040']);
  });
});

describe('two snapshots of a task', () => {
  test('the higher version wins; an equal one is taken as it comes', () => {
    assert.equal(keepIncoming(3, 4), true);
    assert.equal(keepIncoming(4, 3), false);
    assert.equal(keepIncoming(4, 4), true);
    assert.equal(keepIncoming(undefined, 1), true);
  });
});

describe('a result written to the cache', () => {
  const task = (id: string, version: number, status = 'IN_PROGRESS') => ({ __typename: 'Task' as const, id, version, status });
  const held = new Map([
    ['a', task('a', 5, 'FINISHED')],
    ['b', task('b', 2)],
  ]);
  const read = (id: string) => held.get(id);

  test('never takes a task back: an older snapshot is replaced by the one held, wherever it is', () => {
    const result = { taskHistory: { edges: [{ node: task('a', 3) }, { node: task('b', 3) }, { node: task('c', 1) }], totalCount: 3 } };
    const out = withNewestTasks(result, read);
    assert.deepEqual(
      out.taskHistory.edges.map((e) => [e.node.id, e.node.version, e.node.status]),
      [
        ['a', 5, 'FINISHED'],
        ['b', 3, 'IN_PROGRESS'],
        ['c', 1, 'IN_PROGRESS'],
      ],
    );
    assert.equal(out.taskHistory.totalCount, 3);
    assert.deepEqual(withNewestTasks({ taskUpdates: task('a', 4) }, read), { taskUpdates: held.get('a') });
  });

  test('is the same object when nothing was older', () => {
    const result = { taskUpdates: task('a', 6), other: [1, 'x', null] };
    assert.equal(withNewestTasks(result, read), result);
  });
});

describe('the list query', () => {
  test('selects each task exactly as the cards’ TaskFields does (spelled out for the depth limit)', async () => {
    const { print } = await import('graphql');
    const { TaskFieldsFragmentDoc: TaskFields, TaskHistoryDocument: TaskHistoryQuery } = await import('../src/graphql/generated/graphql.js');
    type Node = { kind: string; name?: { value: string }; selectionSet?: { selections: Node[] } };
    const find = (node: Node, name: string): Node | undefined =>
      node.name?.value === name ? node : node.selectionSet?.selections.map((s) => find(s, name)).find(Boolean);
    const fragment = (TaskFields as unknown as { definitions: Node[] }).definitions[0]!;
    const query = (TaskHistoryQuery as unknown as { definitions: Node[] }).definitions[0]!;
    const nodeSelection = find(query, 'node')?.selectionSet;
    assert.ok(nodeSelection && fragment.selectionSet);
    assert.equal(print(nodeSelection as never), print(fragment.selectionSet as never));
  });
});
