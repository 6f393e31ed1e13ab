import type { Interval } from '@sightline/sdk';

// Number and time formatting for panels. Units are the catalog's (`currency`, `percent`, `ratio`,
// `ms`, `count`, `number`); an unknown unit is shown after the number as is ("12.5 kg").

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const groupedInteger = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const currency = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const oneDecimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export const MISSING = '—';

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** A value for display: "$12,345.67", "12.3 %", "850 ms", "1.25 s", "12,345". Null is "—". */
export function formatValue(value: unknown, unit?: string): string {
  if (value === null || value === undefined) return MISSING;
  if (!isNumber(value)) return String(value);
  switch (unit) {
    case 'currency':
      return currency.format(value);
    case 'percent':
      return `${oneDecimal.format(value)} %`;
    case 'ratio':
      return `${oneDecimal.format(value * 100)} %`;
    case 'ms':
      return Math.abs(value) >= 1000 ? `${grouped.format(value / 1000)} s` : `${grouped.format(value)} ms`;
    case 'count':
      return groupedInteger.format(value);
    case undefined:
    case '':
    case 'number':
      return grouped.format(value);
    default:
      return `${grouped.format(value)} ${unit}`;
  }
}

const SUFFIXES: Array<[number, string]> = [
  [1e12, 'T'],
  [1e9, 'B'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/** A short number for axes and labels: 950, 12.3k, 4.5M; with the unit's sign ($12.3k, 45 %). */
export function formatCompact(value: unknown, unit?: string): string {
  if (value === null || value === undefined) return MISSING;
  if (!isNumber(value)) return String(value);
  if (unit === 'ratio') return `${compactNumber(value * 100)} %`;
  if (unit === 'percent') return `${compactNumber(value)} %`;
  if (unit === 'ms') return Math.abs(value) >= 1000 ? `${compactNumber(value / 1000)} s` : `${compactNumber(value)} ms`;
  const text = compactNumber(value);
  if (unit === 'currency') return value < 0 ? `-$${text.slice(1)}` : `$${text}`;
  return text;
}

function compactNumber(value: number): string {
  const abs = Math.abs(value);
  for (const [size, suffix] of SUFFIXES) {
    if (abs >= size) {
      const scaled = value / size;
      return `${Number(scaled.toFixed(Math.abs(scaled) >= 100 ? 0 : 1))}${suffix}`;
    }
  }
  if (abs === 0) return '0';
  if (abs < 1) return String(Number(value.toPrecision(2)));
  return String(Number(value.toFixed(abs >= 100 ? 0 : 1)));
}

/** A relative change as "+4.2 %" / "−3.0 %" (the fraction 0.042 → "+4.2 %"). */
export function formatChange(change: number): string {
  const text = oneDecimal.format(Math.abs(change * 100));
  return `${change > 0 ? '+' : change < 0 ? '−' : '±'}${text} %`;
}

/** The offset of an ISO time with offset (`…+05:30`, `…Z`) in minutes east of UTC. */
export function offsetMinutes(iso: string): number {
  const match = /(?:([+-])(\d{2}):?(\d{2})|Z)$/.exec(iso);
  if (!match || !match[1]) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * The wall-clock parts of an instant at a fixed offset: the answer's time zone, not the browser's,
 * so that a bucket labelled "Mar 29" is the day the query meant.
 */
function wallClock(ms: number, offset: number) {
  const d = new Date(ms + offset * 60_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth(), day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes() };
}

/** A short label for a bucket start per interval: "14:05", "Mar 29", "Mar 2026". */
export function formatTimeAt(ms: number, offset: number, interval?: Interval): string {
  const w = wallClock(ms, offset);
  switch (interval) {
    case 'minute':
    case 'hour':
      return w.hour === 0 && w.minute === 0 ? `${MONTHS[w.month]} ${w.day}` : `${pad(w.hour)}:${pad(w.minute)}`;
    case 'month':
      return `${MONTHS[w.month]} ${w.year}`;
    case 'day':
    case 'week':
      return `${MONTHS[w.month]} ${w.day}`;
    default:
      return `${MONTHS[w.month]} ${w.day} ${pad(w.hour)}:${pad(w.minute)}`;
  }
}

/** A bucket's label for tooltips: "Mar 29 14:05", "Mar 29, 2026", "Mar 2026". */
export function formatBucketAt(ms: number, offset: number, interval?: Interval): string {
  const w = wallClock(ms, offset);
  if (interval === 'month') return `${MONTHS[w.month]} ${w.year}`;
  if (interval === 'day' || interval === 'week') return `${MONTHS[w.month]} ${w.day}, ${w.year}`;
  return `${MONTHS[w.month]} ${w.day} ${pad(w.hour)}:${pad(w.minute)}`;
}

/** A full label for tooltips and tables: "2026-03-29 14:00" in the time's own offset. */
export function formatTimeFull(iso: string, interval?: Interval): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const w = wallClock(ms, offsetMinutes(iso));
  const date = `${w.year}-${pad(w.month + 1)}-${pad(w.day)}`;
  if (interval === 'day' || interval === 'week') return date;
  if (interval === 'month') return `${MONTHS[w.month]} ${w.year}`;
  return `${date} ${pad(w.hour)}:${pad(w.minute)}`;
}
