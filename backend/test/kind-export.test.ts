import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../src/config/config.js';
import type { ExportInput, ExportResult } from '../src/graphql/generated/schema-types.js';
import { csvField, type HistoryEntry } from '../src/tasks/kinds/export/format.js';
import exportKind, { HISTORY_LIMIT } from '../src/tasks/kinds/export/index.js';
import type { StoredEvent } from '../src/tasks/task-events.js';
import { type KindDefinition, type KindServices, PermanentError, type TaskContext } from '../src/tasks/task-kind.js';
import type { PublicTask } from '../src/tasks/task-state.js';
import { BadUserInputError } from '../src/tasks/tasks.errors.js';

type Export = KindDefinition<ExportInput, Required<ExportResult>>;

const T0 = Date.parse('2026-11-24T10:00:00.000Z');

/** A history entry with the public fields the export reads. */
function entry(id: string, over: Partial<PublicTask> = {}, events: StoredEvent[] = []): HistoryEntry {
  const task = {
    id,
    kind: 'simulated',
    status: 'FINISHED',
    progress: 100,
    version: 5,
    attempt: 1,
    maxAttempts: 1,
    createdAt: new Date(T0).toISOString(),
    startedAt: new Date(T0 + 10).toISOString(),
    finishedAt: new Date(T0 + 1000).toISOString(),
    error: null,
    result: { __typename: 'SimulatedResult', durationMs: 990 },
    ...over,
  } as PublicTask;
  return { task, events };
}

const TRICKY = [
  entry('t-plain', {}, [
    { seq: 1, at: T0, type: 'CREATED', status: 'WAITING' },
    { seq: 2, at: T0 + 10, type: 'ATTEMPT_STARTED', status: 'IN_PROGRESS', attempt: 1 },
    { seq: 3, at: T0 + 500, type: 'LOG', message: 'a "quoted", comma\nand newline', level: 'INFO' },
    { seq: 4, at: T0 + 1000, type: 'ENDED', status: 'FINISHED', result: { __typename: 'SimulatedResult' } },
  ]),
  entry('t-error', { status: 'ERROR', result: null, finishedAt: new Date(T0 + 2000).toISOString(), error: 'He said "no", then left,\r\nfor good' }),
  entry('t-formula', { status: 'ERROR', result: null, error: '=HYPERLINK("http://evil.example","click")' }),
  entry('t-live', { kind: 'export', status: 'IN_PROGRESS', progress: 0, startedAt: new Date(T0).toISOString(), finishedAt: null, result: null }),
];

interface Saved {
  taskId: string;
  content: string;
  meta: { contentType: string; filename: string };
}

function fakeServices(history: HistoryEntry[], maxFileBytes = 1_000_000, delayMs = 0) {
  const saved: Saved[] = [];
  const asked: { owner: string; limit: number }[] = [];
  const services: KindServices = {
    maxFileBytes,
    async *history(owner, limit) {
      asked.push({ owner, limit });
      for (const e of history) {
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        yield e;
      }
    },
    async saveFile(taskId, content, meta) {
      saved.push({ taskId, content, meta });
      return { url: `/files/${taskId}`, bytes: Buffer.byteLength(content) };
    },
  };
  return { services, saved, asked };
}

function fakeContext(signal = new AbortController().signal) {
  const progress: number[] = [];
  const logs: string[] = [];
  const ctx: TaskContext = {
    taskId: 'task-x',
    owner: 'user-1',
    attempt: 1,
    maxAttempts: 3,
    signal,
    progress: async (p) => {
      progress.push(p);
    },
    log: (m) => logs.push(m),
  };
  return { ctx, progress, logs };
}

const build = (services: KindServices, env: Record<string, string> = {}) => exportKind(loadConfig(env), services) as unknown as Export;

/** RFC 4180, strictly: the test's own reader, to check what a spreadsheet would read back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      for (i++; ; i++) {
        if (text[i] === '"' && text[i + 1] === '"') {
          field += '"';
          i++;
        } else if (text[i] === '"') {
          i++;
          break;
        } else {
          assert.ok(i < text.length, 'unterminated quoted field');
          field += text[i];
        }
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r') {
        assert.ok(text[i] !== '"' && text[i] !== '\n', `bare quote or line feed in an unquoted field at ${i}`);
        field += text[i++];
      }
    }
    row.push(field);
    if (text[i] === ',') {
      i++;
      continue;
    }
    assert.equal(text.slice(i, i + 2), '\r\n', `a record ends with CRLF (at ${i})`);
    rows.push(row);
    row = [];
    i += 2;
    if (i === text.length) return rows;
  }
}

describe('export: parse', () => {
  test('CSV and NDJSON', () => {
    const k = build(fakeServices([]).services);
    assert.deepEqual(k.parse({ format: 'CSV' }), { format: 'CSV' });
    assert.deepEqual(k.parse({ format: 'NDJSON' }), { format: 'NDJSON' });
    assert.equal(k.name, 'export');
    assert.deepEqual(k.retry, { maxAttempts: 3, delayMs: 2000 });
  });

  test('anything else names input.export.format', () => {
    const k = build(fakeServices([]).services);
    for (const input of [{ format: 'XML' }, { format: 'csv' }, { format: 'toString' }, {}, null, undefined] as ExportInput[]) {
      assert.throws(
        () => k.parse(input),
        (e: unknown) => e instanceof BadUserInputError && e.extensions.field === 'input.export.format',
        JSON.stringify(input),
      );
    }
  });
});

describe('export: CSV', () => {
  test('fields: RFC 4180 quoting and the formula guard', () => {
    assert.equal(csvField(null), '');
    assert.equal(csvField(3), '3');
    assert.equal(csvField('plain text'), 'plain text');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField('cr\rhere'), '"cr\rhere"');
    assert.equal(csvField('=1+1'), "'=1+1");
    assert.equal(csvField('+1'), "'+1");
    assert.equal(csvField('-2'), "'-2");
    assert.equal(csvField('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvField('\tx'), "'\tx");
    assert.equal(csvField('\rx'), `"'\rx"`);
    assert.equal(csvField('=HYPERLINK("x","y")'), `"'=HYPERLINK(""x"",""y"")"`);
    assert.equal(csvField('a=b'), 'a=b', 'only a leading sign counts');
  });

  test('the history as CSV: header, one record per task, JSON columns', async () => {
    const { services, saved, asked } = fakeServices(TRICKY);
    const { ctx, logs } = fakeContext();
    const result = await build(services).run(ctx, { format: 'CSV' });

    assert.deepEqual(asked, [{ owner: 'user-1', limit: HISTORY_LIMIT }]);
    assert.equal(saved.length, 1);
    const [file] = saved;
    assert.equal(file.taskId, 'task-x');
    assert.equal(file.meta.contentType, 'text/csv; charset=utf-8');
    assert.match(file.meta.filename, /^longrun-tasks-\d{4}-\d{2}-\d{2}\.csv$/);
    assert.deepEqual(result, { __typename: 'ExportResult', url: '/files/task-x', bytes: Buffer.byteLength(file.content), rows: 4, format: 'CSV' });
    assert.equal(logs.length, 2);

    const [header, ...rows] = parseCsv(file.content);
    assert.deepEqual(header, ['id', 'kind', 'status', 'attempt', 'maxAttempts', 'createdAt', 'startedAt', 'finishedAt', 'error', 'result', 'events']);
    assert.equal(rows.length, 4);
    const byId = new Map(rows.map((r) => [r[0], Object.fromEntries(header.map((h, i) => [h, r[i]]))]));

    const plain = byId.get('t-plain')!;
    assert.deepEqual(
      { ...plain, result: JSON.parse(plain.result), events: undefined },
      {
        id: 't-plain',
        kind: 'simulated',
        status: 'FINISHED',
        attempt: '1',
        maxAttempts: '1',
        createdAt: '2026-11-24T10:00:00.000Z',
        startedAt: '2026-11-24T10:00:00.010Z',
        finishedAt: '2026-11-24T10:00:01.000Z',
        error: '',
        result: { __typename: 'SimulatedResult', durationMs: 990 },
        events: undefined,
      },
    );
    const events = JSON.parse(plain.events);
    assert.deepEqual(
      events.map((e: { seq: number; at: string }) => [e.seq, e.at]),
      [
        [1, '2026-11-24T10:00:00.000Z'],
        [2, '2026-11-24T10:00:00.010Z'],
        [3, '2026-11-24T10:00:00.500Z'],
        [4, '2026-11-24T10:00:01.000Z'],
      ],
    );
    assert.equal(events[2].message, 'a "quoted", comma\nand newline');

    assert.equal(byId.get('t-error')!.error, 'He said "no", then left,\r\nfor good');
    assert.equal(byId.get('t-error')!.result, '');
    assert.equal(byId.get('t-formula')!.error, `'=HYPERLINK("http://evil.example","click")`);
    assert.equal(byId.get('t-live')!.status, 'IN_PROGRESS');
    assert.equal(byId.get('t-live')!.finishedAt, '');
  });

  test('no tasks: the header alone', async () => {
    const { services, saved } = fakeServices([]);
    const result = await build(services).run(fakeContext().ctx, { format: 'CSV' });
    assert.equal(result.rows, 0);
    assert.equal(saved[0].content, 'id,kind,status,attempt,maxAttempts,createdAt,startedAt,finishedAt,error,result,events\r\n');
  });
});

describe('export: NDJSON', () => {
  test('one JSON object per line: the public fields and the timeline', async () => {
    const { services, saved } = fakeServices(TRICKY);
    const result = await build(services).run(fakeContext().ctx, { format: 'NDJSON' });
    const [file] = saved;
    assert.equal(file.meta.contentType, 'application/x-ndjson');
    assert.match(file.meta.filename, /^longrun-tasks-\d{4}-\d{2}-\d{2}\.ndjson$/);
    assert.equal(result.rows, 4);
    assert.equal(result.format, 'NDJSON');

    assert.ok(file.content.endsWith('\n'));
    const lines = file.content.slice(0, -1).split('\n');
    assert.equal(lines.length, 4);
    const tasks = lines.map((l) => JSON.parse(l));
    assert.deepEqual(
      tasks.map((t) => t.id),
      ['t-plain', 't-error', 't-formula', 't-live'],
    );
    assert.deepEqual(Object.keys(tasks[0]), [
      'id',
      'kind',
      'status',
      'progress',
      'attempt',
      'maxAttempts',
      'createdAt',
      'startedAt',
      'finishedAt',
      'error',
      'result',
      'events',
    ]);
    assert.deepEqual(tasks[0].events[2], { seq: 3, at: '2026-11-24T10:00:00.500Z', type: 'LOG', message: 'a "quoted", comma\nand newline', level: 'INFO' });
    assert.equal(tasks[1].error, 'He said "no", then left,\r\nfor good');
    assert.equal(tasks[2].error, '=HYPERLINK("http://evil.example","click")', 'JSON needs no formula guard');
    assert.equal(tasks[3].finishedAt, null);
    assert.deepEqual(tasks[3].events, []);
  });
});

describe('export: limits and progress', () => {
  test('a file over maxFileBytes fails permanently, before saving', async () => {
    const many = Array.from({ length: 50 }, (_, i) => entry(`t-${i}`));
    const oneRow = Buffer.byteLength(`${JSON.stringify({ ...many[0].task })}`);
    for (const format of ['CSV', 'NDJSON'] as const) {
      const { services, saved } = fakeServices(many, oneRow * 10);
      await assert.rejects(build(services).run(fakeContext().ctx, { format }), (e: unknown) => {
        assert.ok(e instanceof PermanentError, String(e));
        assert.match(e.message, new RegExp(`^Export over ${oneRow * 10} bytes; `));
        return true;
      });
      assert.equal(saved.length, 0);
    }
  });

  test('exactly at the cap is fine', async () => {
    const { services, saved } = fakeServices(TRICKY);
    await build(services).run(fakeContext().ctx, { format: 'NDJSON' });
    const size = Buffer.byteLength(saved[0].content);
    const exact = fakeServices(TRICKY, size);
    assert.equal((await build(exact.services).run(fakeContext().ctx, { format: 'NDJSON' })).bytes, size);
  });

  test('progress rises while reading: how far back in the retention window it got', async () => {
    // 30 tasks spread over the last 100 s of a 100 s retention window, newest first, 15 ms apart.
    const now = Date.now();
    const history = Array.from({ length: 30 }, (_, i) => entry(`t-${i}`, { createdAt: new Date(now - (i + 1) * 3333).toISOString() }));
    const { services } = fakeServices(history, 1_000_000, 15);
    const { ctx, progress } = fakeContext();
    await build(services, { TASK_RETENTION_S: '100' }).run(ctx, { format: 'CSV' });
    assert.ok(progress.length >= 2, `progress: ${progress}`);
    assert.ok(
      progress.every((p, i) => p <= 90 && (i === 0 || p > progress[i - 1])),
      `rising to at most 90: ${progress}`,
    );
    assert.ok(progress.at(-1)! >= 60, `near the end of the window: ${progress}`);
  });

  test('an abort stops the export while it reads', async () => {
    const controller = new AbortController();
    const { services, saved } = fakeServices(
      Array.from({ length: 100 }, (_, i) => entry(`t-${i}`)),
      1_000_000,
      10,
    );
    setTimeout(() => controller.abort(new Error('cancelled')), 100);
    await assert.rejects(build(services).run(fakeContext(controller.signal).ctx, { format: 'CSV' }), { message: 'cancelled' });
    assert.equal(saved.length, 0);
  });
});
