import { useId } from 'react';
import type { ErrorDetail, Filter } from '@sightline/sdk';
import { FIELD_SUGGESTIONS, newFilter } from './draft-query';
import { errorsAt } from './field-errors';
import { FieldErrors } from './FieldErrors';
import { FilterRow } from './FilterRow';

interface FiltersFieldProps {
  legend: string;
  filters: Filter[];
  /** JSON Pointer of the list in the query, for the server's problems (`/filters`, `/steps/1/where`). */
  path: string;
  suggestions: string[];
  onChange: (filters: Filter[]) => void;
  errors: readonly ErrorDetail[];
  addLabel?: string;
  /** What one row is called, numbered (`Filter 1`, `Step 2 filter 1`). */
  itemLabel?: string;
}

export function FiltersField({ legend, filters, path, suggestions, onChange, errors, addLabel = 'Add filter', itemLabel = 'Filter' }: FiltersFieldProps) {
  const id = useId();
  const listErrors = errorsAt(errors, path, filters.map((_, i) => `${path}/${i}`));
  return (
    <fieldset className="pe-group">
      <legend>{legend}</legend>
      <datalist id={`${id}-fields`}>
        {[...new Set([...FIELD_SUGGESTIONS, ...suggestions])].map((f) => (
          <option key={f} value={f} />
        ))}
      </datalist>
      {filters.map((filter, i) => (
        <FilterRow
          // Filters have no identity of their own; their place in the list is what the query knows them by.
          key={i}
          filter={filter}
          label={`${itemLabel} ${i + 1}`}
          path={`${path}/${i}`}
          fieldsList={`${id}-fields`}
          onChange={(f) => onChange(filters.map((old, j) => (j === i ? f : old)))}
          onRemove={() => onChange(filters.filter((_, j) => j !== i))}
          errors={errors}
        />
      ))}
      <button type="button" onClick={() => onChange([...filters, newFilter()])}>
        {addLabel}
      </button>
      <FieldErrors id={`${id}-errors`} errors={listErrors} />
    </fieldset>
  );
}
