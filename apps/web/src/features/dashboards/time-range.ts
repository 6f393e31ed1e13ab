import type { Range } from '@sightline/sdk';

export const RANGE_PRESETS: ReadonlyArray<{ last: string; label: string }> = [
  { last: '1h', label: 'Last 1 hour' },
  { last: '24h', label: 'Last 24 hours' },
  { last: '7d', label: 'Last 7 days' },
  { last: '30d', label: 'Last 30 days' },
  { last: '90d', label: 'Last 90 days' },
];

const UNITS: Record<string, [string, string]> = { s: ['second', 'seconds'], m: ['minute', 'minutes'], h: ['hour', 'hours'], d: ['day', 'days'], w: ['week', 'weeks'] };

/** "Last 30 days", "Last 90 minutes", or the absolute span. */
export function rangeLabel(range: Range): string {
  if ('last' in range) {
    const preset = RANGE_PRESETS.find((p) => p.last === range.last);
    if (preset !== undefined) return preset.label;
    const m = /^(\d+)([smhdw])$/.exec(range.last);
    if (m !== null) {
      const n = Number(m[1]);
      const unit = UNITS[m[2] as keyof typeof UNITS];
      if (unit !== undefined) return `Last ${n} ${n === 1 ? unit[0] : unit[1]}`;
    }
    return `Last ${range.last}`;
  }
  const fmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  return `${fmt.format(new Date(range.from))} – ${fmt.format(new Date(range.to))}`;
}

/** A `datetime-local` value (the browser's local time) as an ISO instant; undefined when not a time. */
export function localInputToIso(value: string): string | undefined {
  if (value === '') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** An ISO instant as a `datetime-local` value in the browser's local time. */
export function isoToLocalInput(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The check of a custom range: both times, and from before to. */
export function validateCustomRange(from: string, to: string): { range: Range } | { error: string } {
  const f = localInputToIso(from);
  const t = localInputToIso(to);
  if (f === undefined || t === undefined) return { error: 'Enter both a start and an end.' };
  if (new Date(f).getTime() >= new Date(t).getTime()) return { error: 'The start must be before the end.' };
  return { range: { from: f, to: t } };
}
