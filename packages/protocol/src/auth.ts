import { Type, type Static } from 'typebox';
import { SOURCE_PATTERN } from './event.js';

// Accounts, roles, API keys and the audit trail (SPEC.md §2 and §5). Request bodies are schemas
// (validated by the server, unknown fields refused); answers are plain types.

export const BUILTIN_ROLES = ['admin', 'editor', 'viewer'] as const;
export type BuiltinRole = (typeof BUILTIN_ROLES)[number];

export const ROLE_NAME_PATTERN = '^[a-z][a-z0-9_-]{0,63}$';
export const EMAIL_MAX_LENGTH = 254;
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

export const KEY_SCOPES = ['ingest', 'read', 'admin'] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

const Email = Type.String({ minLength: 3, maxLength: EMAIL_MAX_LENGTH, pattern: '^[^\\s@]+@[^\\s@]+$' });
const Password = Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH });
const RoleName = Type.String({ pattern: ROLE_NAME_PATTERN });
/** A source name, or `*` for every source. */
const SourceOrAll = Type.String({ pattern: `^(?:${SOURCE_PATTERN.slice(1, -1)}|\\*)$` });

export const LoginBody = Type.Object({ email: Type.String({ minLength: 1, maxLength: EMAIL_MAX_LENGTH }), password: Password }, { additionalProperties: false });
export type LoginBody = Static<typeof LoginBody>;

export const RefreshBody = Type.Object({ refresh_token: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false });
export type RefreshBody = Static<typeof RefreshBody>;

export const PasswordChangeBody = Type.Object(
  { current_password: Password, new_password: Password },
  { additionalProperties: false },
);
export type PasswordChangeBody = Static<typeof PasswordChangeBody>;

export interface TokenAnswer {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  /** Seconds until the access token expires. */
  expires_in: number;
  /** Present and true when the password is a one-time password that must be changed first. */
  password_change_required?: boolean;
}

export const UserCreateBody = Type.Object(
  {
    email: Email,
    password: Password,
    role: RoleName,
    /** The password is a one-time password its owner must change at first login. */
    must_change_password: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type UserCreateBody = Static<typeof UserCreateBody>;

export const UserPatchBody = Type.Object(
  { role: Type.Optional(RoleName), disabled: Type.Optional(Type.Boolean()), password: Type.Optional(Password) },
  { additionalProperties: false, minProperties: 1 },
);
export type UserPatchBody = Static<typeof UserPatchBody>;

export interface User {
  id: string;
  email: string;
  role: string;
  disabled: boolean;
  must_change_password: boolean;
  created_at: string;
  last_login_at: string | null;
}

export const SourceGrant = Type.Object(
  { source: SourceOrAll, access: Type.Union([Type.Literal('read'), Type.Literal('write')]) },
  { additionalProperties: false },
);
export type SourceGrant = Static<typeof SourceGrant>;

/** A custom role: read or write per source (write includes read). */
export const RoleBody = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: 500 })),
    grants: Type.Array(SourceGrant, { maxItems: 200 }),
  },
  { additionalProperties: false },
);
export type RoleBody = Static<typeof RoleBody>;

export interface Role {
  name: string;
  description: string;
  builtin: boolean;
  grants: SourceGrant[];
}

export const KeyCreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scopes: Type.Array(Type.Union([Type.Literal('ingest'), Type.Literal('read'), Type.Literal('admin')]), { minItems: 1, maxItems: 3, uniqueItems: true }),
    sources: Type.Array(SourceOrAll, { minItems: 1, maxItems: 200, uniqueItems: true }),
    expires_in_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  },
  { additionalProperties: false },
);
export type KeyCreateBody = Static<typeof KeyCreateBody>;

export interface ApiKey {
  id: string;
  name: string;
  /** The visible start of the key (`sl_<id>_`), to recognise it in lists and logs. */
  prefix: string;
  scopes: KeyScope[];
  sources: string[];
  created_by: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** `POST /v1/keys` answers this once: `key` is never shown again. */
export interface ApiKeyCreated extends ApiKey {
  key: string;
}

export const AUDIT_OUTCOMES = ['success', 'failure', 'denied'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

export interface AuditEntry {
  seq: number;
  at: string;
  /** `user:<id>`, `key:<id>`, `cli:<os user>`, `anonymous` or `system`. */
  actor: string;
  action: string;
  target: string | null;
  outcome: AuditOutcome;
  request_id: string | null;
  ip: string | null;
  details: Record<string, unknown> | null;
}
