import { useId } from 'react';
import type { ErrorDetail, MetricDefinition, Query } from '@sightline/sdk';
import { addMeasure, measureName, readMeasures, removeMeasure, updateMeasure, type MeasureKind } from './draft-query';
import { errorsAt } from './field-errors';
import { FieldErrors } from './FieldErrors';
import { MeasureRow } from './MeasureRow';

/** What the parts of the trend form take: the draft query, what to suggest, and the server's errors. */
export interface QueryPartProps {
  query: Query;
  metrics: MetricDefinition[];
  eventNames: string[];
  fieldSuggestions: string[];
  onChange: (query: Query) => void;
  errors: readonly ErrorDetail[];
}

const MAX_MEASURES = 20;

export function MeasuresField({ query, metrics, eventNames, fieldSuggestions, onChange, errors }: QueryPartProps) {
  const id = useId();
  const measures = readMeasures(query);
  const names = measures.map(measureName);
  const listErrors = errorsAt(errors, '/measures', measures.map((_, i) => `/measures/${i}`));
  const add = (kind: MeasureKind) => onChange(addMeasure(query, kind, metrics));
  const full = measures.length >= MAX_MEASURES;

  return (
    <fieldset className="pe-group">
      <legend>Measures</legend>
      <datalist id={`${id}-events`}>
        {eventNames.map((n) => (
          <option key={n} value={n} />
        ))}
      </datalist>
      <datalist id={`${id}-of`}>
        {['value', 'actor', ...fieldSuggestions].map((f) => (
          <option key={f} value={f} />
        ))}
      </datalist>
      {measures.map((measure, i) => (
        <MeasureRow
          // A measure's place is its identity for the server too (`/measures/<i>`).
          key={i}
          measure={measure}
          index={i}
          metrics={metrics}
          taken={names.filter((_, j) => j !== i)}
          eventsList={`${id}-events`}
          ofList={`${id}-of`}
          fieldSuggestions={fieldSuggestions}
          onChange={(m) => onChange(updateMeasure(query, i, m))}
          onRemove={() => onChange(removeMeasure(query, i))}
          errors={errors}
        />
      ))}
      <div className="pe-row">
        <button type="button" onClick={() => add('metric')} disabled={full || metrics.length === 0}>
          Add catalog metric
        </button>
        <button type="button" onClick={() => add('aggregate')} disabled={full}>
          Add aggregate
        </button>
        <button type="button" onClick={() => add('formula')} disabled={full}>
          Add formula
        </button>
      </div>
      <FieldErrors id={`${id}-errors`} errors={listErrors} />
    </fieldset>
  );
}
