import { useId } from 'react';
import type { ErrorDetail, Filter } from '@sightline/sdk';
import { FILTER_OPS } from '@sightline/protocol';
import { changeFilterOp, formatFilterValue, isFilterOp, parseFilterValue } from './draft-query';
import { errorsAt } from './field-errors';
import { FieldErrors, invalidProps } from './FieldErrors';
import { useSyncedText } from './useSyncedText';

const VALUE_HINTS: Partial<Record<Filter['op'], string>> = {
  in: 'a, b, 3',
  nin: 'a, b, 3',
};

interface FilterRowProps {
  filter: Filter;
  /** The row's accessible name, numbered (`Filter 2`). */
  label: string;
  path: string;
  fieldsList: string;
  onChange: (filter: Filter) => void;
  onRemove: () => void;
  errors: readonly ErrorDetail[];
}

export function FilterRow({ filter, label, path, fieldsList, onChange, onRemove, errors }: FilterRowProps) {
  const id = useId();
  const op: Filter['op'] = isFilterOp(filter.op) ? filter.op : 'eq';
  const [text, setText] = useSyncedText(
    filter.value,
    formatFilterValue,
    (t) => parseFilterValue(op, t),
    (value) => onChange({ ...filter, value }),
  );
  const fieldErrors = errorsAt(errors, `${path}/field`);
  const opErrors = errorsAt(errors, `${path}/op`);
  const valueErrors = errorsAt(errors, `${path}/value`);
  const rowErrors = errorsAt(errors, path, [`${path}/field`, `${path}/op`, `${path}/value`]);

  return (
    <div className="pe-filter" role="group" aria-label={label}>
      <div className="pe-row">
        <div className="pe-field pe-grow">
          <label htmlFor={`${id}-field`}>Field</label>
          <input
            id={`${id}-field`}
            type="text"
            list={fieldsList}
            value={filter.field ?? ''}
            onChange={(e) => onChange({ ...filter, field: e.target.value })}
            {...invalidProps(`${id}-field-errors`, fieldErrors)}
          />
          <FieldErrors id={`${id}-field-errors`} errors={fieldErrors} />
        </div>
        <div className="pe-field">
          <label htmlFor={`${id}-op`}>Operator</label>
          <select id={`${id}-op`} value={op} onChange={(e) => onChange(changeFilterOp(filter, e.target.value as Filter['op']))} {...invalidProps(`${id}-op-errors`, opErrors)}>
            {FILTER_OPS.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
          <FieldErrors id={`${id}-op-errors`} errors={opErrors} />
        </div>
        <div className="pe-field pe-grow">
          <label htmlFor={`${id}-value`}>Value</label>
          {op === 'exists' ? (
            <select id={`${id}-value`} value={filter.value === false ? 'false' : 'true'} onChange={(e) => onChange({ ...filter, value: e.target.value === 'true' })}>
              <option value="true">present</option>
              <option value="false">missing</option>
            </select>
          ) : (
            <input
              id={`${id}-value`}
              type="text"
              value={text}
              placeholder={VALUE_HINTS[op] ?? 'text, 42, or "42" as text'}
              onChange={(e) => setText(e.target.value)}
              {...invalidProps(`${id}-value-errors`, valueErrors)}
            />
          )}
          <FieldErrors id={`${id}-value-errors`} errors={valueErrors} />
        </div>
        <button type="button" className="pe-icon" aria-label={`Remove ${label.toLowerCase()}`} title="Remove filter" onClick={onRemove}>
          ×
        </button>
      </div>
      <FieldErrors id={`${id}-errors`} errors={rowErrors} />
    </div>
  );
}
