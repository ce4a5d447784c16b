/**
 * What every task a client sees must satisfy, as pure functions from what was seen to a list of
 * problems (empty: fine). The backend suites' `assertCleanStream` and the fault suite's history
 * checker (faults/history.ts) both judge with these, so the two cannot drift apart.
 *
 * The legal moves, and what each does to the attempts, are the product's own TRANSITIONS
 * (backend/src/tasks/task-state.ts), imported rather than copied: a change of the state machine
 * changes what the suites accept, and a suite cannot keep accepting a move the product dropped.
 */
import { TRANSITIONS, type AttemptStep } from '../backend/src/tasks/task-state.js';
import { isFinal, type TaskStatus } from './operations.js';

/** One attempt as a snapshot lists it: ISO strings from the API, epoch ms in the stored record. */
export interface AttemptView {
  number: number;
  startedAt: string | number;
  endedAt?: string | number | null;
  error?: string | null;
}

/**
 * A task as some client saw it, or as stored. Only id, status and version are required: a
 * subscription that did not select a field leaves it undefined, and the rules about it are skipped.
 */
export interface TaskView {
  id: string;
  status: TaskStatus;
  version: number;
  progress?: number;
  error?: string | null;
  finishedAt?: string | null;
  attempt?: number;
  maxAttempts?: number;
  nextAttemptAt?: string | null;
  attempts?: readonly AttemptView[];
}

/** One timeline event as a client read it (`Task.events` or `taskEvents`). */
export interface EventView {
  seq: number;
  type: string;
  status?: TaskStatus | null;
  attempt?: number | null;
}

const TRANSITION_LIST = Object.entries(TRANSITIONS).map(([name, t]) => ({
  name,
  from: t.from as readonly TaskStatus[],
  to: t.to as TaskStatus,
  step: t.attempt,
}));

/** The named transitions that go `from` → `to` (none: the move is illegal). */
export function transitionsBetween(from: TaskStatus, to: TaskStatus): { name: string; step: AttemptStep }[] {
  return TRANSITION_LIST.filter((t) => t.from.includes(from) && t.to === to);
}

/** Whether `to` can follow `from` within `changes` transitions (versions skipped by a reconnect). */
function reachable(from: TaskStatus, to: TaskStatus, changes: number): boolean {
  let frontier = new Set<TaskStatus>([from]);
  for (let i = 0; i < changes; i++) {
    const next = new Set<TaskStatus>();
    for (const s of frontier) for (const t of TRANSITION_LIST) if (t.from.includes(s)) next.add(t.to);
    if (next.has(to)) return true;
    frontier = next;
  }
  return false;
}

const ms = (t: string | number | null | undefined): number | undefined =>
  t === null || t === undefined ? undefined : typeof t === 'number' ? t : Date.parse(t);

/** An attempt in one comparable form, whichever tier or store it came from. */
function attemptKey(a: AttemptView): string {
  return JSON.stringify([a.number, ms(a.startedAt), ms(a.endedAt) ?? null, a.error ?? null]);
}

const sameAttempts = (a: readonly AttemptView[], b: readonly AttemptView[]): boolean =>
  a.length === b.length && a.every((x, i) => attemptKey(x) === attemptKey(b[i]));

/**
 * How two views of the same version of a task differ, on the fields both carry (undefined: they
 * agree). A version is one state of the record: every client that sees it sees the same thing.
 */
export function stateDifference(a: TaskView, b: TaskView): string | undefined {
  const fields = ['status', 'progress', 'error', 'finishedAt', 'attempt', 'maxAttempts', 'nextAttemptAt'] as const;
  for (const f of fields) {
    if (a[f] !== undefined && b[f] !== undefined && a[f] !== b[f]) return `${f} ${JSON.stringify(a[f])} / ${JSON.stringify(b[f])}`;
  }
  if (a.attempts && b.attempts && !sameAttempts(a.attempts, b.attempts)) {
    return `attempts ${a.attempts.map(attemptKey).join(' ')} / ${b.attempts.map(attemptKey).join(' ')}`;
  }
  return undefined;
}

/**
 * What a task's state must be on its own, whoever saw it:
 * - the attempt lies in 1..maxAttempts (a task never ends, or waits, past its last attempt);
 * - `attempts` lists attempts in rising order, none past the current one; each earlier one has
 *   ended with an error (it failed, or the task would not have moved on); windows
 *   [startedAt, endedAt] never overlap, so two attempts never ran at once;
 * - the current attempt's entry agrees with the status: open while IN_PROGRESS, absent while
 *   WAITING, ended cleanly when FINISHED, not open once the task is final;
 * - a task WAITING for attempt ≥ 2 shows when (`nextAttemptAt`) and why the last one failed;
 *   only WAITING shows `nextAttemptAt`; `finishedAt` is set exactly when final.
 * An attempt can fail before it started (its job lost before the worker's first write): the
 * schema lists only attempts that started, so its number is missing from `attempts`, and only
 * the timeline (ATTEMPT_FAILED without ATTEMPT_STARTED) accounts for it; see timelineProblems.
 */
export function snapshotProblems(t: TaskView): string[] {
  const out: string[] = [];
  const final = isFinal(t.status);
  if (t.finishedAt !== undefined && final !== Boolean(t.finishedAt)) out.push(`${t.status} with finishedAt ${t.finishedAt}`);
  if (t.attempt === undefined) return out;
  const n = t.attempt;
  if (!Number.isInteger(n) || n < 1) out.push(`attempt ${n}`);
  if (t.maxAttempts !== undefined && n > t.maxAttempts) out.push(`attempt ${n} of ${t.maxAttempts}`);
  if (t.nextAttemptAt !== undefined) {
    if (t.status === 'WAITING' && n >= 2 && !t.nextAttemptAt) out.push(`WAITING for attempt ${n} without nextAttemptAt`);
    if (t.status !== 'WAITING' && t.nextAttemptAt) out.push(`${t.status} with nextAttemptAt ${t.nextAttemptAt}`);
  }
  if (t.error !== undefined && t.status === 'WAITING' && n >= 2 && !t.error) out.push(`WAITING for attempt ${n} without the failed attempt's error`);
  if (!t.attempts) return out;
  let prev: AttemptView | undefined;
  for (const a of t.attempts) {
    const started = ms(a.startedAt);
    const ended = ms(a.endedAt);
    if (a.number < 1 || a.number > n) out.push(`attempts lists #${a.number}, the task is at attempt ${n}`);
    if (prev && a.number <= prev.number) out.push(`attempts lists #${a.number} after #${prev.number}`);
    if (started === undefined || Number.isNaN(started)) out.push(`attempt #${a.number} has no start`);
    if (ended !== undefined && started !== undefined && ended < started) out.push(`attempt #${a.number} ended before it started`);
    if (prev && started !== undefined) {
      const prevEnded = ms(prev.endedAt);
      if (prevEnded === undefined || prevEnded > started) {
        out.push(`attempt #${a.number} started at ${started} while #${prev.number} ran (${ms(prev.startedAt)}–${prevEnded ?? 'open'})`);
      }
    }
    if (a.number < n && (ended === undefined || !a.error)) out.push(`attempt #${a.number} is over but has ${ended === undefined ? 'no end' : 'no error'}`);
    prev = a;
  }
  const last = t.attempts.at(-1);
  const current = last?.number === n ? last : undefined;
  const open = current !== undefined && ms(current.endedAt) === undefined;
  if (t.status === 'WAITING' && current) out.push(`WAITING for attempt ${n}, which has started`);
  if (t.status === 'IN_PROGRESS' && !open) out.push(`IN_PROGRESS without attempt ${n} running`);
  if (t.status === 'FINISHED' && (!current || open || current.error)) out.push(`FINISHED without attempt ${n} ended cleanly`);
  if ((t.status === 'ERROR' || t.status === 'CANCELLED') && open) out.push(`${t.status} with attempt ${n} still open`);
  return out;
}

/** Whether the attempts list moved from `prev` to `cur` as the transition's attempt step says (see AttemptStep). */
function stepFits(step: AttemptStep, prev: TaskView, cur: TaskView): boolean {
  const p = prev.attempts!;
  const c = cur.attempts!;
  const pLast = p.at(-1);
  const openBefore = pLast !== undefined && ms(pLast.endedAt) === undefined;
  if (step === 'none' || (step !== 'open' && !openBefore)) return sameAttempts(p, c);
  if (step === 'open') {
    const added = c.at(-1);
    return (
      added !== undefined && c.length === p.length + 1 && sameAttempts(p, c.slice(0, -1)) && added.number === cur.attempt && ms(added.endedAt) === undefined
    );
  }
  // close, fail, next: the open attempt ends (failing with the change's error), nothing else changes.
  const closed = c.at(-1);
  return (
    c.length === p.length &&
    sameAttempts(p.slice(0, -1), c.slice(0, -1)) &&
    closed?.number === pLast!.number &&
    ms(closed.startedAt) === ms(pLast!.startedAt) &&
    ms(closed.endedAt) !== undefined &&
    (step === 'close' || cur.error === undefined || (closed.error ?? null) === (cur.error ?? null))
  );
}

/**
 * Whether `cur` may follow `prev` (a later version of the same task, seen by any client). With
 * consecutive versions the move must be one named transition: its statuses, whether it moves to
 * the next attempt (`retry`) or not, and its attempt step on the `attempts` list. With versions
 * skipped (a resubscription starts from the current snapshot) the status must be reachable in
 * that many changes, and the attempt may rise by at most one per change. Always: nothing
 * follows a final status; maxAttempts never changes; the attempt never goes back (an attempt never runs after a later
 * one); attempts listed once stay listed, unchanged once ended; progress never goes back within
 * one attempt's run (two writers of one attempt would interleave).
 */
export function moveProblems(prev: TaskView, cur: TaskView): string[] {
  const changes = cur.version - prev.version;
  if (changes <= 0) return [];
  const what = `v${prev.version} ${prev.status} → v${cur.version} ${cur.status}`;
  if (isFinal(prev.status)) return [`${what}: ${prev.status} is final`];
  const out: string[] = [];
  const rise = prev.attempt !== undefined && cur.attempt !== undefined ? cur.attempt - prev.attempt : undefined;
  if (rise !== undefined && (rise < 0 || rise > changes)) out.push(`${what}: attempt ${prev.attempt} → ${cur.attempt}`);
  if (prev.maxAttempts !== undefined && cur.maxAttempts !== undefined && prev.maxAttempts !== cur.maxAttempts) {
    out.push(`${what}: maxAttempts ${prev.maxAttempts} → ${cur.maxAttempts}`);
  }
  if (changes === 1) {
    const named = transitionsBetween(prev.status, cur.status).filter((t) => rise === undefined || (t.step === 'next') === (rise === 1));
    if (named.length === 0) out.push(`${what}: no transition makes this move${rise ? ` to the next attempt` : ''}`);
    else if (prev.attempts && cur.attempts && !named.some((t) => stepFits(t.step, prev, cur))) {
      out.push(`${what} (${named.map((t) => t.name).join('/')}): attempts ${JSON.stringify(prev.attempts)} → ${JSON.stringify(cur.attempts)}`);
    }
  } else if (!reachable(prev.status, cur.status, changes)) {
    out.push(`${what}: not reachable in ${changes} changes`);
  }
  if (prev.attempts && cur.attempts) {
    for (const a of prev.attempts) {
      const later = cur.attempts.find((b) => b.number === a.number);
      if (!later) out.push(`${what}: attempt #${a.number} is no longer listed`);
      else if (ms(later.startedAt) !== ms(a.startedAt) || (ms(a.endedAt) !== undefined && attemptKey(later) !== attemptKey(a))) {
        out.push(`${what}: attempt #${a.number} rewritten (${attemptKey(a)} → ${attemptKey(later)})`);
      }
    }
  }
  if (
    prev.status === 'IN_PROGRESS' &&
    cur.status === 'IN_PROGRESS' &&
    prev.attempt === cur.attempt &&
    prev.progress !== undefined &&
    cur.progress !== undefined &&
    cur.progress < prev.progress
  ) {
    out.push(`${what}: progress ${prev.progress} → ${cur.progress} within attempt ${cur.attempt ?? '?'}`);
  }
  return out;
}

export interface TimelineRead {
  /** The `after` of the read: its first event must be `after + 1`. */
  after: number;
  /**
   * The task as stored, when the timeline was read whole (from 0) after the task ended: then it
   * must end with ENDED of that status and account for every attempt of the record.
   */
  ended?: TaskView;
}

/**
 * What a timeline a client read must look like: seq rising by one from `after + 1` (no gap, no
 * repeat); CREATED first; statuses moving only as transitions do; ENDED at most once, last, and
 * final; attempts started in rising order, each only after the one before failed (never two
 * running at once). Read whole after the end (`ended`), it must also account for every attempt:
 * the ones that started are exactly the record's `attempts`, every attempt before the last
 * failed (ATTEMPT_FAILED) and the next was scheduled (RETRY_SCHEDULED): none is lost.
 */
export function timelineProblems(events: readonly EventView[], read: TimelineRead): string[] {
  const out: string[] = [];
  let expected = read.after + 1;
  let status: TaskStatus | undefined;
  let running: number | undefined;
  let lastStarted = 0;
  let endedAt: number | undefined;
  const failed = new Set<number>();
  const scheduled = new Set<number>();
  const started: number[] = [];
  for (const [i, e] of events.entries()) {
    if (e.seq < expected) out.push(`seq ${e.seq} again (after ${expected - 1})`);
    else if (e.seq > expected) out.push(`seq ${e.seq} where ${expected} was due (a gap)`);
    expected = e.seq + 1;
    if (endedAt !== undefined) out.push(`seq ${e.seq} ${e.type} after ENDED (seq ${endedAt})`);
    if (read.after === 0 && i === 0 && (e.type !== 'CREATED' || e.seq !== 1)) out.push(`starts with seq ${e.seq} ${e.type}, not CREATED`);
    if (e.status) {
      if (status !== undefined && e.status !== status && transitionsBetween(status, e.status).length === 0) out.push(`seq ${e.seq}: ${status} → ${e.status}`);
      status = e.status;
    }
    const n = e.attempt ?? undefined;
    if (e.type === 'ATTEMPT_STARTED' && n !== undefined) {
      if (n <= lastStarted) out.push(`seq ${e.seq}: attempt ${n} started after attempt ${lastStarted}`);
      if (running !== undefined) out.push(`seq ${e.seq}: attempt ${n} started while attempt ${running} ran`);
      if (e.status !== 'IN_PROGRESS') out.push(`seq ${e.seq}: attempt ${n} started, status ${e.status}`);
      running = n;
      lastStarted = Math.max(lastStarted, n);
      started.push(n);
    } else if (e.type === 'ATTEMPT_FAILED' && n !== undefined) {
      if (running !== undefined && running !== n) out.push(`seq ${e.seq}: attempt ${n} failed while attempt ${running} ran`);
      if (failed.has(n)) out.push(`seq ${e.seq}: attempt ${n} failed twice`);
      failed.add(n);
      running = undefined;
    } else if (e.type === 'RETRY_SCHEDULED' && n !== undefined) {
      if (!failed.has(n - 1)) out.push(`seq ${e.seq}: attempt ${n} scheduled, attempt ${n - 1} had not failed`);
      scheduled.add(n);
    } else if (e.type === 'ENDED') {
      if (!e.status || !isFinal(e.status)) out.push(`seq ${e.seq}: ENDED with status ${e.status}`);
      endedAt = e.seq;
      running = undefined;
    }
  }
  const whole = read.ended;
  if (whole && read.after === 0) {
    const last = events.at(-1);
    if (last?.type !== 'ENDED' || last.status !== whole.status)
      out.push(`read after the end, yet it ends with ${last?.type} ${last?.status ?? ''}, stored ${whole.status}`);
    if (whole.attempts) {
      const listed = whole.attempts.map((a) => a.number);
      if (JSON.stringify(listed) !== JSON.stringify(started))
        out.push(`attempts started ${JSON.stringify(started)}, the record lists ${JSON.stringify(listed)}`);
    }
    for (let k = 1; k < (whole.attempt ?? 1); k++) {
      if (!failed.has(k)) out.push(`attempt ${k} of ${whole.attempt} has no ATTEMPT_FAILED: lost`);
      if (!scheduled.has(k + 1)) out.push(`attempt ${k + 1} was never scheduled`);
    }
  }
  return out;
}
