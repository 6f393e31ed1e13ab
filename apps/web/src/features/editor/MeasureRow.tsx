import { useId } from 'react';
import type { ErrorDetail, Filter, Measure, MetricDefinition } from '@sightline/sdk';
import { QUERY_FNS } from '@sightline/protocol';
import { changeMeasureKind, measureKind, readFilters, type MeasureKind } from './draft-query';
import { errorsAt } from './field-errors';
import { FieldErrors, invalidProps } from './FieldErrors';
import { TextField } from './TextField';
import { FiltersField } from './FiltersField';
import { MetricSelect } from './MetricSelect';

type Aggregate = Extract<Measure, { fn: string }>;
type Formula = Extract<Measure, { formula: string }>;

interface MeasureRowProps {
  measure: Measure;
  index: number;
  metrics: MetricDefinition[];
  /** The other measures' column names, so that a new name does not clash. */
  taken: string[];
  eventsList: string;
  ofList: string;
  fieldSuggestions: string[];
  onChange: (measure: Measure) => void;
  onRemove: () => void;
  errors: readonly ErrorDetail[];
}

const KIND_LABELS: Record<MeasureKind, string> = { metric: 'Catalog metric', aggregate: 'Aggregate', formula: 'Formula' };
const SUBFIELDS = ['as', 'fn', 'of', 'where', 'formula'];

export function MeasureRow({ measure, index, metrics, taken, eventsList, ofList, fieldSuggestions, onChange, onRemove, errors }: MeasureRowProps) {
  const id = useId();
  const path = `/measures/${index}`;
  const kind = measureKind(measure);
  const at = (sub: string) => errorsAt(errors, `${path}/${sub}`);
  const rowErrors = errorsAt(errors, path, SUBFIELDS.map((s) => `${path}/${s}`));

  return (
    <fieldset className="pe-measure">
      <legend>Measure {index + 1}</legend>
      <div className="pe-row">
        <div className="pe-field">
          <label htmlFor={`${id}-kind`}>Kind</label>
          <select id={`${id}-kind`} value={kind} onChange={(e) => onChange(changeMeasureKind(measure, e.target.value as MeasureKind, metrics, taken))}>
            {(Object.keys(KIND_LABELS) as MeasureKind[]).map((k) => (
              <option key={k} value={k}>
                {KIND_LABELS[k]}
              </option>
            ))}
          </select>
        </div>
        {kind === 'metric' && typeof measure === 'string' && (
          <MetricFields id={id} name={measure} metrics={metrics} onChange={onChange} errors={rowErrors} />
        )}
        {kind !== 'metric' && typeof measure === 'object' && measure !== null && (
          <TextField id={`${id}-as`} label="Column name" value={measure.as} onChange={(as) => onChange({ ...measure, as })} errors={at('as')} />
        )}
        <button type="button" className="pe-icon" aria-label={`Remove measure ${index + 1}`} title="Remove measure" onClick={onRemove}>
          ×
        </button>
      </div>
      {kind === 'aggregate' && typeof measure === 'object' && 'fn' in measure && (
        <AggregateFields
          id={id}
          measure={measure}
          path={path}
          eventsList={eventsList}
          ofList={ofList}
          fieldSuggestions={fieldSuggestions}
          onChange={onChange}
          errors={errors}
          at={at}
        />
      )}
      {kind === 'formula' && typeof measure === 'object' && 'formula' in measure && (
        <TextField
          id={`${id}-formula`}
          label="Formula"
          value={(measure as Formula).formula}
          placeholder="revenue / orders"
          onChange={(formula) => onChange({ ...(measure as Formula), formula })}
          errors={at('formula')}
        />
      )}
      {kind !== 'metric' && <FieldErrors id={`${id}-errors`} errors={rowErrors} />}
    </fieldset>
  );
}

function MetricFields({ id, name, metrics, onChange, errors }: { id: string; name: string; metrics: MetricDefinition[]; onChange: (m: Measure) => void; errors: readonly ErrorDetail[] }) {
  const description = metrics.find((m) => m.name === name)?.description;
  return (
    <div className="pe-field pe-grow">
      <label htmlFor={`${id}-metric`}>Metric</label>
      <MetricSelect id={`${id}-metric`} value={name} metrics={metrics} onChange={onChange} describedBy={`${id}-metric-about`} invalid={errors.length > 0} />
      <p className="pe-hint" id={`${id}-metric-about`}>
        {description}
      </p>
      <FieldErrors id={`${id}-errors`} errors={errors} />
    </div>
  );
}

interface AggregateFieldsProps {
  id: string;
  measure: Aggregate;
  path: string;
  eventsList: string;
  ofList: string;
  fieldSuggestions: string[];
  onChange: (m: Measure) => void;
  errors: readonly ErrorDetail[];
  at: (sub: string) => ErrorDetail[];
}

function AggregateFields({ id, measure, path, eventsList, ofList, fieldSuggestions, onChange, errors, at }: AggregateFieldsProps) {
  const where = measure.where;
  const fnErrors = at('fn');
  const setFn = (fn: Aggregate['fn']) => {
    // `count` takes no `of`: keeping one would only earn an error.
    const { of: _of, ...rest } = measure;
    onChange(fn === 'count' ? { ...rest, fn } : { ...measure, fn });
  };
  const setOf = (of: string) => {
    const { of: _of, ...rest } = measure;
    onChange(of === '' ? rest : { ...rest, of });
  };
  const setEvent = (name: string) => {
    const { where: _where, ...rest } = measure;
    onChange(name === '' ? rest : { ...rest, where: { name } });
  };
  return (
    <>
      <div className="pe-row">
        <div className="pe-field">
          <label htmlFor={`${id}-fn`}>Function</label>
          <select id={`${id}-fn`} value={measure.fn} onChange={(e) => setFn(e.target.value as Aggregate['fn'])} {...invalidProps(`${id}-fn-errors`, fnErrors)}>
            {!(QUERY_FNS as readonly string[]).includes(measure.fn) && <option value={measure.fn}>{String(measure.fn)}</option>}
            {QUERY_FNS.map((fn) => (
              <option key={fn} value={fn}>
                {fn}
              </option>
            ))}
          </select>
          <FieldErrors id={`${id}-fn-errors`} errors={fnErrors} />
        </div>
        <TextField
          id={`${id}-of`}
          label="Of"
          value={measure.of ?? ''}
          placeholder={measure.fn === 'count' ? 'events' : measure.fn === 'uniq' ? 'actor' : 'value'}
          list={ofList}
          disabled={measure.fn === 'count'}
          onChange={setOf}
          errors={at('of')}
        />
        {!Array.isArray(where) && (
          <TextField id={`${id}-event`} label="Event name" value={where?.name ?? ''} placeholder="any event" list={eventsList} onChange={setEvent} errors={at('where')} />
        )}
      </div>
      {Array.isArray(where) && (
        <FiltersField
          legend="Counted events"
          filters={readFilters(where)}
          path={`${path}/where`}
          suggestions={fieldSuggestions}
          onChange={(filters: Filter[]) => onChange({ ...measure, where: filters })}
          addLabel={`Add filter to ${measure.as || 'this measure'}`}
          itemLabel={`${measure.as || 'Measure'} filter`}
          errors={errors}
        />
      )}
    </>
  );
}
