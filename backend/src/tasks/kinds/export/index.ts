import type { ExportInput, ExportResult } from '../../../graphql/generated/schema-types.js';
import { defineKind, PermanentError, type TaskContext } from '../../task-kind.js';
import { BadUserInputError } from '../../tasks.errors.js';
import { FORMATS } from './format.js';

/** The most tasks one export reads. */
export const HISTORY_LIMIT = 10_000;
/** Reading the history is shown as 0–90 %; saving the file takes the rest. */
const READ_SHARE = 90;
/** A rising percent is reported at most this often, an unchanged one at least this often (the stall detector). */
const MIN_REPORT_INTERVAL_MS = 100;
const KEEPALIVE_MS = 1000;

/**
 * Progress while reading, whose length is unknown until it ends. The history is newest first and
 * holds nothing older than the retention window, so how far back in that window the export has
 * read is a lower bound of the share done, and so is rows / HISTORY_LIMIT: it reports the larger.
 */
function readProgress(ctx: TaskContext, retentionMs: number): (rows: number, createdAt: string) => Promise<void> {
  const start = Date.now();
  let sent = 0;
  let sentAt = start;
  return async (rows, createdAt) => {
    const back = (start - Date.parse(createdAt)) / retentionMs;
    const percent = Math.floor(READ_SHARE * Math.min(1, Math.max(rows / HISTORY_LIMIT, Number.isFinite(back) ? back : 0)));
    const since = Date.now() - sentAt;
    if (since < (percent > sent ? MIN_REPORT_INTERVAL_MS : KEEPALIVE_MS)) return;
    sent = Math.max(sent, percent);
    sentAt = Date.now();
    await ctx.progress(sent);
  };
}

export default defineKind<ExportInput, Required<ExportResult>>((config, services) => ({
  name: 'export',
  title: 'Export history',
  description: 'Your task history, each task with its timeline, as a CSV or NDJSON file to download.',
  // Reading Redis and saving a file can fail for a moment; the file being too large cannot (PermanentError).
  retry: { maxAttempts: 3, delayMs: 2000 },

  parse(input) {
    const format = input?.format;
    if (typeof format !== 'string' || !Object.hasOwn(FORMATS, format)) {
      throw new BadUserInputError('input.export.format', `format must be one of ${Object.keys(FORMATS).join(', ')}`);
    }
    return { format };
  },

  async run(ctx, { format }) {
    const file = FORMATS[format];
    const cap = services.maxFileBytes;
    ctx.log(`Exporting the task history as ${format}`);
    const report = readProgress(ctx, config.task.retentionS * 1000);
    const parts = [file.header];
    let bytes = Buffer.byteLength(file.header);
    let rows = 0;
    // This task is in the history too, as it is now (IN_PROGRESS, its timeline so far): the file
    // is a snapshot of every task at the moment it was read, and leaving one out would make its
    // row count disagree with the task list the owner sees.
    for await (const entry of services.history(ctx.owner, HISTORY_LIMIT)) {
      ctx.signal.throwIfAborted();
      const row = file.row(entry);
      bytes += Buffer.byteLength(row);
      // Checked while reading, so an oversized history fails before it is all held in memory.
      if (bytes > cap) throw new PermanentError(`Export over ${cap} bytes; the history is too large for one file (it passed the cap after ${rows} tasks)`);
      parts.push(row);
      rows++;
      await report(rows, entry.task.createdAt);
    }
    ctx.signal.throwIfAborted();
    const date = new Date().toISOString().slice(0, 10);
    const saved = await services.saveFile(ctx.taskId, parts.join(''), { contentType: file.contentType, filename: `longrun-tasks-${date}.${file.extension}` });
    ctx.log(`Exported ${rows} tasks (${saved.bytes} bytes)`);
    return { __typename: 'ExportResult', url: saved.url, bytes: saved.bytes, rows, format };
  },
}));
