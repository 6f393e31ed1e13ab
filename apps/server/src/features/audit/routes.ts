import { Type } from 'typebox';
import { AUDIT_OUTCOMES, type AuditEntry } from '@sightline/protocol';
import type { FastifyInstance } from 'fastify';
import type { StoredAuditEntry } from '../../store/types.js';
import type { AuditLog } from './audit-log.js';

const AuditQuery = Type.Object(
  {
    actor: Type.Optional(Type.String({ maxLength: 200 })),
    /** An exact action, or a prefix ending in a dot (`auth.`). */
    action: Type.Optional(Type.String({ maxLength: 100 })),
    target: Type.Optional(Type.String({ maxLength: 300 })),
    outcome: Type.Optional(Type.Union(AUDIT_OUTCOMES.map((o) => Type.Literal(o)))),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    /** The `next_cursor` of the page before. */
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })),
  },
  { additionalProperties: false },
);
interface AuditQuery {
  actor?: string;
  action?: string;
  target?: string;
  outcome?: StoredAuditEntry['outcome'];
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

function publicEntry(e: StoredAuditEntry): AuditEntry & { prev_hash: string; hash: string } {
  return {
    seq: e.seq,
    at: new Date(e.at).toISOString(),
    actor: e.actor,
    action: e.action,
    target: e.target,
    outcome: e.outcome,
    request_id: e.requestId,
    ip: e.ip,
    details: e.details,
    prev_hash: e.prevHash,
    hash: e.hash,
  };
}

export function registerAuditRoutes(app: FastifyInstance, deps: { audit: AuditLog }): void {
  const config = { permission: 'audit:read' } as const;
  app.get<{ Querystring: AuditQuery }>('/v1/audit', { schema: { querystring: AuditQuery }, config }, async (request) => {
    const q = request.query;
    const limit = q.limit ?? 100;
    const entries = await deps.audit.list(
      {
        actor: q.actor,
        action: q.action,
        target: q.target,
        outcome: q.outcome,
        from: q.from === undefined ? undefined : Date.parse(q.from),
        to: q.to === undefined ? undefined : Date.parse(q.to),
        beforeSeq: q.cursor === undefined ? undefined : Number(q.cursor),
      },
      limit,
    );
    const last = entries.at(-1);
    return { entries: entries.map(publicEntry), next_cursor: entries.length === limit && last ? String(last.seq) : null };
  });
  app.get('/v1/audit/verify', { config }, async () => deps.audit.verify());
}
