'use client';
import { useApolloClient } from '@apollo/client/react';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { CancelTasksMutation, RetryTasksMutation } from '../../graphql/documents';
import type { CancelTasksMutation as CancelTasksResult, TaskStatus } from '../../graphql/generated/graphql';
import { historyFilter } from '../../graphql/task-list';
import { useNow } from './clock';
import { describeError, retryAfterSeconds } from './task-status';

type Action = 'cancel' | 'retry';
type Outcome = Omit<CancelTasksResult['cancelTasks'], '__typename'>;

/** What each button acts on (with the kind the list is filtered to), and how it reads. */
const ACTIONS: Record<Action, { label: string; statuses: TaskStatus[]; noun: string; verb: string; done: string }> = {
  cancel: { label: 'Cancel all running', statuses: ['WAITING', 'IN_PROGRESS'], noun: 'running', verb: 'Cancel', done: 'Cancelled' },
  retry: { label: 'Retry all failed', statuses: ['ERROR'], noun: 'failed', verb: 'Retry', done: 'Retried' },
};

const tasks = (n: number) => `${n} task${n === 1 ? '' : 's'}`;

/** The result of a bulk action in words. */
export function describeBulk(action: Action, r: Outcome): string {
  const a = ACTIONS[action];
  const parts = [`${a.done} ${tasks(r.applied)}.`];
  if (r.skipped > 0) parts.push(`${tasks(r.skipped)} skipped (${action === 'cancel' ? 'already ended' : 'already retried or running again'}).`);
  if (r.retryAfterSeconds) parts.push(`The task budget ran out: run it again in ${r.retryAfterSeconds} s for the rest.`);
  else if (r.hasMore) parts.push('More remain: run it again for the rest.');
  return parts.join(' ');
}

type State =
  | { step: 'idle' }
  | { step: 'checking' | 'running'; action: Action }
  | { step: 'confirm'; action: Action; wouldApply: number; hasMore: boolean }
  | { step: 'done'; action: Action; message: string }
  | { step: 'failed'; action: Action; error: unknown };

/**
 * "Cancel all running" and "Retry all failed" (`cancelTasks`, `retryTasks`): a dry run first,
 * for a confirmation line ("Cancel 12 running tasks?"), then the action, then what it did.
 * RATE_LIMITED (another bulk action of this session runs, or the task budget) counts down to
 * when to try again, the buttons off meanwhile.
 */
export function BulkActions({ kind, onDone }: { kind: string | null; onDone: () => void }) {
  const client = useApolloClient();
  const [state, setState] = useState<State>({ step: 'idle' });
  const [retryAt, setRetryAt] = useState<number | null>(null);
  const now = useNow(retryAt !== null);
  const waitS = retryAt !== null && now !== null ? Math.max(0, Math.ceil((retryAt - now) / 1000)) : 0;
  const busy = state.step === 'checking' || state.step === 'running' || waitS > 0;
  const confirmButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (retryAt !== null && now !== null && now >= retryAt) setRetryAt(null);
  }, [retryAt, now]);

  // The confirmation takes the focus, so a keyboard user answers it at once.
  useEffect(() => {
    if (state.step === 'confirm' && state.wouldApply > 0) confirmButton.current?.focus();
  }, [state]);

  const call = async (action: Action, dryRun: boolean): Promise<Outcome> => {
    const filter = { ...historyFilter({ status: null, kind }), status: ACTIONS[action].statuses };
    if (action === 'cancel') return (await client.mutate({ mutation: CancelTasksMutation, variables: { filter, dryRun } })).data!.cancelTasks;
    return (await client.mutate({ mutation: RetryTasksMutation, variables: { filter, dryRun } })).data!.retryTasks;
  };
  const failed = (action: Action, error: unknown) => {
    const after = retryAfterSeconds(error);
    if (after !== undefined) setRetryAt(Date.now() + after * 1000);
    setState({ step: 'failed', action, error });
  };

  const check = async (action: Action) => {
    if (busy) return;
    setState({ step: 'checking', action });
    try {
      const dry = await call(action, true);
      setState({ step: 'confirm', action, wouldApply: dry.applied, hasMore: dry.hasMore });
    } catch (error) {
      failed(action, error);
    }
  };
  const apply = async (action: Action) => {
    setState({ step: 'running', action });
    try {
      const done = await call(action, false);
      if (done.retryAfterSeconds) setRetryAt(Date.now() + done.retryAfterSeconds * 1000);
      setState({ step: 'done', action, message: describeBulk(action, done) });
      onDone();
    } catch (error) {
      failed(action, error);
    }
  };

  let line: ReactNode = null;
  if (state.step === 'checking') line = 'Counting…';
  else if (state.step === 'running') line = state.action === 'cancel' ? 'Cancelling…' : 'Retrying…';
  else if (state.step === 'done') line = state.message;
  else if (state.step === 'failed') {
    line = retryAfterSeconds(state.error) !== undefined ? (waitS > 0 ? `Too many requests: try again in ${waitS} s.` : null) : describeError(state.error);
  } else if (state.step === 'confirm') {
    const a = ACTIONS[state.action];
    line =
      state.wouldApply === 0 ? (
        `No ${a.noun} tasks${kind ? ` of this kind` : ''}.`
      ) : (
        <>
          {a.verb} {state.hasMore ? 'the first ' : ''}
          {tasks(state.wouldApply).replace('task', `${a.noun} task`)}?{' '}
          <span className="bulk-confirm">
            <button ref={confirmButton} type="button" className="secondary" onClick={() => void apply(state.action)}>
              {a.verb} them
            </button>
            <button type="button" className="secondary" onClick={() => setState({ step: 'idle' })}>
              Keep them
            </button>
          </span>
        </>
      );
  }

  return (
    <div className="bulk" data-testid="bulk-actions">
      <div className="bulk-buttons">
        {(Object.keys(ACTIONS) as Action[]).map((action) => (
          <button
            key={action}
            type="button"
            className={action === 'cancel' ? 'secondary cancel' : 'secondary'}
            aria-disabled={busy}
            onClick={() => void check(action)}
          >
            {ACTIONS[action].label}
          </button>
        ))}
      </div>
      <p className="bulk-line" role="status" data-testid="bulk-line">
        {line}
      </p>
    </div>
  );
}
