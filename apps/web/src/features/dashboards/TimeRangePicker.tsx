import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { Range } from '@sightline/sdk';
import { isoToLocalInput, RANGE_PRESETS, rangeLabel, validateCustomRange } from './time-range';

export interface TimeRangePickerProps {
  /** The range in force (the view's, else the dashboard's). */
  value: Range;
  onChange: (range: Range) => void;
  /** The dashboard's time zone: custom times are read and shown in it. */
  timezone?: string;
}

/** Presets (last 1 h … 90 d) and a custom from/to, in a popover opened by a button. */
export function TimeRangePicker({ value, onChange, timezone }: TimeRangePickerProps) {
  const [open, setOpen] = useState(false);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [error, setError] = useState<string | undefined>();
  const ids = { pop: useId(), from: useId(), to: useId(), error: useId() };
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    if ('from' in value) {
      setFrom(isoToLocalInput(value.from, timezone));
      setTo(isoToLocalInput(value.to, timezone));
    } else {
      const now = new Date();
      setTo(isoToLocalInput(now.toISOString(), timezone));
      setFrom(isoToLocalInput(new Date(now.getTime() - 24 * 3600_000).toISOString(), timezone));
    }
    setError(undefined);
    const onPointer = (e: PointerEvent) => {
      if (!rootRef.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointer);
    return () => document.removeEventListener('pointerdown', onPointer);
  }, [open, value, timezone]);

  function choose(range: Range) {
    onChange(range);
    setOpen(false);
    buttonRef.current?.focus();
  }

  function onApply(event: FormEvent) {
    event.preventDefault();
    const result = validateCustomRange(from, to, timezone);
    if ('error' in result) setError(result.error);
    else choose(result.range);
  }

  const current = 'last' in value ? value.last : undefined;
  return (
    <div
      className="range-picker"
      ref={rootRef}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && open) {
          e.stopPropagation();
          setOpen(false);
          buttonRef.current?.focus();
        }
      }}
    >
      <button ref={buttonRef} type="button" className="btn" aria-expanded={open} aria-controls={open ? ids.pop : undefined} aria-label={`Time range: ${rangeLabel(value, timezone)}`} onClick={() => setOpen((o) => !o)}>
        <ClockIcon /> {rangeLabel(value, timezone)}
      </button>
      {open && (
        <div id={ids.pop} className="popover range-popover" role="group" aria-label="Time range">
          <div className="range-presets">
            {RANGE_PRESETS.map((p) => (
              <button key={p.last} type="button" className="btn btn-ghost" aria-pressed={current === p.last} onClick={() => choose({ last: p.last })}>
                {p.label}
              </button>
            ))}
          </div>
          <form className="range-custom" onSubmit={onApply} noValidate>
            <p className="field-hint">Times in {timezone ?? 'this browser’s time zone'}</p>
            <div className="field">
              <label htmlFor={ids.from}>From</label>
              <input id={ids.from} type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} aria-invalid={error !== undefined} aria-describedby={error !== undefined ? ids.error : undefined} />
            </div>
            <div className="field">
              <label htmlFor={ids.to}>To</label>
              <input id={ids.to} type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} aria-invalid={error !== undefined} aria-describedby={error !== undefined ? ids.error : undefined} />
            </div>
            {error !== undefined && (
              <p id={ids.error} className="field-error" role="alert">
                {error}
              </p>
            )}
            <button type="submit" className="btn btn-primary">
              Apply
            </button>
          </form>
        </div>
      )}
    </div>
  );
}

function ClockIcon() {
  return (
    <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <circle cx="8" cy="8" r="6.5" fill="none" stroke="currentColor" strokeWidth="1.5" />
      <path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
    </svg>
  );
}
