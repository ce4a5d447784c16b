'use client';
import { useQuery } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { type ConnectionState, useWhenBack } from '../../graphql/connection';
import { TaskKindsQuery } from '../../graphql/documents';
import type { CreateTaskMutationVariables } from '../../graphql/generated/graphql';
import { ConnectionIndicator } from './connection-indicator';
import { CONTROL_FIELDS, inputKey, KIND_FIELDS, parseStartForm, RETRY_FIELDS, retryKey, type FieldSpec } from './start-form-model';
import { useNotYet } from './use-seeded';
import { useStartTask } from './use-start-task';

interface KindOption {
  name: string;
  title: string;
  description?: string;
  maxAttempts?: number;
  retryDelayMs?: number;
}

/** Until `taskKinds` has answered: the kind every deployment runs (and createTask's default). */
const SIMULATED: KindOption = { name: 'simulated', title: 'Simulated' };

/** The DOM id of a field's control, from its key (`input.primes.below` → `start-input-primes-below`). */
const controlId = (key: string) => `start-${key.replaceAll('.', '-')}`;

/**
 * The start form: a kind (from `taskKinds`, among those this page has inputs for), that kind's
 * inputs, an optional retry policy, and when (priority, delay), each with its bounds as a hint. Nothing typed starts the
 * simulated task with the server's defaults. Bad input is shown beside its field and focused:
 * what the page can check before sending (start-form-model.ts), and what the server refuses as
 * BAD_USER_INPUT, named by `extensions.field`.
 */
export function StartForm({ connection }: { connection: ConnectionState }) {
  const kindsNotYet = useNotYet(TaskKindsQuery);
  const kindsQuery = useQuery(TaskKindsQuery, { skip: kindsNotYet, fetchPolicy: 'cache-first' });
  // Kinds that could not be read (the backend was down) are read again when the connection is back.
  useWhenBack(connection, () => {
    if (kindsQuery.error) void kindsQuery.refetch().catch(() => undefined);
  });
  // The default first, then the server's order.
  const known = (kindsQuery.data?.taskKinds ?? [])
    .filter((k) => k.name in KIND_FIELDS)
    .sort((a, b) => Number(b.name === SIMULATED.name) - Number(a.name === SIMULATED.name));
  const options: KindOption[] = known.length > 0 ? known : [SIMULATED];
  const [kindName, setKindName] = useState(SIMULATED.name);
  const kind = options.find((k) => k.name === kindName) ?? options[0];
  const fields = KIND_FIELDS[kind.name] ?? [];
  const [values, setValues] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const start = useStartTask();

  const refuse = (found: Record<string, string>) => {
    setErrors(found);
    const first = Object.keys(found).find((key) => document.getElementById(controlId(key)));
    if (first) document.getElementById(controlId(first))?.focus();
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (start.blocked) return;
    const parsed = parseStartForm(kind.name, values);
    if (!parsed.ok) return refuse(parsed.errors);
    setErrors({});
    // The model mirrors CreateTaskInput by kind name (it has no imports); the server checks it again.
    const refused = await start.start(parsed.variables as CreateTaskMutationVariables);
    if (refused) refuse({ [refused.field]: refused.message });
  };
  const change = (key: string, value: string) => {
    setValues((v) => ({ ...v, [key]: value }));
    setErrors(({ [key]: _, ...rest }) => rest);
  };

  // A refusal naming a field this form does not show (a kind this page does not know, say).
  const shown = new Set([
    ...fields.map((f) => inputKey(kind.name, f.name)),
    ...RETRY_FIELDS.map((f) => retryKey(f.name)),
    ...CONTROL_FIELDS.map((f) => f.name),
  ]);
  const elsewhere = Object.entries(errors).filter(([key]) => !shown.has(key));
  const policy =
    kind.maxAttempts === undefined
      ? ''
      : kind.maxAttempts === 1
        ? '; by default not retried'
        : `; by default ${kind.maxAttempts} attempts, the first retry after ${kind.retryDelayMs} ms`;

  return (
    <form className="start-form" onSubmit={submit} noValidate aria-label="Start a task">
      <div className="fields">
        <div className="field field-kind">
          <label htmlFor="start-kind">Kind</label>
          <select
            id="start-kind"
            value={kind.name}
            onChange={(e) => {
              setKindName(e.target.value);
              setErrors({});
            }}
            aria-describedby="start-kind-hint"
          >
            {options.map((k) => (
              <option key={k.name} value={k.name}>
                {k.title}
              </option>
            ))}
          </select>
          <span className="hint" id="start-kind-hint">
            {kind.description ?? 'Waits a while, then finishes or fails.'}
          </span>
        </div>
        {fields.map((field) => {
          const key = inputKey(kind.name, field.name);
          return <Field key={key} spec={field} fieldKey={key} value={values[key] ?? ''} error={errors[key]} onChange={change} />;
        })}
      </div>
      <fieldset className="fields">
        <legend>
          Retries <span className="hint">(optional{policy})</span>
        </legend>
        {RETRY_FIELDS.map((field) => {
          const key = retryKey(field.name);
          return <Field key={key} spec={field} fieldKey={key} value={values[key] ?? ''} error={errors[key]} onChange={change} />;
        })}
      </fieldset>
      <fieldset className="fields">
        <legend>
          When <span className="hint">(optional)</span>
        </legend>
        {CONTROL_FIELDS.map((field) => (
          <Field key={field.name} spec={field} fieldKey={field.name} value={values[field.name] ?? ''} error={errors[field.name]} onChange={change} />
        ))}
      </fieldset>
      {elsewhere.map(([key, message]) => (
        <p key={key} className="notice" role="alert" data-testid="start-error">
          {key}: {message}
        </p>
      ))}
      <div className="toolbar">
        <button type="submit" className="start" aria-disabled={start.blocked}>
          {start.starting ? 'Starting…' : 'Start a task'}
        </button>
        <ConnectionIndicator state={connection} />
      </div>
      {start.error && (
        <p className="notice" role="alert" data-testid="start-error">
          {start.error}
        </p>
      )}
    </form>
  );
}

/** One input with its label, its bounds as a hint and, when refused, why (all read out with it). */
function Field({
  spec,
  fieldKey,
  value,
  error,
  onChange,
}: {
  spec: FieldSpec;
  fieldKey: string;
  value: string;
  error: string | undefined;
  onChange: (key: string, value: string) => void;
}) {
  const id = controlId(fieldKey);
  const describedBy = error ? `${id}-hint ${id}-error` : `${id}-hint`;
  return (
    <div className="field">
      <label htmlFor={id}>{spec.label}</label>
      {spec.type === 'choice' ? (
        <select id={id} value={value || spec.choices[0]} onChange={(e) => onChange(fieldKey, e.target.value)} aria-describedby={describedBy}>
          {spec.choices.map((choice) => (
            <option key={choice}>{choice}</option>
          ))}
        </select>
      ) : (
        // Text, not type=number: what was typed reaches the check as typed (a number input
        // reports "" for "1e", and its spinner steps past the bounds the hint states).
        <input
          id={id}
          type="text"
          inputMode={spec.integer ? 'numeric' : 'decimal'}
          autoComplete="off"
          value={value}
          onChange={(e) => onChange(fieldKey, e.target.value)}
          required={spec.required}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
        />
      )}
      <span className="hint" id={`${id}-hint`}>
        {spec.hint}
      </span>
      {error && (
        <span className="field-error" id={`${id}-error`} data-testid="field-error" data-field={fieldKey}>
          {error}
        </span>
      )}
    </div>
  );
}
