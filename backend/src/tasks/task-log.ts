import type { LogLevel } from '../graphql/generated/schema-types.js';

/** A log line longer than this is cut (with an ellipsis). */
export const LOG_LINE_MAX_CHARS = 1000;
/** Log lines one task may add per second, on average... */
export const LOG_LINES_PER_SECOND = 20;
/** ...and at once. */
export const LOG_BURST = 50;

export interface LogLine {
  message: string;
  level: LogLevel;
}

/**
 * One attempt's log budget (a token bucket): lines over the rate are dropped and counted, and
 * the count is reported as a warning with the next line the rate lets through. The count per
 * task is bounded separately, in the store (LOG_LINES_PER_TASK).
 */
export class LogBudget {
  private tokens = LOG_BURST;
  private last: number;
  private dropped = 0;

  constructor(private readonly now: () => number = Date.now) {
    this.last = now();
  }

  /** The lines to write for `line`: none (dropped), the line, or a drop warning and the line. */
  admit(message: string, level: LogLevel): LogLine[] {
    const now = this.now();
    this.tokens = Math.min(LOG_BURST, this.tokens + ((now - this.last) / 1000) * LOG_LINES_PER_SECOND);
    this.last = now;
    const needed = this.dropped > 0 ? 2 : 1;
    if (this.tokens < needed) {
      this.dropped++;
      return [];
    }
    this.tokens -= needed;
    const text = message.length > LOG_LINE_MAX_CHARS ? `${message.slice(0, LOG_LINE_MAX_CHARS - 1)}…` : message;
    const lines: LogLine[] = [];
    if (this.dropped > 0) lines.push({ message: `${this.dropped} log line(s) dropped (over ${LOG_LINES_PER_SECOND} per second)`, level: 'WARN' });
    this.dropped = 0;
    lines.push({ message: text, level });
    return lines;
  }
}
