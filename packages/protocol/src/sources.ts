import { Type, type Static } from 'typebox';
import { SOURCE_PATTERN } from './event.js';

// Sources and their PII rules (SPEC.md §1 "Source", §2, §5). Request bodies are schemas (validated
// by the server, unknown fields refused); answers are plain types.

export const PII_ACTIONS = ['hash', 'mask', 'drop'] as const;
export type PiiAction = (typeof PII_ACTIONS)[number];

/**
 * A PII rule's field: `actor`, or `props.<path>` with the path grammar of the query language
 * (1–8 segments of `[A-Za-z_][A-Za-z0-9_]{0,63}` joined by dots), so that a rule names exactly the
 * field a query would.
 */
export const PII_PATH_PATTERN = '^(actor|props\\.[A-Za-z_][A-Za-z0-9_]{0,63}(\\.[A-Za-z_][A-Za-z0-9_]{0,63}){0,7})$';
export const PII_PATH_RULE = 'must be actor or props.<path> (1-8 segments of [A-Za-z_][A-Za-z0-9_]{0,63} joined by ".")';
export const MAX_PII_RULES = 200;

export const SOURCE_LIMITS = {
  descriptionLength: 500,
  /** Retention is kept in days; 100 years is "forever" for any practical purpose. */
  maxRetentionDays: 36_500,
  webhookSecretMinLength: 16,
  webhookSecretMaxLength: 512,
} as const;

/**
 * Field → action. Paths and actions are checked by the server rule by rule (not by the schema), so
 * that every bad rule is reported with its own JSON Pointer (`/pii/props.a~1b`).
 */
const PiiRules = Type.Record(Type.String({ maxLength: 600 }), Type.String({ maxLength: 16 }), { maxProperties: MAX_PII_RULES });
const Description = Type.String({ maxLength: SOURCE_LIMITS.descriptionLength });
const RetentionDays = Type.Union([Type.Integer({ minimum: 1, maximum: SOURCE_LIMITS.maxRetentionDays }), Type.Null()]);
const WebhookSecret = Type.String({ minLength: SOURCE_LIMITS.webhookSecretMinLength, maxLength: SOURCE_LIMITS.webhookSecretMaxLength });
/**
 * Rollup dimensions (docs/rollups.md): at most 3 `props.<path>` fields, checked by the server one by
 * one (not by the schema) so that each bad one is reported at its own path (`/rollup/dimensions/1`).
 */
const RollupSpec = Type.Object({ dimensions: Type.Array(Type.String({ maxLength: 600 }), { maxItems: 16 }) }, { additionalProperties: false });

export const SourceCreateBody = Type.Object(
  {
    name: Type.String({ pattern: SOURCE_PATTERN }),
    description: Type.Optional(Description),
    /** Days events are kept; null or absent: kept until deleted. */
    retention_days: Type.Optional(RetentionDays),
    pii: Type.Optional(PiiRules),
    /** Verifies signed webhooks of this source; stored encrypted, never shown again. */
    webhook_secret: Type.Optional(WebhookSecret),
    /** Props fields the source's rollups are kept by, so queries grouping or filtering by them use rollups. */
    rollup: Type.Optional(RollupSpec),
  },
  { additionalProperties: false },
);
export type SourceCreateBody = Static<typeof SourceCreateBody>;

/** A partial change: absent fields stay; `pii` replaces the whole rule set; `webhook_secret: null` removes it. */
export const SourcePatchBody = Type.Object(
  {
    description: Type.Optional(Description),
    retention_days: Type.Optional(RetentionDays),
    pii: Type.Optional(PiiRules),
    webhook_secret: Type.Optional(Type.Union([WebhookSecret, Type.Null()])),
    /** Replaces the declared dimensions (the source's rollups are rebuilt). */
    rollup: Type.Optional(RollupSpec),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type SourcePatchBody = Static<typeof SourcePatchBody>;

export interface Source {
  name: string;
  description: string;
  retention_days: number | null;
  pii: Record<string, PiiAction>;
  /** The secret itself is never returned. */
  has_webhook_secret: boolean;
  /** Declared rollup dimensions (`props.<path>`, at most 3). */
  rollup: { dimensions: string[] };
  created_at: string;
  updated_at: string;
}

/** One event of a privacy export (`GET /v1/privacy/subjects/:actor`, one per NDJSON line). */
export interface SubjectEvent {
  id: string;
  source: string;
  name: string;
  /** ISO-8601, UTC. */
  ts: string;
  actor: string | null;
  value: number | null;
  props: Record<string, unknown> | null;
}

export interface ErasureResult {
  erased: number;
}
