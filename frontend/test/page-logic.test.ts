/** The page's pure logic: the start form's checks and variables, countdowns and results in words, the timeline's merge. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { buildSchema, type GraphQLInputObjectType } from 'graphql';
import { REPO_ROOT } from '../../testkit/index.js';
import { describeResult, formatBytes, formatCountdown, formatDuration } from '../src/app/_components/format.js';
import { type FieldSpec, KIND_FIELDS, parseStartForm, RETRY_FIELDS } from '../src/app/_components/start-form-model.js';
import { appendEvent, describeEvent, lastSeq, type TimelineEvent } from '../src/app/_components/timeline-events.js';

describe('the start form', () => {
  test('nothing typed starts the simulated task without input (the server’s defaults)', () => {
    assert.deepEqual(parseStartForm('simulated', {}), { ok: true, variables: {} });
    assert.deepEqual(parseStartForm('simulated', { 'input.simulated.minDurationMs': '  ' }), { ok: true, variables: {} });
  });

  test('what was typed becomes the kind’s input, as numbers; choices default to the first', () => {
    assert.deepEqual(parseStartForm('simulated', { 'input.simulated.minDurationMs': '20000', 'input.simulated.failureRate': '0.25' }), {
      ok: true,
      variables: { input: { simulated: { minDurationMs: 20000, failureRate: 0.25 } } },
    });
    assert.deepEqual(parseStartForm('primes', { 'input.primes.below': ' 10000 ' }), { ok: true, variables: { input: { primes: { below: 10000 } } } });
    assert.deepEqual(parseStartForm('export', {}), { ok: true, variables: { input: { export: { format: 'CSV' } } } });
    assert.deepEqual(parseStartForm('export', { 'input.export.format': 'NDJSON' }), { ok: true, variables: { input: { export: { format: 'NDJSON' } } } });
    assert.deepEqual(parseStartForm('export', { 'input.export.format': 'XML' }), { ok: true, variables: { input: { export: { format: 'CSV' } } } });
  });

  test('each field is checked against the schema’s bounds, with the server’s path as its key', () => {
    const refused = (kind: string, key: string, typed: string) => {
      const parsed = parseStartForm(kind, { [key]: typed });
      assert.equal(parsed.ok, false, `${key} = ${JSON.stringify(typed)}`);
      return parsed.ok ? '' : parsed.errors[key];
    };
    assert.equal(refused('primes', 'input.primes.below', ''), 'Required: a whole number from 2 to 50000000.');
    for (const typed of ['1', '50000001', '2.5', '1e3', '0x10', 'ten', '-3']) {
      assert.equal(refused('primes', 'input.primes.below', typed), 'A whole number from 2 to 50000000.', typed);
    }
    assert.equal(refused('simulated', 'input.simulated.maxDurationMs', '600001'), 'A whole number from 0 to 600000.');
    for (const typed of ['1.5', '-0.1', 'half']) assert.equal(refused('simulated', 'input.simulated.failureRate', typed), 'A number from 0 to 1.');
    assert.equal(refused('simulated', 'retry.maxAttempts', '11'), 'A whole number from 1 to 10.');
    assert.equal(refused('simulated', 'retry.delayMs', '300001'), 'A whole number from 0 to 300000.');
    // Edges are in.
    assert.equal(parseStartForm('primes', { 'input.primes.below': '50000000' }).ok, true);
    assert.equal(parseStartForm('simulated', { 'input.simulated.failureRate': '1', 'input.simulated.maxDurationMs': '0' }).ok, true);
    assert.equal(parseStartForm('simulated', { 'input.simulated.failureRate': '.5' }).ok, true);
  });

  test('priority and delay: the defaults send nothing; a delay in seconds is sent in ms; refusals keyed by the server’s argument', () => {
    assert.deepEqual(parseStartForm('simulated', { priority: 'NORMAL', delayMs: '' }), { ok: true, variables: {} });
    assert.deepEqual(parseStartForm('simulated', { priority: 'HIGH', delayMs: '30' }), { ok: true, variables: { priority: 'HIGH', delayMs: 30_000 } });
    assert.deepEqual(parseStartForm('primes', { 'input.primes.below': '10', priority: 'LOW' }), {
      ok: true,
      variables: { input: { primes: { below: 10 } }, priority: 'LOW' },
    });
    assert.deepEqual(parseStartForm('simulated', { priority: 'URGENT' }), { ok: true, variables: {} });
    for (const typed of ['-1', '604801', '1.5', 'soon']) {
      const parsed = parseStartForm('simulated', { delayMs: typed });
      assert.equal(parsed.ok ? '' : parsed.errors.delayMs, 'A whole number from 0 to 604800.', typed);
    }
  });

  test('every error is reported at once; min above max is left to the server (its defaults fill the gaps)', () => {
    const parsed = parseStartForm('simulated', { 'input.simulated.minDurationMs': 'x', 'retry.maxAttempts': '0' });
    assert.deepEqual(Object.keys(parsed.ok ? {} : parsed.errors).sort(), ['input.simulated.minDurationMs', 'retry.maxAttempts']);
    assert.equal(parseStartForm('simulated', { 'input.simulated.minDurationMs': '5000', 'input.simulated.maxDurationMs': '1000' }).ok, true);
  });

  test('a retry policy: attempts alone, or with a delay; a delay alone asks for attempts', () => {
    assert.deepEqual(parseStartForm('simulated', { 'retry.maxAttempts': '3' }), { ok: true, variables: { retry: { maxAttempts: 3 } } });
    assert.deepEqual(parseStartForm('primes', { 'input.primes.below': '10', 'retry.maxAttempts': '2', 'retry.delayMs': '0' }), {
      ok: true,
      variables: { input: { primes: { below: 10 } }, retry: { maxAttempts: 2, delayMs: 0 } },
    });
    assert.deepEqual(parseStartForm('simulated', { 'retry.delayMs': '500' }), {
      ok: false,
      errors: { 'retry.maxAttempts': 'Required with a retry delay: a whole number from 1 to 10.' },
    });
  });

  test('the bounds are the ones schema/schema.graphql states for each field', () => {
    const schema = buildSchema(readFileSync(`${REPO_ROOT}/schema/schema.graphql`, 'utf8'));
    const checked = (typeName: string, fields: readonly FieldSpec[]) => {
      const type = schema.getType(typeName) as GraphQLInputObjectType;
      for (const field of fields) {
        if (field.type !== 'number') continue;
        const stated = `${type.getFields()[field.name].description ?? ''} ${type.description ?? ''}`;
        assert.ok(stated.includes(`${field.min} to ${field.max}`), `${typeName}.${field.name}: "${stated}" states ${field.min} to ${field.max}`);
      }
      return fields.length;
    };
    assert.equal(checked('SimulatedInput', KIND_FIELDS.simulated), 3);
    assert.equal(checked('PrimesInput', KIND_FIELDS.primes), 1);
    assert.equal(checked('RetryPolicyInput', RETRY_FIELDS), 2);
  });
});

describe('words and numbers', () => {
  test('a countdown rounds up to whole seconds and ends when due', () => {
    const due = 100_000;
    assert.equal(formatCountdown(due, due - 3000), '3 s');
    assert.equal(formatCountdown(due, due - 2001), '3 s');
    assert.equal(formatCountdown(due, due - 1), '1 s');
    assert.equal(formatCountdown(due, due), null);
    assert.equal(formatCountdown(due, due + 5000), null);
    assert.equal(formatCountdown(due, due - 65_000), '1 min 5 s');
    assert.equal(formatCountdown(due, due - 60_000), '1 min 0 s');
  });

  test('durations and sizes', () => {
    assert.equal(formatDuration(1234), '1.2 s');
    assert.equal(formatDuration(1999, true), '1 s');
    assert.equal(formatDuration(125_000), '2 min 5 s');
    assert.equal(formatDuration(-5), '0.0 s');
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(3482), '3.4 kB');
    assert.equal(formatBytes(1.5 * 1024 * 1024), '1.5 MB');
  });

  test('results', () => {
    assert.equal(describeResult({ __typename: 'PrimesResult', count: 1229, largest: 9973, below: 10000 }), '1,229 primes below 10,000; the largest is 9,973.');
    assert.equal(describeResult({ __typename: 'PrimesResult', count: 0, largest: null, below: 2 }), 'No primes below 2.');
    assert.equal(describeResult({ __typename: 'SimulatedResult', durationMs: 3250 }), 'Waited 3.3 s.');
    assert.equal(describeResult({ __typename: 'ExportResult', url: '/api/files/x', bytes: 2048, rows: 1, format: 'CSV' }), 'CSV file: 1 task, 2.0 kB');
  });
});

describe('the timeline', () => {
  const event = (seq: number, extra: Partial<TimelineEvent> = {}): TimelineEvent => ({
    seq,
    at: '2026-01-01T00:00:00.000Z',
    type: 'PROGRESS',
    progress: seq,
    ...extra,
  });

  test('events are kept once each, in seq order: a replay after a reconnect adds nothing', () => {
    let seen: readonly TimelineEvent[] = [];
    for (const seq of [1, 2, 3]) seen = appendEvent(seen, event(seq));
    assert.equal(lastSeq(seen), 3);
    // A resubscription with its first `after` replays 1..3 before 4 comes.
    for (const seq of [1, 2, 3, 4, 4, 5]) seen = appendEvent(seen, event(seq));
    assert.deepEqual(
      seen.map((e) => e.seq),
      [1, 2, 3, 4, 5],
    );
    const same = appendEvent(seen, event(2));
    assert.equal(same, seen, 'a repeat changes nothing (no re-render)');
    assert.equal(lastSeq([]), 0);
  });

  test('each event in words', () => {
    assert.equal(describeEvent(event(1, { type: 'CREATED' })), 'Queued');
    assert.equal(describeEvent(event(2, { type: 'ATTEMPT_STARTED', attempt: 2 })), 'Attempt 2 started');
    assert.equal(describeEvent(event(3, { type: 'PROGRESS', progress: 40 })), '40% done');
    assert.equal(describeEvent(event(4, { type: 'LOG', level: 'WARN', message: 'careful' })), 'careful');
    assert.equal(describeEvent(event(5, { type: 'ATTEMPT_FAILED', attempt: 1, message: 'boom' })), 'Attempt 1 failed: boom');
    assert.equal(
      describeEvent(event(6, { type: 'RETRY_SCHEDULED', attempt: 2, message: 'Attempt 2 of 3 in 1.0 s' })),
      'Retry scheduled: Attempt 2 of 3 in 1.0 s',
    );
    assert.equal(describeEvent(event(7, { type: 'ENDED', status: 'ERROR', message: 'boom' })), 'Ended ERROR: boom');
    assert.equal(describeEvent(event(8, { type: 'ENDED', status: 'FINISHED', message: null })), 'Ended FINISHED');
  });
});
