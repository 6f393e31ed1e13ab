import { Type } from 'typebox';
import { KeyCreateBody } from '@sightline/protocol';
import type { FastifyInstance } from 'fastify';
import type { KeyService } from './service.js';

const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{12}$' }) });
type IdParams = { id: string };
const config = { permission: 'keys:manage' } as const;

export function registerKeyRoutes(app: FastifyInstance, deps: { keys: KeyService }): void {
  const { keys } = deps;
  app.get('/v1/keys', { config }, async (request) => ({ keys: await keys.list(request.principal!) }));
  app.post<{ Body: KeyCreateBody }>('/v1/keys', { schema: { body: KeyCreateBody }, config }, async (request, reply) => {
    const created = await keys.create(request.principal!, request.body);
    await request.audit('key.create', { target: `key:${created.id}`, details: { scopes: created.scopes, sources: created.sources, expires_at: created.expires_at } });
    return reply.code(201).send(created);
  });
  app.get<{ Params: IdParams }>('/v1/keys/:id', { schema: { params: IdParams }, config }, async (request) => keys.get(request.principal!, request.params.id));
  app.delete<{ Params: IdParams }>('/v1/keys/:id', { schema: { params: IdParams }, config }, async (request, reply) => {
    await keys.revoke(request.principal!, request.params.id);
    await request.audit('key.revoke', { target: `key:${request.params.id}` });
    return reply.code(204).send();
  });
}
