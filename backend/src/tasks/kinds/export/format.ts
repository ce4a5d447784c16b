import type { ExportFormat } from '../../../graphql/generated/schema-types.js';
import type { StoredEvent } from '../../task-events.js';
import type { PublicTask } from '../../task-state.js';

/** One task of the history, with its timeline (as `KindServices.history` yields it). */
export interface HistoryEntry {
  task: PublicTask;
  events: StoredEvent[];
}

/** How one format writes the file: its first line(s) and a task's row, each ending with its line break. */
export interface FileFormat {
  contentType: string;
  extension: string;
  header: string;
  row(entry: HistoryEntry): string;
}

/** A task as exported: its public fields, and its timeline with ISO 8601 times (absent event fields stay absent). */
function exported({ task, events }: HistoryEntry) {
  return {
    id: task.id,
    kind: task.kind,
    status: task.status,
    progress: task.progress,
    attempt: task.attempt,
    maxAttempts: task.maxAttempts,
    createdAt: task.createdAt,
    startedAt: task.startedAt ?? null,
    finishedAt: task.finishedAt ?? null,
    error: task.error ?? null,
    result: task.result ?? null,
    events: events.map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
  };
}

const CSV_COLUMNS = ['id', 'kind', 'status', 'attempt', 'maxAttempts', 'createdAt', 'startedAt', 'finishedAt', 'error', 'result', 'events'] as const;

/** Characters a spreadsheet may read as the start of a formula (OWASP's list for CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;
/** Characters that make RFC 4180 quote a field. */
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV field, RFC 4180. A value that starts like a formula (`=HYPERLINK(...)`, `+1+cmd|...`,
 * `@SUM(...)`) gets a leading `'`: an error message or a log line can carry text another user or
 * a failing dependency chose, and Excel or LibreOffice would evaluate it as a formula when the
 * owner opens the file. The quote makes it text there; the cost is one visible character.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const csvLine = (fields: (string | number | null)[]): string => `${fields.map(csvField).join(',')}\r\n`;

export const FORMATS: Record<ExportFormat, FileFormat> = {
  /** RFC 4180: CRLF line breaks, a header row; `result` and `events` hold JSON text. */
  CSV: {
    contentType: 'text/csv; charset=utf-8',
    extension: 'csv',
    header: csvLine([...CSV_COLUMNS]),
    row(entry) {
      const t = exported(entry);
      return csvLine([
        t.id,
        t.kind,
        t.status,
        t.attempt,
        t.maxAttempts,
        t.createdAt,
        t.startedAt,
        t.finishedAt,
        t.error,
        t.result && JSON.stringify(t.result),
        JSON.stringify(t.events),
      ]);
    },
  },
  /** One JSON object per line (JSON.stringify escapes line breaks inside strings). */
  NDJSON: {
    contentType: 'application/x-ndjson',
    extension: 'ndjson',
    header: '',
    row: (entry) => `${JSON.stringify(exported(entry))}\n`,
  },
};
