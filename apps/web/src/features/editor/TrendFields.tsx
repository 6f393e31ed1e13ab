import { useId } from 'react';
import { INTERVALS } from '@sightline/protocol';
import { measureColumns, readStrings, setField, setList } from './draft-query';
import { DimensionsField } from './DimensionsField';
import { errorsAt } from './field-errors';
import { FieldErrors, invalidProps } from './FieldErrors';
import { MeasuresField, type QueryPartProps } from './MeasuresField';
import { OrderLimitField, type OrderEntry } from './OrderLimitField';


/** What only a trend query has: measures, dimensions, interval, comparison, order and limit. */
export function TrendFields({ query, metrics, eventNames, fieldSuggestions, onChange, errors }: QueryPartProps) {
  const id = useId();
  const fields = query as unknown as Record<string, unknown>;
  const interval = typeof fields.interval === 'string' ? fields.interval : '';
  const order = Array.isArray(fields.order) ? (fields.order as OrderEntry[]) : [];
  const limit = typeof fields.limit === 'number' ? fields.limit : undefined;
  const dimensions = readStrings(query, 'dimensions');
  const intervalErrors = errorsAt(errors, '/interval');
  const compareErrors = errorsAt(errors, '/compare');
  const columns = [...(interval ? ['time'] : []), ...dimensions, ...measureColumns(query)];

  return (
    <>
      <MeasuresField query={query} metrics={metrics} eventNames={eventNames} fieldSuggestions={fieldSuggestions} onChange={onChange} errors={errors} />
      <DimensionsField dimensions={dimensions} suggestions={fieldSuggestions} onChange={(d) => onChange(setList(query, 'dimensions', d))} errors={errors} />
      <div className="pe-row">
        <div className="pe-field">
          <label htmlFor={`${id}-interval`}>Interval</label>
          <select
            id={`${id}-interval`}
            value={interval}
            onChange={(e) => onChange(setField(query, 'interval', e.target.value === '' ? undefined : e.target.value))}
            {...invalidProps(`${id}-interval-errors`, intervalErrors)}
          >
            <option value="">none (one value per series)</option>
            {interval !== '' && !(INTERVALS as readonly string[]).includes(interval) && <option value={interval}>{interval}</option>}
            {INTERVALS.map((i) => (
              <option key={i} value={i}>
                {i}
              </option>
            ))}
          </select>
          <FieldErrors id={`${id}-interval-errors`} errors={intervalErrors} />
        </div>
        <div className="pe-field">
          <label className="pe-check">
            <input
              type="checkbox"
              checked={fields.compare === 'previous_period'}
              onChange={(e) => onChange(setField(query, 'compare', e.target.checked ? 'previous_period' : undefined))}
            />
            Compare with the previous period
          </label>
          <FieldErrors id={`${id}-compare-errors`} errors={compareErrors} />
        </div>
      </div>
      <OrderLimitField
        order={order}
        limit={limit}
        columns={columns}
        onOrder={(o) => onChange(setList(query, 'order', o))}
        onLimit={(l) => onChange(setField(query, 'limit', l))}
        errors={errors}
      />
    </>
  );
}
