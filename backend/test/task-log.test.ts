import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LOG_BURST, LOG_LINE_MAX_CHARS, LOG_LINES_PER_SECOND, LogBudget } from '../src/tasks/task-log.js';

function budgetAt(start = 1_000_000) {
  let now = start;
  const budget = new LogBudget(() => now);
  return { budget, advance: (ms: number) => (now += ms) };
}

test('a line longer than the bound is cut to it, with an ellipsis', () => {
  const { budget } = budgetAt();
  const [line] = budget.admit('x'.repeat(LOG_LINE_MAX_CHARS + 500), 'INFO');
  assert.equal(line?.message.length, LOG_LINE_MAX_CHARS);
  assert.ok(line?.message.endsWith('…'));
  assert.equal(budget.admit('short', 'ERROR')[0]?.message, 'short', 'a short line is kept whole');
});

test('a burst passes up to its bound; past it lines are dropped, then counted in one warning when the rate allows', () => {
  const { budget, advance } = budgetAt();
  for (let i = 0; i < LOG_BURST; i++) assert.equal(budget.admit(`line ${i}`, 'INFO').length, 1, `line ${i} of the burst`);
  for (let i = 0; i < 7; i++) assert.deepEqual(budget.admit('over', 'INFO'), [], 'over the burst: dropped');

  // Two tokens are needed for the warning and the line: one token comes back every 1000 / rate ms.
  advance(1000 / LOG_LINES_PER_SECOND);
  assert.deepEqual(budget.admit('still over', 'INFO'), [], 'one token is not enough for the warning and the line');
  advance((2 * 1000) / LOG_LINES_PER_SECOND);
  assert.deepEqual(budget.admit('back', 'DEBUG'), [
    { message: `8 log line(s) dropped (over ${LOG_LINES_PER_SECOND} per second)`, level: 'WARN' },
    { message: 'back', level: 'DEBUG' },
  ]);
  advance(1000 / LOG_LINES_PER_SECOND);
  assert.deepEqual(budget.admit('next', 'INFO'), [{ message: 'next', level: 'INFO' }], 'the count was reported once');
});

test('the rate over time is the configured one per second, however the lines are spread', () => {
  const { budget, advance } = budgetAt();
  for (let i = 0; i < LOG_BURST; i++) budget.admit('drain the burst', 'INFO');
  let written = 0;
  // 10 s of a handler logging every millisecond.
  for (let ms = 0; ms < 10_000; ms++) {
    advance(1);
    written += budget.admit('flood', 'INFO').filter((l) => l.message === 'flood').length;
  }
  assert.ok(written <= 10 * LOG_LINES_PER_SECOND && written >= 10 * LOG_LINES_PER_SECOND * 0.4, `${written} lines in 10 s`);
});
