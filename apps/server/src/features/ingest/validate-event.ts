import { Ajv, type ErrorObject } from 'ajv';
import { EVENT_LIMITS, EventInput, TIMESTAMP_PATTERN, pointerSegment, type ErrorDetail } from '@sightline/protocol';
import { v7 as uuidv7 } from 'uuid';
import type { ResolvedEvent } from '../../store/types.js';
import type { PiiBatch } from './pii.js';

const ajv = new Ajv({ allErrors: true, strict: true, removeAdditional: false, coerceTypes: false });
const checkShape = ajv.compile(EventInput);
const timestampPattern = new RegExp(TIMESTAMP_PATTERN);

/** Oldest event time accepted: older timestamps are almost always a unit mistake (seconds for ms). */
const MIN_TS = Date.UTC(1900, 0, 1);

export type EventCheck = { ok: true; event: ResolvedEvent } | { ok: false; errors: ErrorDetail[] };

/**
 * Validates one event of a batch and resolves its defaults. `base` is the event's JSON Pointer in
 * the batch as if it had been sent as {"events":[…]} (e.g. `/events/3`). `pii` rewrites the actor
 * and props by the rules of the event's source, before anything is stored.
 */
export function checkEvent(input: unknown, base: string, now: number, pii?: PiiBatch): EventCheck {
  if (!checkShape(input)) return { ok: false, errors: shapeErrors(base, checkShape.errors ?? []) };
  const event = input as EventInput;
  const errors: ErrorDetail[] = [];

  let ts = now;
  if (event.ts !== undefined) {
    const parsed = parseTimestamp(event.ts);
    if (typeof parsed === 'string') errors.push({ path: `${base}/ts`, message: parsed });
    else if (parsed > now + EVENT_LIMITS.futureMs) {
      errors.push({ path: `${base}/ts`, message: 'is more than 1 day in the future' });
    } else ts = parsed;
  }

  // PostgreSQL cannot store U+0000 in text or jsonb: refused on both tiers, so that an event the
  // embedded tier takes is never one the production tier would lose on restore.
  for (const field of ['id', 'source', 'name', 'actor'] as const) {
    const text = event[field];
    if (typeof text === 'string' && text.includes('\u0000')) errors.push({ path: `${base}/${field}`, message: NUL_MESSAGE });
  }
  const nulAt = event.props == null ? undefined : nulPath(event.props, `${base}/props`);
  if (nulAt !== undefined) errors.push({ path: nulAt, message: NUL_MESSAGE });

  let props: string | null = null;
  if (event.props !== undefined && event.props !== null) {
    props = JSON.stringify(event.props);
    // The limit is on what the client sent, whether or not PII rules make it longer (hashes) or shorter.
    if (Buffer.byteLength(props) > EVENT_LIMITS.propsBytes) {
      errors.push({ path: `${base}/props`, message: `is larger than ${EVENT_LIMITS.propsBytes} bytes as JSON` });
    }
  }

  if (errors.length > 0) return { ok: false, errors };
  let actor = event.actor ?? null;
  const rules = pii?.forSource(event.source);
  if (pii && rules) {
    // The shape check above made props a plain object (or null).
    const given = (event.props ?? null) as Record<string, unknown> | null;
    const rewritten = rules.apply(actor, given, pii.hash);
    actor = rewritten.actor;
    if (rewritten.props !== given) props = rewritten.props === null ? null : JSON.stringify(rewritten.props);
  }
  return {
    ok: true,
    event: {
      id: event.id ?? uuidv7(),
      source: event.source,
      name: event.name,
      ts,
      actor,
      value: event.value ?? null,
      props,
    },
  };
}

const NUL_MESSAGE = 'holds the character U+0000 (NUL), which is not stored';

/** The JSON Pointer of the first key or string value holding U+0000, or undefined. */
function nulPath(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const at = `${path}/${pointerSegment(key)}`;
    if (key.includes('\u0000')) return at;
    const found = nulPath(inner, at);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Epoch ms, or a message saying why the value is not an acceptable time. */
function parseTimestamp(ts: string | number): number | string {
  let ms: number;
  if (typeof ts === 'number') {
    ms = ts;
  } else {
    if (!timestampPattern.test(ts)) {
      return 'must be an ISO-8601 date-time with Z or an offset (e.g. 2026-03-01T12:00:00Z), or epoch milliseconds';
    }
    ms = Date.parse(ts);
  }
  if (!Number.isFinite(ms)) return 'is not a valid date-time';
  if (ms < MIN_TS) return 'is before 1900-01-01 (epoch milliseconds expected, not seconds)';
  // Stored with millisecond precision.
  return Math.floor(ms);
}

/** Turns Ajv's errors into one clear message per field. */
function shapeErrors(base: string, raw: readonly ErrorObject[]): ErrorDetail[] {
  const byPath = new Map<string, string>();
  const typesByPath = new Map<string, string[]>();
  for (const error of raw) {
    let path = base + error.instancePath;
    let message: string;
    switch (error.keyword) {
      case 'required':
        path = `${base}/${pointerSegment(String(error.params.missingProperty))}`;
        message = 'is required';
        break;
      case 'additionalProperties':
        path = `${base}/${pointerSegment(String(error.params.additionalProperty))}`;
        message = 'is not a known event field (id, source, name, ts, actor, value, props)';
        break;
      case 'type': {
        const types = typesByPath.get(path) ?? [];
        types.push(String(error.params.type));
        typesByPath.set(path, types);
        message = `must be ${types.join(' or ')}`;
        byPath.set(path, message);
        continue;
      }
      case 'anyOf':
        continue; // the per-branch type errors above say it better
      case 'pattern':
        message = error.instancePath.endsWith('/source')
          ? 'must be 1–64 characters of a-z, 0-9, _ or -'
          : `must match ${String(error.params.pattern)}`;
        break;
      default:
        message = error.message ?? 'is not valid';
    }
    if (!byPath.has(path)) byPath.set(path, message);
  }
  if (byPath.size === 0) byPath.set(base, 'must be an object');
  return [...byPath].map(([path, message]) => ({ path, message }));
}
