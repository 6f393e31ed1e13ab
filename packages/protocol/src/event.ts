import { Type, type Static } from 'typebox';

/** SPEC.md §1. The limits are part of the public contract. */
export const EVENT_LIMITS = {
  idLength: 64,
  nameLength: 128,
  actorLength: 256,
  propsBytes: 32 * 1024,
  /** An event may be at most this far in the future. */
  futureMs: 24 * 60 * 60 * 1000,
} as const;

export const SOURCE_PATTERN = '^[a-z0-9_-]{1,64}$';

/** ISO-8601 date-time that carries `Z` or an explicit offset; a local time is never guessed. */
export const TIMESTAMP_PATTERN =
  '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|z|[+-]\\d{2}:?\\d{2})$';

export const EventInput = Type.Object(
  {
    id: Type.Optional(Type.String({ minLength: 1, maxLength: EVENT_LIMITS.idLength })),
    source: Type.String({ pattern: SOURCE_PATTERN }),
    name: Type.String({ minLength: 1, maxLength: EVENT_LIMITS.nameLength }),
    ts: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    actor: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: EVENT_LIMITS.actorLength }), Type.Null()])),
    value: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    props: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type EventInput = Static<typeof EventInput>;

/** An event as stored: every field resolved, `ts` in epoch milliseconds (UTC). */
export interface StoredEvent {
  id: string;
  source: string;
  name: string;
  ts: number;
  actor: string | null;
  value: number | null;
  props: Record<string, unknown> | null;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
}
