import { Type } from 'typebox';
import { ROLE_NAME_PATTERN, RoleBody } from '@sightline/protocol';
import type { FastifyInstance } from 'fastify';
import type { RoleService } from './service.js';

const NameParams = Type.Object({ name: Type.String({ pattern: ROLE_NAME_PATTERN }) });
type NameParams = { name: string };
const config = { permission: 'roles:manage' } as const;

export function registerRoleRoutes(app: FastifyInstance, deps: { roles: RoleService }): void {
  const { roles } = deps;
  app.get('/v1/roles', { config }, async () => ({ roles: await roles.list() }));
  app.get<{ Params: NameParams }>('/v1/roles/:name', { schema: { params: NameParams }, config }, async (request) => roles.get(request.params.name));
  app.put<{ Params: NameParams; Body: RoleBody }>(
    '/v1/roles/:name',
    { schema: { params: NameParams, body: RoleBody }, config },
    async (request, reply) => {
      const { created, role } = await roles.put(request.params.name, request.body);
      await request.audit(created ? 'role.create' : 'role.update', { target: `role:${role.name}`, details: { grants: role.grants } });
      return reply.code(created ? 201 : 200).send(role);
    },
  );
  app.delete<{ Params: NameParams }>('/v1/roles/:name', { schema: { params: NameParams }, config }, async (request, reply) => {
    await roles.remove(request.params.name);
    await request.audit('role.delete', { target: `role:${request.params.name}` });
    return reply.code(204).send();
  });
}
