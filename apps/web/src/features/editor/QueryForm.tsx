import type { ErrorDetail, MetricDefinition, Query, Range, SourceSummary } from '@sightline/sdk';
import { eventNameSuggestions, propsPaths, queryKind, readFilters, readSources, setField, setList, writeSources, type QueryKind } from './draft-query';
import { errorsAt } from './field-errors';
import { FiltersField } from './FiltersField';
import { FunnelFields } from './FunnelFields';
import { RangeField } from './RangeField';
import { SourcesField } from './SourcesField';
import { TrendFields } from './TrendFields';

interface QueryFormProps {
  query: Query;
  sources: SourceSummary[];
  metrics: MetricDefinition[];
  onChange: (query: Query) => void;
  onKind: (kind: QueryKind) => void;
  errors: readonly ErrorDetail[];
}

/** The draft query as a form: a view of the query object, writing changed copies back. */
export function QueryForm({ query, sources, metrics, onChange, onKind, errors }: QueryFormProps) {
  const fields = query as unknown as Record<string, unknown>;
  const kind = queryKind(query);
  const fieldSuggestions = propsPaths(query);
  const eventNames = eventNameSuggestions(query, metrics);
  const range = typeof fields.range === 'object' && fields.range !== null ? (fields.range as Range) : undefined;

  return (
    <>
      <label className="pe-check">
        <input type="checkbox" checked={kind === 'funnel'} onChange={(e) => onKind(e.target.checked ? 'funnel' : 'trend')} />
        Funnel query
      </label>
      <SourcesField selected={readSources(query)} sources={sources} onChange={(s) => onChange(writeSources(query, s))} errors={errorsAt(errors, '/source')} />
      {kind === 'funnel' ? (
        <FunnelFields query={query} eventNames={eventNames} fieldSuggestions={fieldSuggestions} onChange={onChange} errors={errors} />
      ) : (
        <TrendFields query={query} metrics={metrics} eventNames={eventNames} fieldSuggestions={fieldSuggestions} onChange={onChange} errors={errors} />
      )}
      <FiltersField
        legend="Filters"
        filters={readFilters(fields.filters)}
        path="/filters"
        suggestions={fieldSuggestions}
        onChange={(f) => onChange(setList(query, 'filters', f))}
        errors={errors}
      />
      <RangeField
        range={range}
        timezone={typeof fields.timezone === 'string' ? fields.timezone : undefined}
        onRange={(r) => onChange(setField(query, 'range', r))}
        onTimezone={(tz) => onChange(setField(query, 'timezone', tz))}
        errors={errors}
      />
    </>
  );
}
