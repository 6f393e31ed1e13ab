import { LoginBody, PasswordChangeBody, RefreshBody, type TokenAnswer } from '@sightline/protocol';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.js';
import type { UserStore } from '../../store/types.js';
import { RateLimitedError } from '../security/rate-limiter.js';
import type { LoginGuard } from '../security/login-guard.js';
import { normalizeEmail, type UserService } from '../users/service.js';
import { AuthenticationError } from './authenticator.js';
import { decoyHash, verifyPassword } from './passwords.js';
import type { Sessions } from './sessions.js';

export interface AuthRouteDeps {
  users: UserStore;
  userService: UserService;
  sessions: Sessions;
  loginGuard: LoginGuard;
}

const invalidCredentials = () => new AuthenticationError('invalid_token');

export function registerAuthRoutes(app: FastifyInstance, deps: AuthRouteDeps): void {
  const { users, userService, sessions, loginGuard } = deps;

  app.post<{ Body: LoginBody }>(
    '/v1/auth/login',
    { schema: { body: LoginBody }, config: { permission: 'public', rateGroup: 'auth' } },
    async (request): Promise<TokenAnswer> => {
      const email = normalizeEmail(request.body.email);
      try {
        await loginGuard.check(email, request.ip);
      } catch (error) {
        if (error instanceof RateLimitedError) await request.audit('auth.login', { outcome: 'denied', details: { reason: 'locked_out', by: error.by } });
        throw error;
      }
      const user = await users.getByEmail(email);
      // Unknown accounts cost the same hash check as known ones: the timing tells nothing.
      const passwordOk = await verifyPassword(user?.passwordHash ?? (await decoyHash()), request.body.password);
      if (!user || !passwordOk || user.disabled) {
        const lockout = await loginGuard.failed(email, request.ip);
        const reason = !user ? 'unknown_account' : !passwordOk ? 'wrong_password' : 'disabled';
        await request.audit('auth.login', {
          actor: user ? `user:${user.id}` : 'anonymous',
          target: user ? `user:${user.id}` : null,
          outcome: 'failure',
          details: { reason, ...(lockout.lockedOut.length > 0 ? { locked_out: lockout.lockedOut, lockout_seconds: lockout.seconds } : {}) },
        });
        throw invalidCredentials();
      }
      await loginGuard.succeeded(email);
      await users.update(user.id, { lastLoginAt: Date.now() }, Date.now());
      const { familyId, answer } = await sessions.start(user.id);
      await request.audit('auth.login', { actor: `user:${user.id}`, target: `user:${user.id}`, details: { session: familyId } });
      return user.mustChangePassword ? { ...answer, password_change_required: true } : answer;
    },
  );

  app.post<{ Body: RefreshBody }>(
    '/v1/auth/refresh',
    { schema: { body: RefreshBody }, config: { permission: 'public', rateGroup: 'auth' } },
    async (request): Promise<TokenAnswer> => {
      const outcome = await sessions.refresh(request.body.refresh_token, async (userId) => {
        const user = await users.get(userId);
        return user !== undefined && !user.disabled;
      });
      const actor = outcome.userId ? `user:${outcome.userId}` : 'anonymous';
      if (!outcome.ok) {
        if (outcome.reason === 'reuse') {
          await request.audit('auth.refresh_reuse', { actor, target: actor, outcome: 'denied', details: { session: outcome.familyId, revoked: true } });
        } else {
          await request.audit('auth.refresh', { actor, target: outcome.userId ? actor : null, outcome: 'failure', details: { reason: outcome.reason } });
        }
        throw invalidCredentials();
      }
      const user = await users.get(outcome.userId);
      return user?.mustChangePassword ? { ...outcome.answer, password_change_required: true } : outcome.answer;
    },
  );

  app.post('/v1/auth/logout', { config: { permission: 'authenticated', allowOneTimePassword: true, rateGroup: 'auth' } }, async (request, reply) => {
    const principal = request.principal!;
    if (principal.kind !== 'user') throw new AppError('invalid_request', { detail: 'Only a user session can log out; revoke an API key with DELETE /v1/keys/:id' });
    await sessions.revoke(principal.sessionId);
    await request.audit('auth.logout', { target: `user:${principal.id}`, details: { session: principal.sessionId } });
    return reply.code(204).send();
  });

  app.get('/v1/auth/me', { config: { permission: 'authenticated', allowOneTimePassword: true } }, async (request) => {
    const principal = request.principal!;
    if (principal.kind === 'user') {
      return { kind: 'user', id: principal.id, email: principal.email, role: principal.role, must_change_password: principal.mustChangePassword, permissions: principal.access.permissions() };
    }
    const permissions = principal.access.permissions();
    return principal.kind === 'key' ? { kind: 'key', id: principal.id, permissions } : { kind: 'cli', name: principal.name, permissions };
  });

  app.post<{ Body: PasswordChangeBody }>(
    '/v1/auth/password',
    { schema: { body: PasswordChangeBody }, config: { permission: 'authenticated', allowOneTimePassword: true, rateGroup: 'auth' } },
    async (request): Promise<TokenAnswer> => {
      const principal = request.principal!;
      if (principal.kind !== 'user') throw new AppError('invalid_request', { detail: 'Only a user has a password' });
      const user = await users.get(principal.id);
      if (!user || !(await verifyPassword(user.passwordHash, request.body.current_password))) {
        await request.audit('user.password_change', { target: `user:${principal.id}`, outcome: 'failure', details: { reason: 'wrong_password' } });
        throw new AppError('forbidden', { detail: 'The current password is not right', errors: [{ path: '/current_password', message: 'is not right' }] });
      }
      if (request.body.new_password === request.body.current_password) {
        throw new AppError('invalid_request', { errors: [{ path: '/new_password', message: 'must differ from the current password' }] });
      }
      await userService.changeOwnPassword(user, request.body.new_password);
      await request.audit('user.password_change', { target: `user:${user.id}` });
      // Every session ended with the change; this answer starts the one the caller goes on with.
      return (await sessions.start(user.id)).answer;
    },
  );
}
