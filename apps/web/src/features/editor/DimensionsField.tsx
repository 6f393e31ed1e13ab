import { useId } from 'react';
import type { ErrorDetail } from '@sightline/sdk';
import { DIMENSION_SUGGESTIONS, MAX_DIMENSIONS } from './draft-query';
import { errorsAt } from './field-errors';
import { FieldErrors, invalidProps } from './FieldErrors';

interface DimensionsFieldProps {
  dimensions: string[];
  suggestions: string[];
  onChange: (dimensions: string[]) => void;
  errors: readonly ErrorDetail[];
}

export function DimensionsField({ dimensions, suggestions, onChange, errors }: DimensionsFieldProps) {
  const id = useId();
  const listErrors = errorsAt(errors, '/dimensions', dimensions.map((_, i) => `/dimensions/${i}`));
  return (
    <fieldset className="pe-group">
      <legend>Group by</legend>
      <datalist id={`${id}-fields`}>
        {[...new Set([...DIMENSION_SUGGESTIONS, ...suggestions])].map((f) => (
          <option key={f} value={f} />
        ))}
      </datalist>
      {dimensions.map((dimension, i) => {
        const rowErrors = errorsAt(errors, `/dimensions/${i}`);
        return (
          // Dimensions are plain strings, possibly repeated while typed: the place is the identity.
          <div className="pe-row" key={i}>
            <div className="pe-field pe-grow">
              <label htmlFor={`${id}-${i}`}>Dimension {i + 1}</label>
              <input
                id={`${id}-${i}`}
                type="text"
                list={`${id}-fields`}
                placeholder="name, actor, source or props.<path>"
                value={dimension}
                onChange={(e) => onChange(dimensions.map((d, j) => (j === i ? e.target.value : d)))}
                {...invalidProps(`${id}-${i}-errors`, rowErrors)}
              />
              <FieldErrors id={`${id}-${i}-errors`} errors={rowErrors} />
            </div>
            <button type="button" className="pe-icon" aria-label={`Remove dimension ${i + 1}`} title="Remove dimension" onClick={() => onChange(dimensions.filter((_, j) => j !== i))}>
              ×
            </button>
          </div>
        );
      })}
      <button type="button" onClick={() => onChange([...dimensions, ''])} disabled={dimensions.length >= MAX_DIMENSIONS}>
        Add dimension
      </button>
      <FieldErrors id={`${id}-errors`} errors={listErrors} />
    </fieldset>
  );
}
