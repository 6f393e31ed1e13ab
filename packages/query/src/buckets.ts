/**
 * Time buckets in the query's zone. The zone's UTC offsets over the queried span are computed here
 * (a handful of segments between DST changes), so the SQL buckets with integer arithmetic on epoch
 * milliseconds instead of a per-row time-zone conversion, and JS lists and labels the very same buckets.
 *
 * A bucket is identified by an integer key:
 * - `utc-unit` (minute/hour when every offset in the span is a whole number of units):
 *   floor(epoch_ms / unit); start = key × unit.
 * - `local-unit` (minute/hour otherwise): the instant the local unit began,
 *   epoch_ms − floormod(local_ms, unit), so the two 01:00 hours of a fall-back night differ.
 * - `day`: floor(local_ms / day), the local calendar day number.
 * - `week`: floor((local_ms + 3 days) / 7 days): ISO weeks (1970-01-01 was a Thursday).
 * - `month`: year × 12 + month − 1 of the local date.
 * where local_ms = epoch_ms + offset(epoch_ms).
 */
import type { Interval } from '@sightline/protocol';
import { DateTime, IANAZone } from 'luxon';
import { DAY_MS } from './grammar.js';
import type { Period } from './ir.js';

export const MAX_BUCKETS = 10_000;

/** `offsetMs` applies to instants before `until` (and from the previous segment's `until`). */
export interface OffsetSegment {
  until: number | null;
  offsetMs: number;
}

export type BucketMode = 'utc-unit' | 'local-unit' | 'day' | 'week' | 'month';

export interface BucketScheme {
  interval: Interval;
  zone: string;
  mode: BucketMode;
  unitMs: number;
  segments: readonly OffsetSegment[];
}

const zoneCache = new Map<string, IANAZone>();
function offsetAt(zone: string, t: number): number {
  if (zone === 'UTC') return 0;
  let z = zoneCache.get(zone);
  if (!z) zoneCache.set(zone, (z = IANAZone.create(zone)));
  return z.offset(t) * 60_000;
}

/** The zone's offsets over [from, to): transitions found by stepping and bisecting to the millisecond. */
export function offsetSegments(zone: string, span: Period): OffsetSegment[] {
  const segments: OffsetSegment[] = [];
  const step = 2 * DAY_MS; // real zones never change offset twice within two days
  let t = span.from;
  let current = offsetAt(zone, t);
  while (t < span.to) {
    const next = Math.min(t + step, span.to);
    const o = offsetAt(zone, next);
    if (o !== current) {
      let lo = t;
      let hi = next; // offset(lo) = current, offset(hi) ≠ current
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetAt(zone, mid) === current) lo = mid;
        else hi = mid;
      }
      segments.push({ until: hi, offsetMs: current });
      current = offsetAt(zone, hi);
      t = hi;
    } else t = next;
  }
  segments.push({ until: null, offsetMs: current });
  return segments;
}

const UNIT: Record<'minute' | 'hour', number> = { minute: 60_000, hour: 3_600_000 };

export function bucketScheme(interval: Interval, zone: string, span: Period): BucketScheme {
  const segments = offsetSegments(zone, span);
  if (interval === 'minute' || interval === 'hour') {
    const unitMs = UNIT[interval];
    const aligned = segments.every((s) => s.offsetMs % unitMs === 0);
    return { interval, zone, mode: aligned ? 'utc-unit' : 'local-unit', unitMs, segments };
  }
  return { interval, zone, mode: interval, unitMs: interval === 'week' ? 7 * DAY_MS : DAY_MS, segments };
}

const floorDiv = (a: number, b: number) => Math.floor(a / b);
const floorMod = (a: number, b: number) => ((a % b) + b) % b;

function segmentOffset(s: BucketScheme, t: number): number {
  for (const seg of s.segments) if (seg.until === null || t < seg.until) return seg.offsetMs;
  return 0;
}

/** The key of the bucket holding instant `t` (the same arithmetic as the SQL). */
export function bucketKey(s: BucketScheme, t: number): number {
  const local = t + segmentOffset(s, t);
  switch (s.mode) {
    case 'utc-unit':
      return floorDiv(t, s.unitMs);
    case 'local-unit':
      return t - floorMod(local, s.unitMs);
    case 'day':
      return floorDiv(local, DAY_MS);
    case 'week':
      return floorDiv(local + 3 * DAY_MS, 7 * DAY_MS);
    case 'month': {
      const d = new Date(local);
      return d.getUTCFullYear() * 12 + d.getUTCMonth();
    }
  }
}

/** The instant a bucket starts: for day, week and month the local midnight that starts it. */
export function bucketStart(s: BucketScheme, key: number): number {
  switch (s.mode) {
    case 'utc-unit':
      return key * s.unitMs;
    case 'local-unit': {
      // The key is where the local unit began at the offset of the key's instant. When the offset
      // changes inside the unit (a 30-minute DST shift), the bucket's wall-clock unit began at the
      // change: e.g. Lord Howe's 02:00+10:30 → 02:30+11:00 makes the 02:00 hour start at 02:30+11:00.
      if (bucketKey(s, key) === key) return key;
      for (const seg of s.segments) if (seg.until !== null && seg.until > key && bucketKey(s, seg.until) === key) return seg.until;
      return key;
    }
    case 'day':
      return localMidnight(s.zone, key * DAY_MS);
    case 'week':
      return localMidnight(s.zone, (key * 7 - 3) * DAY_MS);
    case 'month':
      return localMidnight(s.zone, Date.UTC(Math.floor(key / 12), floorMod(key, 12), 1));
  }
}

/** `civil` is the calendar date as a UTC midnight; a midnight lost to DST becomes the first instant of the day. */
function localMidnight(zone: string, civil: number): number {
  const d = new Date(civil);
  return DateTime.fromObject(
    { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() },
    { zone },
  ).toMillis();
}

/** The keys of every bucket from the one holding `from` to the one holding `to − 1 ms` (at most `cap`). */
export function bucketKeys(s: BucketScheme, period: Period, cap = Number.POSITIVE_INFINITY): number[] {
  const first = bucketKey(s, period.from);
  const last = bucketKey(s, period.to - 1);
  const keys: number[] = [];
  if (s.mode !== 'local-unit') {
    for (let k = first; k <= last && keys.length < cap; k++) keys.push(k);
    return keys;
  }
  let k = first;
  while (k <= last && keys.length < cap) {
    keys.push(k);
    let next = bucketKey(s, k + s.unitMs);
    if (next <= k) next = k + s.unitMs;
    k = next;
  }
  return keys;
}

export function listBuckets(interval: Interval, zone: string, period: Period, cap?: number): number[] {
  return bucketKeys(bucketScheme(interval, zone, period), period, cap);
}

/** `2026-03-29T00:00:00+01:00`: the offset always as ±HH:MM. */
export function formatInstant(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat("yyyy-MM-dd'T'HH:mm:ssZZ");
}
