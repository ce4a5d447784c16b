import type { ApolloCache } from '@apollo/client';
import { useApolloClient, useQuery, useSubscription } from '@apollo/client/react';
import { useEffect, useMemo, useRef, useState } from 'react';
import { type ConnectionState, useWhenBack } from '../../graphql/connection';
import { TaskCountsQuery, TaskHistoryQuery, TaskUpdatesSubscription } from '../../graphql/documents';
import type { TaskFieldsFragment, TaskStatus } from '../../graphql/generated/graphql';
import { insertLive } from '../../graphql/history-merge';
import { historyFilter, type ListFilter, listVariables, matchesFilter, parseListFilter } from '../../graphql/task-list';
import { errorCode } from './task-status';
import { useNotYet } from './use-seeded';

/** How long to wait before reloading the list after the server could not be reached. */
const LIST_RETRY_MS = 5000;
/** The counts are read again at most this often while tasks change status. */
const COUNTS_EVERY_MS = 1000;

/**
 * The session's tasks under `filter`, newest first, live:
 * - the first page comes from the cache (the server-rendered one, see use-seeded.ts) or
 *   `taskHistory`; "Load more" appends the next (apollo.ts keeps the pages);
 * - `taskUpdates`, open as long as the page is, writes every change of any of the session's tasks
 *   into the cache (highest version wins) and puts a new one that matches the filter at its place.
 *   The server replays the last 30 s of changes to each new subscription, so whether the list is
 *   read before or after it opens (the server-rendered list is read before) nothing falls in
 *   between; after an outage the list is read again (and retried by itself while unreachable);
 * - the counts per status are read again, at most once a second, when a task changes status.
 */
export function useTaskList(connection: ConnectionState, filter: ListFilter) {
  const variables = useMemo(() => listVariables(filter), [filter]);
  const notYet = useNotYet(TaskHistoryQuery, variables);
  // The first filter's list may be the server-rendered one. Another filter is read afresh each
  // time it is chosen: only the list shown takes in new tasks, so one cached earlier may lack some.
  const initial = useRef(filter);
  const fetchPolicy = filter === initial.current ? 'cache-first' : 'network-only';
  const query = useQuery(TaskHistoryQuery, { variables, skip: notYet, fetchPolicy });
  const { refetch, fetchMore, error } = query;
  const history = query.data?.taskHistory;
  const retry = () => void refetch().catch(() => undefined);

  const counts = useCounts(filter);
  const live = useLiveUpdates(filter, counts.refresh);

  const [more, setMore] = useState<{ loading: boolean; error?: unknown }>({ loading: false });
  const loadMore = async () => {
    const after = history?.pageInfo.endCursor;
    if (more.loading || !history?.pageInfo.hasNextPage || !after) return;
    setMore({ loading: true });
    try {
      await fetchMore({ variables: { after } });
      setMore({ loading: false });
    } catch (failed) {
      setMore({ loading: false, error: failed });
    }
  };
  // A new filter starts from its first page: an earlier "Load more" error is not about it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset on a new filter only.
  useEffect(() => setMore({ loading: false }), [variables]);

  // Catch up after an outage: the list (tasks may have changed beyond the 30 s replay), the
  // counts, and the live subscription if the server ended it.
  useWhenBack(connection, () => {
    retry();
    counts.refresh();
    live.resume();
  });

  const transient = error && (errorCode(error) === 'SERVICE_UNAVAILABLE' || errorCode(error) === undefined);
  // biome-ignore lint/correctness/useExhaustiveDependencies: error re-arms the timer, so a failed retry is retried again.
  useEffect(() => {
    if (!transient) return;
    const timer = setTimeout(() => void refetch().catch(() => undefined), LIST_RETRY_MS);
    return () => clearTimeout(timer);
  }, [transient, refetch, error]);

  const byStatus = counts.current?.kind === filter.kind ? counts.current.countsByStatus : history?.countsByStatus;
  return {
    list: history?.edges.map((edge) => edge.node) ?? [],
    hasMore: history?.pageInfo.hasNextPage ?? false,
    loadMore,
    loadingMore: more.loading,
    moreError: more.error,
    countsByStatus: byStatus ?? null,
    loading: !history && !error,
    error,
    retry,
    liveError: live.error,
    resumeLive: live.resume,
    refreshCounts: counts.refresh,
  };
}

type Counts = { status: TaskStatus; count: number }[];

/** The counts per status for the filter's kind, read again on demand (at most once a second). */
function useCounts(filter: ListFilter) {
  const client = useApolloClient();
  const [current, setCurrent] = useState<{ kind: string | null; countsByStatus: Counts } | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const kind = useRef(filter.kind);
  kind.current = filter.kind;
  useEffect(() => () => clearTimeout(timer.current), []);
  const refresh = () => {
    if (timer.current !== undefined) return;
    timer.current = setTimeout(async () => {
      timer.current = undefined;
      const asked = kind.current;
      const variables = { filter: historyFilter({ status: null, kind: asked }) };
      const result = await client.query({ query: TaskCountsQuery, variables, fetchPolicy: 'network-only' }).catch(() => null);
      const read = result?.data?.taskHistory.countsByStatus;
      if (read && asked === kind.current) setCurrent({ kind: asked, countsByStatus: read });
    }, COUNTS_EVERY_MS);
  };
  return { current, refresh };
}

/**
 * The `taskUpdates` subscription: each task it sends goes into the list if it belongs there, and
 * a new task or a new status asks for fresh counts. It never completes; if the server ends it
 * with an error (say, over a limit) the page says so and follows again when asked or when the
 * connection is back.
 */
function useLiveUpdates(filter: ListFilter, onStatusChange: () => void) {
  const client = useApolloClient();
  const latest = useRef({ filter, onStatusChange });
  latest.current = { filter, onStatusChange };
  const statuses = useRef(new Map<string, TaskStatus>());
  const [error, setError] = useState<unknown>(null);
  const updates = useSubscription(TaskUpdatesSubscription, {
    // The cards read their task from the cache: the board need not render for each event.
    ignoreResults: true,
    onData: ({ data }) => {
      const task = data.data?.taskUpdates;
      if (!task) return;
      insertTask(client.cache, task, latest.current.filter);
      if (statuses.current.get(task.id) !== task.status) {
        statuses.current.set(task.id, task.status);
        latest.current.onStatusChange();
      }
    },
    onError: setError,
  });
  const resume = () => {
    if (!error) return;
    setError(null);
    updates.restart();
  };
  return { error, resume };
}

/** A task, into the list shown under `filter` at its place, if it belongs there (history-merge.ts). */
function insertTask(cache: ApolloCache, task: TaskFieldsFragment, filter: ListFilter): void {
  if (!matchesFilter(task, filter)) return;
  cache.updateQuery({ query: TaskHistoryQuery, variables: listVariables(filter) }, (data) => {
    if (!data) return;
    type Edge = (typeof data.taskHistory.edges)[number];
    // A task added live has no cursor of its own (''): paging goes on from pageInfo.endCursor only.
    const page = insertLive<Edge, typeof data.taskHistory>(data.taskHistory, { __typename: 'TaskEdge', cursor: '', node: task }, (edge) => edge.node);
    return page === data.taskHistory ? undefined : { ...data, taskHistory: page };
  });
}

/**
 * A task just created here (createTask, retryTask) goes into the list at once, without waiting
 * for its event, under the filter the page shows (kept in the URL query).
 */
export function addTaskOnTop(cache: ApolloCache, task: TaskFieldsFragment): void {
  insertTask(cache, task, parseListFilter(typeof window === 'undefined' ? '' : window.location.search));
}
