import { useId, useState, type FormEvent } from 'react';
import type { Filter } from '@sightline/sdk';
import { FILTER_OPS, filterLabel, parseFilter } from './filter-text';

export interface FilterBarProps {
  filters: Filter[];
  onChange: (filters: Filter[]) => void;
}

/** The dashboard's active filters as removable chips, and a form to add one. */
export function FilterBar({ filters, onChange }: FilterBarProps) {
  const [adding, setAdding] = useState(false);
  return (
    <div className="filter-bar" role="region" aria-label="Filters">
      {filters.length === 0 && !adding && <span className="filter-none">No filters</span>}
      <ul className="filter-chips">
        {filters.map((f, i) => {
          const label = filterLabel(f);
          return (
            <li key={`${i}:${label}`} className="chip">
              <span>{label}</span>
              <button type="button" className="chip-remove" aria-label={`Remove filter ${label}`} onClick={() => onChange(filters.filter((_, j) => j !== i))}>
                <span aria-hidden="true">×</span>
              </button>
            </li>
          );
        })}
      </ul>
      {adding ? (
        <AddFilterForm
          onAdd={(f) => {
            onChange([...filters, f]);
            setAdding(false);
          }}
          onCancel={() => setAdding(false)}
        />
      ) : (
        <button type="button" className="btn btn-ghost" onClick={() => setAdding(true)}>
          + Add filter
        </button>
      )}
    </div>
  );
}

function AddFilterForm({ onAdd, onCancel }: { onAdd: (filter: Filter) => void; onCancel: () => void }) {
  const [field, setField] = useState('props.');
  const [op, setOp] = useState<Filter['op']>('eq');
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | undefined>();
  const ids = { field: useId(), op: useId(), value: useId(), error: useId() };

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const result = parseFilter(field, op, value);
    if ('error' in result) setError(result.error);
    else onAdd(result.filter);
  }

  return (
    <form
      className="filter-form"
      onSubmit={onSubmit}
      aria-label="Add filter"
      onKeyDown={(e) => {
        if (e.key === 'Escape') onCancel();
      }}
    >
      <span className="field-inline">
        <label htmlFor={ids.field}>Field</label>
        <input id={ids.field} value={field} onChange={(e) => setField(e.target.value)} autoFocus size={14} placeholder="props.plan" aria-describedby={error !== undefined ? ids.error : undefined} />
      </span>
      <span className="field-inline">
        <label htmlFor={ids.op}>Operator</label>
        <select id={ids.op} value={op} onChange={(e) => setOp(e.target.value as Filter['op'])}>
          {FILTER_OPS.map((o) => (
            <option key={o.op} value={o.op}>
              {o.label}
            </option>
          ))}
        </select>
      </span>
      <span className="field-inline">
        <label htmlFor={ids.value}>Value</label>
        <input id={ids.value} value={value} onChange={(e) => setValue(e.target.value)} size={12} placeholder={op === 'in' || op === 'nin' ? 'a, b, c' : op === 'exists' ? 'true' : ''} />
      </span>
      <button type="submit" className="btn btn-primary">
        Add
      </button>
      <button type="button" className="btn btn-ghost" onClick={onCancel}>
        Cancel
      </button>
      {error !== undefined && (
        <p id={ids.error} className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
