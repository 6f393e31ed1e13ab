import { Type } from 'typebox';
import { UserCreateBody, UserPatchBody } from '@sightline/protocol';
import type { FastifyInstance } from 'fastify';
import type { UserService } from './service.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
type IdParams = { id: string };
const config = { permission: 'users:manage' } as const;

export function registerUserRoutes(app: FastifyInstance, deps: { users: UserService }): void {
  const { users } = deps;
  app.get('/v1/users', { config }, async () => ({ users: await users.list() }));

  app.post<{ Body: UserCreateBody }>('/v1/users', { schema: { body: UserCreateBody }, config }, async (request, reply) => {
    const user = await users.create(request.body);
    await request.audit('user.create', { target: `user:${user.id}`, details: { role: user.role } });
    return reply.code(201).send(user);
  });

  app.get<{ Params: IdParams }>('/v1/users/:id', { schema: { params: IdParams }, config }, async (request) => users.get(request.params.id));

  app.patch<{ Params: IdParams; Body: UserPatchBody }>(
    '/v1/users/:id',
    { schema: { params: IdParams, body: UserPatchBody }, config },
    async (request) => {
      const user = await users.update(request.params.id, request.body);
      const { password, ...changes } = request.body;
      await request.audit('user.update', { target: `user:${user.id}`, details: { ...changes, ...(password === undefined ? {} : { password_reset: true }) } });
      return user;
    },
  );

  app.delete<{ Params: IdParams }>('/v1/users/:id', { schema: { params: IdParams }, config }, async (request, reply) => {
    await users.remove(request.params.id);
    await request.audit('user.delete', { target: `user:${request.params.id}` });
    return reply.code(204).send();
  });
}
