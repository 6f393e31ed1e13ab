import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { EVENT_LIMITS, type ErasureResult } from '@sightline/protocol';
import type { FastifyInstance } from 'fastify';
import type { PrivacyService } from './service.js';

const ActorParams = Type.Object({ actor: Type.String({ minLength: 1, maxLength: EVENT_LIMITS.actorLength }) });
type ActorParams = { actor: string };

const options = {
  schema: { params: ActorParams },
  config: { permission: 'privacy:manage' },
} as const;

export function registerPrivacyRoutes(app: FastifyInstance, deps: { privacy: PrivacyService }): void {
  const { privacy } = deps;
  app.get<{ Params: ActorParams }>('/v1/privacy/subjects/:actor', options, async (request, reply) => {
    const { actor } = request.params;
    // Recorded before anything is sent: an export cut short has still disclosed data.
    await request.audit('privacy.export', { target: privacy.auditTarget(actor) });
    return reply.type('application/x-ndjson').send(Readable.from(privacy.exportSubject(request.principal!.access, actor)));
  });
  app.delete<{ Params: ActorParams }>('/v1/privacy/subjects/:actor', options, async (request): Promise<ErasureResult> => {
    const { actor } = request.params;
    const erased = await privacy.eraseSubject(request.principal!.access, actor);
    await request.audit('privacy.erase', { target: privacy.auditTarget(actor), details: { erased } });
    return { erased };
  });
}
