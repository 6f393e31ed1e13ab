import type { Range } from '@sightline/sdk';

export const RANGE_PRESETS: ReadonlyArray<{ last: string; label: string }> = [
  { last: '1h', label: 'Last 1 hour' },
  { last: '24h', label: 'Last 24 hours' },
  { last: '7d', label: 'Last 7 days' },
  { last: '30d', label: 'Last 30 days' },
  { last: '90d', label: 'Last 90 days' },
];

const UNITS: Record<string, [string, string]> = { s: ['second', 'seconds'], m: ['minute', 'minutes'], h: ['hour', 'hours'], d: ['day', 'days'], w: ['week', 'weeks'] };

/** "Last 30 days", "Last 90 minutes", or the absolute span (in `zone`, the browser's when undefined). */
export function rangeLabel(range: Range, zone?: string): string {
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
  const fmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', ...(zone !== undefined ? { timeZone: zone } : {}) });
  return `${fmt.format(new Date(range.from))} – ${fmt.format(new Date(range.to))}`;
}

/**
 * How far `zone`'s wall clock is ahead of UTC at the instant `t` (ms), read off Intl: the offset
 * of that zone at that moment, DST included. `undefined` zone: the browser's own.
 */
function zoneOffsetMs(t: number, zone: string | undefined): number {
  if (zone === undefined) return -new Date(t).getTimezoneOffset() * 60_000;
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(new Date(t));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(t / 1000) * 1000;
}

/**
 * A `datetime-local` value, read as the wall-clock time of `zone` (the dashboard's time zone; the
 * browser's when undefined), as an ISO instant; undefined when not a time. A wall time that occurs
 * twice (clocks going back) is its first occurrence; one that never occurs (clocks going forward)
 * is moved by the gap, as the zone's clocks do.
 */
export function localInputToIso(value: string, zone?: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (m === null) return undefined;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  if (Number.isNaN(wall)) return undefined;
  // A zone's offset changes at most once around a given day: the offsets a day before and a day
  // after give every instant that can read back as this wall time.
  const before = wall - zoneOffsetMs(wall - 86_400_000, zone);
  const after = wall - zoneOffsetMs(wall + 86_400_000, zone);
  const candidates = [before, after].filter((t) => t + zoneOffsetMs(t, zone) === wall).sort((a, b) => a - b);
  return new Date(candidates[0] ?? before).toISOString();
}

/** An ISO instant as a `datetime-local` value: the wall-clock time of `zone` (the browser's when undefined). */
export function isoToLocalInput(iso: string, zone?: string): string {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '';
  return new Date(t + zoneOffsetMs(t, zone)).toISOString().slice(0, 16);
}

/** The check of a custom range: both times, and from before to. */
export function validateCustomRange(from: string, to: string, zone?: string): { range: Range } | { error: string } {
  const f = localInputToIso(from, zone);
  const t = localInputToIso(to, zone);
  if (f === undefined || t === undefined) return { error: 'Enter both a start and an end.' };
  if (new Date(f).getTime() >= new Date(t).getTime()) return { error: 'The start must be before the end.' };
  return { range: { from: f, to: t } };
}
