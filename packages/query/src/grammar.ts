/**
 * The identifier grammar of docs/query-language.md. Nothing that fails these checks reaches the
 * compiler; what passes is still never pasted into SQL except props path segments (see dialect).
 */
import { SOURCE_PATTERN } from '@sightline/protocol';

export const SOURCE_RE = new RegExp(SOURCE_PATTERN);
export const NAME_RE = /^[a-z][a-z0-9_]{0,63}$/;
export const PATH_SEGMENT_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const MAX_PATH_SEGMENTS = 8;

export type ColumnField = 'name' | 'actor' | 'source' | 'value';

/** A validated field: a column of the events table or a path inside `props`. */
export type Field = { kind: 'column'; column: ColumnField } | { kind: 'prop'; path: readonly string[] };

export function fieldLabel(field: Field): string {
  return field.kind === 'column' ? field.column : `props.${field.path.join('.')}`;
}

/** Parses `name`, `actor`, `source`, `value` or `props.<path>`; undefined when it is none of them. */
export function parseField(text: unknown): Field | undefined {
  if (typeof text !== 'string') return undefined;
  if (text === 'name' || text === 'actor' || text === 'source' || text === 'value') return { kind: 'column', column: text };
  if (!text.startsWith('props.')) return undefined;
  const path = text.slice('props.'.length).split('.');
  if (path.length < 1 || path.length > MAX_PATH_SEGMENTS) return undefined;
  if (!path.every((s) => PATH_SEGMENT_RE.test(s))) return undefined;
  return { kind: 'prop', path };
}

export const FIELD_RULE =
  'must be name, actor, source, value or props.<path> (1-8 segments of [A-Za-z_][A-Za-z0-9_]{0,63} joined by ".")';
export const DIMENSION_RULE =
  'must be name, actor, source or props.<path> (1-8 segments of [A-Za-z_][A-Za-z0-9_]{0,63} joined by ".")';

/** A name a client may give a column or a metric. */
export function nameProblem(text: unknown): string | undefined {
  if (typeof text !== 'string' || !NAME_RE.test(text)) return 'must match [a-z][a-z0-9_]{0,63}';
  if (text === 'time' || text === 'step') return `"${text}" is reserved`;
  if (text.endsWith('_previous')) return 'may not end in "_previous" (reserved for compare columns)';
  return undefined;
}

const DURATION_RE = /^([1-9][0-9]{0,9})([smhdw])$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
export const DAY_MS = 86_400_000;
export const MAX_SPAN_MS = 3660 * DAY_MS;
export const DURATION_RULE = 'must be <integer><unit> with unit s, m, h, d or w (e.g. 30d), from 1s to 3660d';

/** Milliseconds of a duration such as `30d`, or undefined when it is not one (or out of bounds). */
export function parseDuration(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const match = DURATION_RE.exec(text);
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return ms >= 1000 && ms <= MAX_SPAN_MS ? ms : undefined;
}

let zones: ReadonlySet<string> | undefined;
/** The shape of an IANA name (`Asia/Kolkata`, `America/Argentina/Buenos_Aires`, `EST5EDT`), checked before Intl sees it. */
const ZONE_NAME_RE = /^[A-Z][A-Za-z0-9_+-]{0,29}(?:\/[A-Z][A-Za-z0-9_+-]{0,29}){0,2}$/;
/**
 * The allow-list of time zones: the runtime's IANA names plus `UTC`, and the IANA names the runtime
 * knows as aliases of one of them. `Intl.supportedValuesOf` lists ICU's canonical IDs, which for some
 * zones are the old names (`Asia/Calcutta`, `Asia/Katmandu`, `Europe/Kiev`), so the current IANA
 * names (`Asia/Kolkata`, …) are resolved through Intl (not cached: the text comes from clients).
 */
export function isTimeZone(text: unknown): text is string {
  zones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
  if (typeof text !== 'string') return false;
  if (zones.has(text)) return true;
  if (!ZONE_NAME_RE.test(text)) return false;
  let canonical: string;
  try {
    canonical = new Intl.DateTimeFormat('en-US', { timeZone: text }).resolvedOptions().timeZone;
  } catch {
    return false;
  }
  return zones.has(canonical);
}

const INSTANT_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}:?\d{2})$/;

/** Epoch ms of an ISO-8601 date-time that carries `Z` or an offset; undefined otherwise. */
export function parseInstant(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = INSTANT_RE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '0', frac = '0', zone] = m;
  const fields = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s)];
  const [year, month, day, hour, minute, second] = fields;
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, Math.floor(Number(`0.${frac}`) * 1000));
  // Date.UTC rolls 31 April over to 1 May; reject instead of guessing.
  if (new Date(local).getUTCDate() !== day) return undefined;
  let offsetMin = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const digits = zone.replace(':', '');
    const oh = Number(digits.slice(1, 3));
    const om = Number(digits.slice(3, 5));
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (oh * 60 + om) * (zone.startsWith('-') ? -1 : 1);
  }
  return local - offsetMin * 60_000;
}
