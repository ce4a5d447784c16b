/**
 * The start form's model: each kind's inputs with the bounds the schema states for them (the
 * public contract; the server checks them again), and what was typed turned into createTask's
 * variables. A field's key is the server's path for it (`input.primes.below`,
 * `retry.maxAttempts`), so an error the server names by `extensions.field` lands on that field.
 * No imports: unit-tested in Node (frontend/test/page-logic.test.ts).
 */

export interface NumberField {
  type: 'number';
  name: string;
  label: string;
  min: number;
  max: number;
  integer: boolean;
  required?: boolean;
  hint: string;
}

export interface ChoiceField {
  type: 'choice';
  name: string;
  label: string;
  /** The first is the default. */
  choices: readonly string[];
  hint: string;
}

export type FieldSpec = NumberField | ChoiceField;

const duration = (name: string, label: string): NumberField => ({
  type: 'number',
  name,
  label,
  min: 0,
  max: 600_000,
  integer: true,
  hint: '0 to 600000; empty: the default',
});

/** The inputs of the kinds this page can start (CreateTaskInput's fields). */
export const KIND_FIELDS: Readonly<Record<string, readonly FieldSpec[]>> = {
  simulated: [
    duration('minDurationMs', 'Shortest run (ms)'),
    duration('maxDurationMs', 'Longest run (ms)'),
    { type: 'number', name: 'failureRate', label: 'Failure rate', min: 0, max: 1, integer: false, hint: '0 to 1; empty: the default' },
  ],
  primes: [{ type: 'number', name: 'below', label: 'Count primes below', min: 2, max: 50_000_000, integer: true, required: true, hint: '2 to 50000000' }],
  export: [{ type: 'choice', name: 'format', label: 'Format', choices: ['CSV', 'NDJSON'], hint: 'CSV for spreadsheets, NDJSON for code' }],
};

/** RetryPolicyInput: optional; empty means the kind's own policy. */
export const RETRY_FIELDS: readonly NumberField[] = [
  { type: 'number', name: 'maxAttempts', label: 'Attempts', min: 1, max: 10, integer: true, hint: '1 to 10' },
  { type: 'number', name: 'delayMs', label: 'Retry delay (ms)', min: 0, max: 300_000, integer: true, hint: '0 to 300000, doubled each time' },
];

/**
 * createTask's scheduling arguments, keyed by their own names (so a refusal naming `delayMs`
 * lands on the delay). The delay is typed in seconds: the page's scale; the server's is ms.
 */
export const CONTROL_FIELDS: readonly FieldSpec[] = [
  { type: 'choice', name: 'priority', label: 'Priority', choices: ['NORMAL', 'HIGH', 'LOW'], hint: 'HIGH starts before NORMAL, NORMAL before LOW' },
  { type: 'number', name: 'delayMs', label: 'Delay (s)', min: 0, max: 604_800, integer: true, hint: '0 to 604800 (7 days); empty: at once' },
];

export const inputKey = (kind: string, name: string) => `input.${kind}.${name}`;
export const retryKey = (name: string) => `retry.${name}`;

/** What was typed, by field key. */
export type FormValues = Readonly<Record<string, string | undefined>>;

export interface StartVariables {
  input?: Record<string, Record<string, string | number>>;
  retry?: { maxAttempts: number; delayMs?: number };
  priority?: 'HIGH' | 'LOW';
  delayMs?: number;
}

export type ParsedForm = { ok: true; variables: StartVariables } | { ok: false; errors: Record<string, string> };

/** The bounds in words: the field's message when what was typed is not in them. */
export function boundsText(field: NumberField): string {
  return `${field.integer ? 'A whole number' : 'A number'} from ${field.min} to ${field.max}`;
}

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?(\d+(\.\d*)?|\.\d+)$/;

/** A number field's value: undefined when left empty (and optional); a message when not valid. */
function readNumber(field: NumberField, typed: string | undefined): { value?: number } | { error: string } {
  const text = (typed ?? '').trim();
  if (text === '') return field.required ? { error: `Required: ${boundsText(field).toLowerCase()}.` } : {};
  const value = Number(text);
  const valid = (field.integer ? INTEGER : DECIMAL).test(text) && value >= field.min && value <= field.max;
  return valid ? { value } : { error: `${boundsText(field)}.` };
}

/**
 * createTask's variables for a kind and what was typed, or a message per field that is not
 * valid. The simulated kind with nothing typed is createTask without input: the server's
 * defaults, as the seed's "Start a task" always was. What only the server can judge (min above
 * max once its defaults fill the gaps, anything beyond a field's own bounds) it answers as
 * BAD_USER_INPUT naming the field.
 */
export function parseStartForm(kind: string, values: FormValues): ParsedForm {
  const errors: Record<string, string> = {};
  const input: Record<string, string | number> = {};
  for (const field of KIND_FIELDS[kind] ?? []) {
    const key = inputKey(kind, field.name);
    if (field.type === 'choice') {
      const typed = values[key];
      input[field.name] = typed && field.choices.includes(typed) ? typed : field.choices[0];
      continue;
    }
    const read = readNumber(field, values[key]);
    if ('error' in read) errors[key] = read.error;
    else if (read.value !== undefined) input[field.name] = read.value;
  }
  const retry: Record<string, number> = {};
  for (const field of RETRY_FIELDS) {
    const read = readNumber(field, values[retryKey(field.name)]);
    if ('error' in read) errors[retryKey(field.name)] = read.error;
    else if (read.value !== undefined) retry[field.name] = read.value;
  }
  // RetryPolicyInput needs maxAttempts: a delay alone says nothing about how many attempts.
  if (retry.delayMs !== undefined && retry.maxAttempts === undefined && !errors[retryKey('maxAttempts')]) {
    errors[retryKey('maxAttempts')] = 'Required with a retry delay: a whole number from 1 to 10.';
  }
  const [priorityField, delayField] = CONTROL_FIELDS as [ChoiceField, NumberField];
  const priority = values.priority && priorityField.choices.includes(values.priority) ? values.priority : priorityField.choices[0];
  const delay = readNumber(delayField, values.delayMs);
  if ('error' in delay) errors.delayMs = delay.error;
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const variables: StartVariables = {};
  // The defaults (NORMAL, at once) are sent as nothing: createTask as it always was.
  if (priority === 'HIGH' || priority === 'LOW') variables.priority = priority;
  if ('value' in delay && delay.value) variables.delayMs = delay.value * 1000;
  if (kind !== 'simulated' || Object.keys(input).length > 0) variables.input = { [kind]: input };
  if (retry.maxAttempts !== undefined) variables.retry = { maxAttempts: retry.maxAttempts, ...(retry.delayMs !== undefined ? { delayMs: retry.delayMs } : {}) };
  return { ok: true, variables };
}
