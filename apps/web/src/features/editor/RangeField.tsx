import { useId } from 'react';
import type { ErrorDetail, Range } from '@sightline/sdk';
import { errorsAt } from './field-errors';
import { FieldErrors } from './FieldErrors';
import { TextField } from './TextField';

interface RangeFieldProps {
  range: Range | undefined;
  timezone: string | undefined;
  onRange: (range: Range | undefined) => void;
  onTimezone: (timezone: string | undefined) => void;
  errors: readonly ErrorDetail[];
}

type Mode = 'dashboard' | 'last' | 'between';
const LAST_SUGGESTIONS = ['1h', '24h', '7d', '30d', '90d', '365d'];
const DAY_MS = 86_400_000;

function modeOf(range: Range | undefined): Mode {
  if (range === undefined || range === null || typeof range !== 'object') return 'dashboard';
  return 'last' in range ? 'last' : 'between';
}

/** The panel's own range; without one the query has none and the dashboard's range applies. */
export function RangeField({ range, timezone, onRange, onTimezone, errors }: RangeFieldProps) {
  const id = useId();
  const mode = modeOf(range);
  const rangeErrors = errorsAt(errors, '/range', ['/range/last', '/range/from', '/range/to']);

  const setMode = (next: Mode) => {
    if (next === 'dashboard') onRange(undefined);
    else if (next === 'last') onRange({ last: '7d' });
    else {
      const now = Date.now();
      onRange({ from: new Date(now - 7 * DAY_MS).toISOString(), to: new Date(now).toISOString() });
    }
  };

  return (
    <fieldset className="pe-group">
      <legend>Time</legend>
      <div className="pe-row">
        <div className="pe-field">
          <label htmlFor={`${id}-mode`}>Range</label>
          <select id={`${id}-mode`} value={mode} onChange={(e) => setMode(e.target.value as Mode)}>
            <option value="dashboard">The dashboard&apos;s range</option>
            <option value="last">The last…</option>
            <option value="between">Between two times</option>
          </select>
        </div>
        {range && 'last' in range && (
          <>
            <datalist id={`${id}-last`}>
              {LAST_SUGGESTIONS.map((d) => (
                <option key={d} value={d} />
              ))}
            </datalist>
            <TextField id={`${id}-last-input`} label="Duration" value={range.last ?? ''} placeholder="30d" list={`${id}-last`} onChange={(last) => onRange({ last })} errors={errorsAt(errors, '/range/last')} />
          </>
        )}
        {range && 'from' in range && (
          <>
            <TextField id={`${id}-from`} label="From" value={range.from ?? ''} placeholder="2026-03-01T00:00:00Z" onChange={(from) => onRange({ ...range, from })} errors={errorsAt(errors, '/range/from')} />
            <TextField id={`${id}-to`} label="To" value={range.to ?? ''} placeholder="2026-04-01T00:00:00Z" onChange={(to) => onRange({ ...range, to })} errors={errorsAt(errors, '/range/to')} />
          </>
        )}
        <TextField
          id={`${id}-tz`}
          label="Time zone"
          value={timezone ?? ''}
          placeholder="the dashboard's"
          onChange={(tz) => onTimezone(tz === '' ? undefined : tz)}
          errors={errorsAt(errors, '/timezone')}
        />
      </div>
      <FieldErrors id={`${id}-errors`} errors={rangeErrors} />
    </fieldset>
  );
}
