import { useId } from 'react';
import type { ErrorDetail } from '@sightline/sdk';
import { parseOptionalNumber } from './draft-query';
import { errorsAt } from './field-errors';
import { FieldErrors, invalidProps } from './FieldErrors';
import { useSyncedText } from './useSyncedText';

export interface OrderEntry {
  by: string;
  dir?: 'asc' | 'desc';
}

interface OrderLimitFieldProps {
  order: OrderEntry[];
  limit: number | undefined;
  columns: string[];
  onOrder: (order: OrderEntry[]) => void;
  onLimit: (limit: number | undefined) => void;
  errors: readonly ErrorDetail[];
}

export function OrderLimitField({ order, limit, columns, onOrder, onLimit, errors }: OrderLimitFieldProps) {
  const id = useId();
  const [limitText, setLimitText] = useSyncedText(limit, (v) => (v === undefined ? '' : String(v)), parseOptionalNumber, onLimit);
  const limitErrors = errorsAt(errors, '/limit');
  const update = (i: number, entry: OrderEntry) => onOrder(order.map((o, j) => (j === i ? entry : o)));

  return (
    <fieldset className="pe-group">
      <legend>Order and limit</legend>
      <datalist id={`${id}-columns`}>
        {columns.map((c) => (
          <option key={c} value={c} />
        ))}
      </datalist>
      {order.map((entry, i) => {
        const rowErrors = errorsAt(errors, `/order/${i}`);
        return (
          // Order entries are positional: the first one ranks first.
          <div className="pe-row" key={i} role="group" aria-label={`Order ${i + 1}`}>
            <div className="pe-field pe-grow">
              <label htmlFor={`${id}-${i}-by`}>Order by</label>
              <input id={`${id}-${i}-by`} type="text" list={`${id}-columns`} value={entry.by ?? ''} onChange={(e) => update(i, { ...entry, by: e.target.value })} {...invalidProps(`${id}-${i}-errors`, rowErrors)} />
              <FieldErrors id={`${id}-${i}-errors`} errors={rowErrors} />
            </div>
            <div className="pe-field">
              <label htmlFor={`${id}-${i}-dir`}>Direction</label>
              <select id={`${id}-${i}-dir`} value={entry.dir ?? 'asc'} onChange={(e) => update(i, { ...entry, dir: e.target.value as 'asc' | 'desc' })}>
                <option value="asc">ascending</option>
                <option value="desc">descending</option>
              </select>
            </div>
            <button type="button" className="pe-icon" aria-label={`Remove order ${i + 1}`} title="Remove" onClick={() => onOrder(order.filter((_, j) => j !== i))}>
              ×
            </button>
          </div>
        );
      })}
      <div className="pe-row">
        <button type="button" onClick={() => onOrder([...order, { by: columns[0] ?? '', dir: 'desc' }])}>
          Add order
        </button>
        <div className="pe-field">
          <label htmlFor={`${id}-limit`}>Limit</label>
          <input id={`${id}-limit`} type="number" min={1} max={10000} step={1} placeholder="none" value={limitText} onChange={(e) => setLimitText(e.target.value)} {...invalidProps(`${id}-limit-errors`, limitErrors)} />
          <FieldErrors id={`${id}-limit-errors`} errors={limitErrors} />
        </div>
      </div>
    </fieldset>
  );
}
