import { useId } from 'react';

interface QueryJsonFieldProps {
  text: string;
  error: string | null;
  onChange: (text: string) => void;
  /** Back to the JSON of the last valid query. */
  onRevert: () => void;
}

/** The draft query as JSON: what the form builds, and a way to write what the form cannot. */
export function QueryJsonField({ text, error, onChange, onRevert }: QueryJsonFieldProps) {
  const id = useId();
  return (
    <div className="pe-field pe-json">
      <label htmlFor={`${id}-json`}>Query JSON</label>
      <textarea
        id={`${id}-json`}
        value={text}
        rows={14}
        spellCheck={false}
        autoCapitalize="off"
        autoCorrect="off"
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error !== null || undefined}
        aria-describedby={error !== null ? `${id}-error` : undefined}
      />
      {error !== null && (
        <div className="pe-row">
          <p className="pe-error pe-grow" id={`${id}-error`} role="alert">
            Invalid JSON: {error}
          </p>
          <button type="button" onClick={onRevert}>
            Undo JSON edits
          </button>
        </div>
      )}
    </div>
  );
}
