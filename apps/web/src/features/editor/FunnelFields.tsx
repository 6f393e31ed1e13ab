import { useId } from 'react';
import type { ErrorDetail, Filter, Query } from '@sightline/sdk';
import { MAX_STEPS, MIN_STEPS, readFilters, readSteps, setField } from './draft-query';
import { errorsAt } from './field-errors';
import { FieldErrors } from './FieldErrors';
import { FiltersField } from './FiltersField';
import { TextField } from './TextField';

interface FunnelFieldsProps {
  query: Query;
  eventNames: string[];
  fieldSuggestions: string[];
  onChange: (query: Query) => void;
  errors: readonly ErrorDetail[];
}

type Step = ReturnType<typeof readSteps>[number];

/** What only a funnel query has: its steps, the window and a breakdown. */
export function FunnelFields({ query, eventNames, fieldSuggestions, onChange, errors }: FunnelFieldsProps) {
  const id = useId();
  const fields = query as unknown as Record<string, unknown>;
  const steps = readSteps(query);
  const setSteps = (next: Step[]) => onChange(setField(query, 'steps', next));
  const setStep = (i: number, step: Step) => setSteps(steps.map((s, j) => (j === i ? step : s)));
  const setWhere = (i: number, where: Filter[]) => {
    const { where: _where, ...rest } = steps[i]!;
    setStep(i, where.length === 0 ? rest : { ...rest, where });
  };
  const stepsErrors = errorsAt(errors, '/steps', steps.map((_, i) => `/steps/${i}`));

  return (
    <>
      <fieldset className="pe-group">
        <legend>Steps</legend>
        <datalist id={`${id}-events`}>
          {eventNames.map((n) => (
            <option key={n} value={n} />
          ))}
        </datalist>
        {steps.map((step, i) => (
          // Steps are ordered: the place in the list is what a step is.
          <fieldset className="pe-measure" key={i}>
            <legend>Step {i + 1}</legend>
            <div className="pe-row">
              <TextField id={`${id}-${i}-name`} label="Event name" value={step.name} list={`${id}-events`} onChange={(name) => setStep(i, { ...step, name })} errors={errorsAt(errors, `/steps/${i}/name`)} />
              <button type="button" className="pe-icon" aria-label={`Move step ${i + 1} up`} title="Move up" disabled={i === 0} onClick={() => setSteps(swap(steps, i, i - 1))}>
                ↑
              </button>
              <button type="button" className="pe-icon" aria-label={`Remove step ${i + 1}`} title="Remove step" disabled={steps.length <= MIN_STEPS} onClick={() => setSteps(steps.filter((_, j) => j !== i))}>
                ×
              </button>
            </div>
            <FiltersField
              legend={`Step ${i + 1} filters`}
              filters={readFilters(step.where)}
              path={`/steps/${i}/where`}
              suggestions={fieldSuggestions}
              onChange={(where) => setWhere(i, where)}
              addLabel={`Add filter to step ${i + 1}`}
              itemLabel={`Step ${i + 1} filter`}
              errors={errors}
            />
            <FieldErrors id={`${id}-${i}-errors`} errors={errorsAt(errors, `/steps/${i}`, [`/steps/${i}/name`, `/steps/${i}/where`])} />
          </fieldset>
        ))}
        <button type="button" disabled={steps.length >= MAX_STEPS} onClick={() => setSteps([...steps, { name: '' }])}>
          Add step
        </button>
        <FieldErrors id={`${id}-steps-errors`} errors={stepsErrors} />
      </fieldset>
      <div className="pe-row">
        <TextField
          id={`${id}-window`}
          label="Window"
          value={typeof fields.window === 'string' ? fields.window : ''}
          placeholder="1d"
          onChange={(w) => onChange(setField(query, 'window', w === '' ? undefined : w))}
          errors={errorsAt(errors, '/window')}
        />
        <datalist id={`${id}-breakdowns`}>
          {['name', 'actor', 'source', ...fieldSuggestions].map((f) => (
            <option key={f} value={f} />
          ))}
        </datalist>
        <TextField
          id={`${id}-breakdown`}
          label="Breakdown"
          value={typeof fields.breakdown === 'string' ? fields.breakdown : ''}
          placeholder="none"
          list={`${id}-breakdowns`}
          onChange={(b) => onChange(setField(query, 'breakdown', b === '' ? undefined : b))}
          errors={errorsAt(errors, '/breakdown')}
        />
      </div>
    </>
  );
}

function swap<T>(list: T[], a: number, b: number): T[] {
  const next = [...list];
  [next[a], next[b]] = [next[b]!, next[a]!];
  return next;
}
