import { useId, useState } from 'react';
import type { ErrorDetail, SourceSummary } from '@sightline/sdk';
import { FieldErrors } from './FieldErrors';

interface SourcesFieldProps {
  selected: string[];
  sources: SourceSummary[];
  onChange: (selected: string[]) => void;
  errors: readonly ErrorDetail[];
}

/**
 * The registered sources as checkboxes, plus free entry: events may arrive in a source that was
 * never registered, and a query over it is still valid.
 */
export function SourcesField({ selected, sources, onChange, errors }: SourcesFieldProps) {
  const id = useId();
  const [other, setOther] = useState('');
  const names = [...sources.map((s) => s.name), ...selected.filter((name) => !sources.some((s) => s.name === name))];
  const describe = (name: string) => sources.find((s) => s.name === name)?.description;

  const toggle = (name: string, on: boolean) => onChange(on ? [...selected, name] : selected.filter((s) => s !== name));
  const addOther = () => {
    const name = other.trim();
    if (name === '') return;
    if (!selected.includes(name)) onChange([...selected, name]);
    setOther('');
  };

  return (
    <fieldset className="pe-group">
      <legend>Sources</legend>
      {names.length > 0 && (
        <div className="pe-checks">
          {names.map((name) => (
            <label key={name} className="pe-check" title={describe(name)}>
              <input type="checkbox" checked={selected.includes(name)} onChange={(e) => toggle(name, e.target.checked)} />
              {name}
            </label>
          ))}
        </div>
      )}
      <div className="pe-row">
        <label className="visually-hidden" htmlFor={`${id}-other`}>
          Another source
        </label>
        <input
          id={`${id}-other`}
          type="text"
          placeholder="another source"
          value={other}
          pattern="[a-z0-9_\-]{1,64}"
          onChange={(e) => setOther(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              addOther();
            }
          }}
        />
        <button type="button" onClick={addOther} disabled={other.trim() === ''}>
          Add source
        </button>
      </div>
      <FieldErrors id={`${id}-errors`} errors={errors} />
    </fieldset>
  );
}
