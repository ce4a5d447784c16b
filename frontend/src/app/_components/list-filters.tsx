'use client';
import type { TaskStatus } from '../../graphql/generated/graphql';
import type { ListFilter } from '../../graphql/task-list';
import { STATUS_LABEL } from './task-status';

const STATUSES = Object.keys(STATUS_LABEL) as TaskStatus[];

/**
 * The list's filters: a status (with how many tasks each has, under the kind chosen) and a kind,
 * labelled "Type" (the start form's picker is "Kind"; two fields of one name would confuse).
 * Native selects: keyboard and screen readers work as everywhere.
 */
export function ListFilters({
  filter,
  onChange,
  counts,
  kinds,
}: {
  filter: ListFilter;
  onChange: (next: ListFilter) => void;
  counts: { status: TaskStatus; count: number }[] | null;
  kinds: { name: string; title: string }[];
}) {
  const countOf = (status: TaskStatus) => counts?.find((c) => c.status === status)?.count;
  const all = counts?.reduce((sum, c) => sum + c.count, 0);
  const withCount = (label: string, n: number | undefined) => (n === undefined ? label : `${label} (${n})`);
  // A kind in the URL the deployment does not offer (any more) stays selectable, so the select shows it.
  const kindOptions = filter.kind && !kinds.some((k) => k.name === filter.kind) ? [...kinds, { name: filter.kind, title: filter.kind }] : kinds;
  return (
    <div className="list-filters" data-testid="list-filters">
      <div className="field">
        <label htmlFor="filter-status">Status</label>
        <select
          id="filter-status"
          data-testid="filter-status"
          value={filter.status ?? ''}
          onChange={(e) => onChange({ ...filter, status: (e.target.value || null) as TaskStatus | null })}
        >
          <option value="">{withCount('All statuses', all)}</option>
          {STATUSES.map((status) => (
            <option key={status} value={status}>
              {withCount(STATUS_LABEL[status], countOf(status))}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="filter-kind">Type</label>
        <select id="filter-kind" data-testid="filter-kind" value={filter.kind ?? ''} onChange={(e) => onChange({ ...filter, kind: e.target.value || null })}>
          <option value="">All types</option>
          {kindOptions.map((kind) => (
            <option key={kind.name} value={kind.name}>
              {kind.title}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}
