import type { AuditOutcome } from '@sightline/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { actorOf } from '../auth/principal.js';
import type { AuditLog } from './audit-log.js';

export interface RequestAuditOptions {
  target?: string | null;
  outcome?: AuditOutcome;
  details?: Record<string, unknown> | null;
  /** The actor when the request has no principal yet (a login names the account it tried). */
  actor?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Appends an audit entry for this request: its principal, request id and client address. */
    audit(action: string, options?: RequestAuditOptions): Promise<void>;
  }
}

export function registerRequestAudit(app: FastifyInstance, log: AuditLog): void {
  app.decorateRequest('audit', function (this: FastifyRequest, action: string, options: RequestAuditOptions = {}) {
    return log.record({
      actor: options.actor ?? actorOf(this.principal),
      action,
      target: options.target ?? null,
      outcome: options.outcome ?? 'success',
      requestId: this.id,
      ip: this.ip,
      details: options.details ?? null,
    });
  });
}
