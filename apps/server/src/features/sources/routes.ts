import { Type } from 'typebox';
import { SOURCE_PATTERN, SourceCreateBody, SourcePatchBody } from '@sightline/protocol';
import type { FastifyInstance } from 'fastify';
import type { SourceChange, SourceService } from './service.js';

const IdParams = Type.Object({ id: Type.String({ pattern: SOURCE_PATTERN }) });
type IdParams = { id: string };
const read = { permission: 'sources:read' } as const;
const write = { permission: 'sources:write' } as const;

/** What the audit trail keeps of a change: which fields, the rules (paths and actions, no values), the rollup dimensions, never the secret. */
function auditDetails(change: SourceChange): Record<string, unknown> {
  return {
    fields: change.fields,
    ...(change.fields.includes('pii') ? { pii: change.source.pii } : {}),
    ...(change.fields.includes('rollup') ? { rollup: change.source.rollup } : {}),
    has_webhook_secret: change.source.has_webhook_secret,
  };
}

export function registerSourceRoutes(app: FastifyInstance, deps: { sources: SourceService }): void {
  const { sources } = deps;
  app.get('/v1/sources', { config: read }, async (request) => ({ sources: await sources.list(request.principal!.access) }));
  app.post<{ Body: SourceCreateBody }>('/v1/sources', { schema: { body: SourceCreateBody }, config: write }, async (request, reply) => {
    const change = await sources.create(request.principal!.access, request.body);
    await request.audit('source.create', { target: `source:${change.source.name}`, details: auditDetails(change) });
    return reply.code(201).send(change.source);
  });
  app.get<{ Params: IdParams }>('/v1/sources/:id', { schema: { params: IdParams }, config: read }, async (request) =>
    sources.get(request.principal!.access, request.params.id),
  );
  app.patch<{ Params: IdParams; Body: SourcePatchBody }>(
    '/v1/sources/:id',
    { schema: { params: IdParams, body: SourcePatchBody }, config: write },
    async (request) => {
      const change = await sources.update(request.principal!.access, request.params.id, request.body);
      await request.audit('source.update', { target: `source:${change.source.name}`, details: auditDetails(change) });
      return change.source;
    },
  );
  app.delete<{ Params: IdParams }>('/v1/sources/:id', { schema: { params: IdParams }, config: write }, async (request, reply) => {
    await sources.remove(request.principal!.access, request.params.id);
    await request.audit('source.delete', { target: `source:${request.params.id}` });
    return reply.code(204).send();
  });
}
