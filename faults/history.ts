/**
 * The fault suite's history checker. Scenarios record what every client saw (acknowledged
 * creates, every event of every subscription and how it ended, every cancel answer); after the
 * scenario the stored records are read from Redis and `check` lists every violation of the
 * invariants in docs/reliability.md:
 *   loss        an acknowledged task has no final stored record
 *   stuck       ...still WAITING / IN_PROGRESS after the bound (the caller's settle step)
 *   delivery    a subscription did not end with exactly one final event equal to the
 *               stored record, then complete (or it ended with an unexpected error)
 *   monotonic   versions went back (or repeated with different content) within a subscription,
 *               or rose by a repeat inside one connection
 *   after-final  an event followed a final one
 *   sticky      a stored final status changed between reads, or differs from a final
 *               event a client saw
 *   foreign     a subscription (socket) carried another task's or another user's event
 *   cancel      a cancel's answer disagrees with the stored record
 *   ratio       seeded: the tasks that ERROR by simulated failure are exactly the planned ones
 *               (per attempt: a retried task's earlier simulated failures were planned too);
 *               unseeded: the ERROR share lies in the binomial band for the configured rate
 *   attempt     a snapshot (seen or stored) whose attempts do not add up: past maxAttempts, an
 *               earlier attempt without end or error, two attempt windows overlapping, the
 *               current attempt's entry at odds with the status, WAITING for a retry without
 *               nextAttemptAt (testkit's snapshotProblems)
 *   move        two versions of a task, as any clients saw them (the stored record last), that
 *               no transition of the product's state machine links: an illegal status move, the
 *               attempt going back or skipping, a listed attempt dropped or rewritten, progress
 *               going back within an attempt (testkit's moveProblems)
 *   diverged    two clients saw different contents for one version (two writers of one task)
 *   timeline    a timeline a client read with a gap or repeat in seq, an event after ENDED, an
 *               attempt started while another ran, or (read whole after the end) an attempt
 *               the record does not account for (testkit's timelineProblems)
 * `check` is pure (unit-tested on hand-made histories); `readStored` and `settle` do the I/O.
 */
import {
  isFinal,
  moveProblems,
  redisHash,
  snapshotProblems,
  stateDifference,
  timelineProblems,
  type EventView,
  type TaskStatus,
  type TaskView,
} from '../testkit/index.js';
import { redisKeys } from '../backend/src/redis/redis-keys.js';
import { planTask, type PlanSettings } from '../backend/src/tasks/kinds/simulated/plan.js';
import { recordFromHash, type TaskRecord } from '../backend/src/tasks/task-state.js';

/** The reason the processor writes for a planned (simulated) failure. */
export const SIMULATED_FAILURE = /simulated failure/;

/** One event as a client saw it (whatever subset of fields the subscription selected). */
export type SeenTask = TaskView;

/**
 * `b` is `a` sent again on a new connection: a resubscription starts from the current snapshot,
 * so one between a final event and `complete` (a socket or a tier died in between) repeats the
 * final, identically.
 */
function resent(a: SeenEvent, b: SeenEvent): boolean {
  return a.connection !== b.connection && a.task.version === b.task.version && sameEvent(a.task, b.task);
}

export interface SeenEvent {
  task: SeenTask;
  /** Which connection of the client carried it (graphql-ws's connect count), for resubscriptions. */
  connection: number;
  /** When it arrived (epoch ms), for the scenarios' measurements. */
  at?: number;
}

export interface SubscriptionRecord {
  taskId: string;
  /** The user the subscribing socket acts for. */
  owner: string;
  events: SeenEvent[];
  /** GraphQL error codes it received (in `next` payloads or as its `error`). */
  errorCodes: string[];
  /** Ended with `complete`. */
  completed: boolean;
  /** Ended with a socket-level error (a CloseEvent or Error), described. */
  transportError?: string;
  /** Deliberately cut by the test before its end: only order and ownership are checked. */
  cut: boolean;
  /** Error codes this subscription may legitimately end with (e.g. NOT_FOUND after expiry). */
  expectCodes?: string[];
  ended: boolean;
}

export interface CancelRecord {
  taskId: string;
  /**
   * The mutation's answer: the task it returned, the error code, or `unknown` (a fault's answer:
   * SERVICE_UNAVAILABLE, a dropped connection; it may have been applied or not).
   */
  answer: { ok: SeenTask } | { code: string } | { unknown: string };
}

/** A timeline a client read (`Task.events` pages, or a `taskEvents` subscription). */
export interface TimelineRecord {
  taskId: string;
  /** The `after` it read from. */
  after: number;
  events: EventView[];
  /** The task's status when the read ended: a final one means the timeline was read whole. */
  status: TaskStatus;
}

export interface CheckOptions {
  /** Seeded outcomes: planned failures must be exactly the simulated ERRORs. */
  plan?: PlanSettings;
  /**
   * Unseeded: check the ERROR share against this rate (needs enough tasks to mean anything).
   * Either way only tasks that ran to their planned end count: a task cancelled or ended by a
   * fault ("Worker lost") is outside the plan.
   */
  failureRate?: number;
}

export interface Violation {
  kind: 'loss' | 'stuck' | 'delivery' | 'monotonic' | 'after-final' | 'sticky' | 'foreign' | 'cancel' | 'ratio' | 'attempt' | 'move' | 'diverged' | 'timeline';
  taskId?: string;
  detail: string;
}

/** Stored records by task id: null when the record is gone. */
export type Stored = Map<string, TaskRecord | null>;

export class History {
  /** Acknowledged creates: task id → owner. */
  readonly created = new Map<string, string>();
  readonly subscriptions: SubscriptionRecord[] = [];
  readonly cancels: CancelRecord[] = [];
  readonly timelines: TimelineRecord[] = [];

  acknowledge(taskId: string, owner: string): void {
    this.created.set(taskId, owner);
  }

  /** Starts recording one subscription; feed it events and its end. */
  subscription(taskId: string, owner: string, opts: { expectCodes?: string[] } = {}): SubscriptionRecord {
    const record: SubscriptionRecord = { taskId, owner, events: [], errorCodes: [], completed: false, cut: false, ended: false, ...opts };
    this.subscriptions.push(record);
    return record;
  }

  cancelled(taskId: string, answer: CancelRecord['answer']): void {
    this.cancels.push({ taskId, answer });
  }

  timeline(record: TimelineRecord): void {
    this.timelines.push(record);
  }

  get taskIds(): string[] {
    return [...this.created.keys()];
  }
}

/** Reads every acknowledged task's record from Redis. */
export async function readStored(redisPort: number, prefix: string, ids: Iterable<string>): Promise<Stored> {
  const stored: Stored = new Map();
  const list = [...ids];
  // A few at a time: redisCall opens a connection per command.
  for (let i = 0; i < list.length; i += 50) {
    const chunk = list.slice(i, i + 50);
    const hashes = await Promise.all(chunk.map((id) => redisHash(redisPort, redisKeys(prefix).task(id))));
    for (const [j, id] of chunk.entries()) stored.set(id, recordFromHash(hashes[j]));
  }
  return stored;
}

/**
 * Polls Redis until every acknowledged task is final or `boundMs` passes. Returns the stored
 * records and how long it took; tasks still live at the bound become `stuck` violations in check.
 */
export async function settle(history: History, redisPort: number, prefix: string, boundMs: number): Promise<{ stored: Stored; tookMs: number }> {
  const started = Date.now();
  let pending = history.taskIds;
  const stored: Stored = new Map();
  for (;;) {
    const now = await readStored(redisPort, prefix, pending);
    for (const [id, r] of now) stored.set(id, r);
    pending = pending.filter((id) => {
      const record = stored.get(id);
      return !record || !isFinal(record.status);
    });
    if (pending.length === 0 || Date.now() - started > boundMs) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return { stored, tookMs: Date.now() - started };
}

const sameFinal = (seen: SeenTask, stored: TaskRecord): boolean =>
  seen.id === stored.id &&
  seen.status === stored.status &&
  seen.version === stored.version &&
  (seen.progress === undefined || seen.progress === stored.progress) &&
  (seen.error === undefined || seen.error === stored.error) &&
  (seen.finishedAt === undefined || seen.finishedAt === stored.finishedAt);

const sameEvent = (a: SeenTask, b: SeenTask): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Every violation of the invariants in `history` against the stored records. `later` is a
 * second read of the same records some time after `stored` (sticky final).
 */
export function check(history: History, stored: Stored, opts: CheckOptions & { later?: Stored } = {}): Violation[] {
  const out: Violation[] = [];

  // 1–2. No loss, none stuck.
  for (const id of history.created.keys()) {
    const r = stored.get(id);
    if (r === undefined || r === null) out.push({ kind: 'loss', taskId: id, detail: 'acknowledged, but no stored record' });
    else if (!isFinal(r.status)) out.push({ kind: 'stuck', taskId: id, detail: `still ${r.status} (version ${r.version})` });
  }

  // 5. Sticky final across reads.
  if (opts.later) {
    for (const [id, r] of stored) {
      if (!r || !isFinal(r.status)) continue;
      const l = opts.later.get(id);
      if (l && (l.status !== r.status || l.version !== r.version)) {
        out.push({ kind: 'sticky', taskId: id, detail: `stored ${r.status} v${r.version}, later ${l.status} v${l.version}` });
      }
    }
  }

  for (const [n, sub] of history.subscriptions.entries()) {
    const where = `subscription #${n} (${sub.taskId})`;
    // 6. No foreign events.
    for (const e of sub.events) {
      if (e.task.id !== sub.taskId) out.push({ kind: 'foreign', taskId: sub.taskId, detail: `${where} carried task ${e.task.id}` });
      const owner = history.created.get(e.task.id);
      if (owner !== undefined && owner !== sub.owner) {
        out.push({ kind: 'foreign', taskId: e.task.id, detail: `${where} for user ${sub.owner} carried a task of ${owner}` });
      }
    }
    // 4. Monotonic; nothing after final.
    const own = sub.events.filter((e) => e.task.id === sub.taskId);
    for (let i = 1; i < own.length; i++) {
      const prev = own[i - 1];
      const cur = own[i];
      if (isFinal(prev.task.status) && resent(prev, cur)) continue;
      if (isFinal(prev.task.status)) {
        out.push({ kind: 'after-final', taskId: sub.taskId, detail: `${where}: v${cur.task.version} ${cur.task.status} after final ${prev.task.status}` });
        break;
      }
      const sameConnection = cur.connection === prev.connection;
      const back = cur.task.version < prev.task.version;
      // A resubscription on a new connection starts from the current snapshot, which may repeat
      // the last version seen (identically); within one connection versions strictly rise.
      const repeat = cur.task.version === prev.task.version && (sameConnection || !sameEvent(cur.task, prev.task));
      if (back || repeat) {
        out.push({
          kind: 'monotonic',
          taskId: sub.taskId,
          detail: `${where}: v${prev.task.version} then v${cur.task.version}${sameConnection ? '' : ' (after a reconnect)'}`,
        });
      }
    }
    // 3. Final delivery.
    if (sub.cut) continue;
    const unexpected = sub.errorCodes.filter((c) => !(sub.expectCodes ?? []).includes(c));
    if (unexpected.length > 0) out.push({ kind: 'delivery', taskId: sub.taskId, detail: `${where}: errors ${unexpected.join(', ')}` });
    if (sub.transportError) out.push({ kind: 'delivery', taskId: sub.taskId, detail: `${where}: ended by ${sub.transportError}` });
    if (!sub.ended) out.push({ kind: 'delivery', taskId: sub.taskId, detail: `${where}: never ended` });
    else if (!sub.completed && !sub.transportError) out.push({ kind: 'delivery', taskId: sub.taskId, detail: `${where}: ended without complete` });
    if (sub.errorCodes.length > 0 && unexpected.length === 0) continue; // an expected coded end (NOT_FOUND...)
    // One final event, counting a resent one (see above) once.
    const finals = own.filter((e, i) => isFinal(e.task.status) && !(i > 0 && isFinal(own[i - 1].task.status) && resent(own[i - 1], e)));
    const last = own[own.length - 1];
    if (finals.length !== 1 || !last || !isFinal(last.task.status)) {
      out.push({
        kind: 'delivery',
        taskId: sub.taskId,
        detail: `${where}: ${finals.length} final events, last ${last ? `${last.task.status} v${last.task.version}` : 'none'}`,
      });
      continue;
    }
    const r = stored.get(sub.taskId);
    if (r && isFinal(r.status) && !sameFinal(last.task, r)) {
      out.push({ kind: 'sticky', taskId: sub.taskId, detail: `${where}: saw ${last.task.status} v${last.task.version}, stored ${r.status} v${r.version}` });
    } else if (!r && history.created.has(sub.taskId)) {
      // (loss already reported)
    } else if (r && !isFinal(r.status)) {
      out.push({ kind: 'sticky', taskId: sub.taskId, detail: `${where}: saw ${last.task.status}, stored is ${r.status}` });
    }
  }

  // Cancel answers agree with the record: CANCELLED ⇔ the answer was ok. A task may be asked
  // more than once (a client that has not seen the first cancel's CANCELLED yet, or whose first
  // answer was lost): once another cancel of it was answered ok, or may have been applied, a
  // refusal finds it rightly CANCELLED already.
  const maybeCancelledBy = new Set(history.cancels.filter((c) => !('code' in c.answer)).map((c) => c.taskId));
  for (const c of history.cancels) {
    const r = stored.get(c.taskId);
    if (!r || 'unknown' in c.answer) continue;
    if ('ok' in c.answer) {
      if (r.status !== 'CANCELLED' || c.answer.ok.status !== 'CANCELLED' || c.answer.ok.version !== r.version) {
        out.push({ kind: 'cancel', taskId: c.taskId, detail: `answered ${c.answer.ok.status} v${c.answer.ok.version}, stored ${r.status} v${r.version}` });
      }
    } else if (c.answer.code !== 'TASK_NOT_CANCELLABLE' || (r.status === 'CANCELLED' && !maybeCancelledBy.has(c.taskId))) {
      out.push({ kind: 'cancel', taskId: c.taskId, detail: `answered ${c.answer.code}, stored ${r.status}` });
    }
  }

  out.push(...attemptViolations(history, stored));

  // 7. Failure ratio, over tasks whose outcome is the plan's (FINISHED, or a simulated ERROR).
  const planned = [...history.created.keys()]
    .map((id) => stored.get(id))
    .filter((r): r is TaskRecord => !!r && (r.status === 'FINISHED' || (r.status === 'ERROR' && SIMULATED_FAILURE.test(r.error ?? ''))));
  if (opts.plan) {
    // Each attempt draws its own outcome: the final one is the last attempt's, and every earlier
    // attempt that failed as simulated was planned to.
    for (const r of planned) {
      const fails = planTask(r.id, opts.plan, r.attempt).fails;
      if (fails !== (r.status === 'ERROR')) {
        out.push({ kind: 'ratio', taskId: r.id, detail: `attempt ${r.attempt} planned ${fails ? 'to fail' : 'to finish'}, stored ${r.status}` });
      }
    }
    for (const id of history.created.keys()) {
      for (const a of stored.get(id)?.attempts ?? []) {
        if (SIMULATED_FAILURE.test(a.error ?? '') && !planTask(id, opts.plan, a.number).fails) {
          out.push({ kind: 'ratio', taskId: id, detail: `attempt ${a.number} failed as simulated, planned to finish` });
        }
      }
    }
  } else if (opts.failureRate !== undefined && planned.length > 0) {
    const n = planned.length;
    const k = planned.filter((r) => r.status === 'ERROR').length;
    const p = opts.failureRate;
    const slack = 4 * Math.sqrt(n * p * (1 - p)) + 1;
    if (Math.abs(k - n * p) > slack) out.push({ kind: 'ratio', detail: `${k} of ${n} failed; expected ${(n * p).toFixed(1)} ± ${slack.toFixed(1)}` });
  }
  return out;
}

/**
 * The attempt, move, diverged and timeline rules. Per task, every version any client saw
 * (subscription events, cancel answers) is put in version order with the stored record last,
 * so the rules judge the task's whole course as far as anyone saw it, not only each stream.
 */
function attemptViolations(history: History, stored: Stored): Violation[] {
  const out: Violation[] = [];
  const views = new Map<string, Map<number, { task: TaskView; where: string }>>();
  const see = (task: TaskView, where: string) => {
    const byVersion = views.get(task.id) ?? new Map<number, { task: TaskView; where: string }>();
    views.set(task.id, byVersion);
    const before = byVersion.get(task.version);
    if (!before) {
      byVersion.set(task.version, { task, where });
      for (const p of snapshotProblems(task)) out.push({ kind: 'attempt', taskId: task.id, detail: `${where} saw v${task.version}: ${p}` });
      return;
    }
    const diff = stateDifference(before.task, task);
    if (diff) out.push({ kind: 'diverged', taskId: task.id, detail: `v${task.version}: ${before.where} / ${where}: ${diff}` });
  };
  for (const [n, sub] of history.subscriptions.entries()) {
    for (const e of sub.events) if (e.task.id === sub.taskId) see(e.task, `subscription #${n}`);
  }
  for (const c of history.cancels) if ('ok' in c.answer && c.answer.ok.id === c.taskId) see(c.answer.ok, 'a cancel answer');

  for (const id of new Set([...history.created.keys(), ...views.keys()])) {
    const r = stored.get(id);
    const seen = [...(views.get(id)?.values() ?? [])].sort((a, b) => a.task.version - b.task.version);
    if (r) {
      for (const p of snapshotProblems(r)) out.push({ kind: 'attempt', taskId: id, detail: `stored v${r.version}: ${p}` });
      const top = seen.at(-1);
      if (top && r.version < top.task.version) {
        out.push({ kind: 'monotonic', taskId: id, detail: `stored v${r.version} is behind v${top.task.version} (${top.where})` });
      } else if (top?.task.version !== r.version) {
        seen.push({ task: r, where: 'the stored record' });
      } else {
        const diff = stateDifference(top.task, r);
        if (diff) out.push({ kind: 'diverged', taskId: id, detail: `v${r.version}: ${top.where} / the stored record: ${diff}` });
      }
    }
    for (let i = 1; i < seen.length; i++) {
      for (const p of moveProblems(seen[i - 1].task, seen[i].task)) {
        out.push({ kind: 'move', taskId: id, detail: `${p} (${seen[i - 1].where}, then ${seen[i].where})` });
      }
    }
  }

  for (const t of history.timelines) {
    // Read after the end: it must account for the record's attempts (or, with the record
    // expired, at least end with the status the reader saw).
    const ended = isFinal(t.status) ? (stored.get(t.taskId) ?? { id: t.taskId, status: t.status, version: 0 }) : undefined;
    for (const p of timelineProblems(t.events, { after: t.after, ended })) out.push({ kind: 'timeline', taskId: t.taskId, detail: p });
  }
  return out;
}

/** Throws one error listing every violation (at most 20 shown). */
export function assertNoViolations(violations: Violation[], what = 'history'): void {
  if (violations.length === 0) return;
  const shown = violations.slice(0, 20).map((v) => `  [${v.kind}] ${v.detail}${v.taskId ? ` (${v.taskId})` : ''}`);
  throw new Error(`${what}: ${violations.length} violation(s):\n${shown.join('\n')}`);
}
