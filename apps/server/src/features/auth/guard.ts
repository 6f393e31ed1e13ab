import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RateGroup } from '../../config.js';
import { AppError } from '../../errors.js';
import { RateLimitedError, type RateLimiter } from '../security/rate-limiter.js';
import { AuthenticationError, type Authenticator } from './authenticator.js';
import { PERMISSIONS, type Permission } from './permissions.js';
import { actorOf, type Principal } from './principal.js';

/** A route's declared needs, in its `config`. */
export type RoutePermission = Permission | 'metrics:scrape';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route needs; a route without one is refused to everyone (and fails a test). */
    permission?: RoutePermission;
    /** Which rate limits count the route (default `api`). */
    rateGroup?: RateGroup;
    /** Reachable with a one-time password that has not been changed yet (the password change itself, logout). */
    allowOneTimePassword?: boolean;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyInstance {
    /** Every registered route with the permission it declared (walked by a test). */
    routePermissions: { method: string; url: string; permission: RoutePermission | undefined }[];
  }
}

export interface GuardDeps {
  authenticator: Authenticator;
  limiter: RateLimiter;
  /** When set, GET /metrics takes this bearer token. */
  metricsToken: string | undefined;
}

const KNOWN = new Set<string>([...PERMISSIONS, 'metrics:scrape']);

/**
 * Authentication, rate limits and permissions for every route, before its body is even parsed:
 * the client address's limit first (so floods with bad credentials are cut off too), then the
 * credentials (401), the principal's own limit, and the route's permission (403). Refusals are
 * audited; a flood is audited once per window.
 */
export function registerGuard(app: FastifyInstance, deps: GuardDeps): void {
  const { authenticator, limiter } = deps;
  const refusals = new RefusalAuditor();
  const table: FastifyInstance['routePermissions'] = [];
  app.decorate('routePermissions', table);
  app.decorateRequest('principal', undefined);

  app.addHook('onRoute', (route) => {
    const permission = route.config?.permission;
    for (const method of [route.method].flat()) table.push({ method, url: route.url, permission: permission && KNOWN.has(permission) ? permission : undefined });
  });

  app.addHook('onRequest', async (request) => {
    if (request.is404) return;
    const config = request.routeOptions.config;
    const group = config.rateGroup ?? 'api';
    try {
      await limiter.consume(group, 'ip', request.ip);
      const permission = config.permission;
      if (permission === 'public') return;
      if (permission === 'metrics:scrape') return checkMetricsToken(request, deps.metricsToken);
      const principal = await authenticator.authenticate(request.headers.authorization);
      request.principal = principal;
      await limiter.consume(group, principal.kind === 'key' ? 'key' : 'user', principal.kind === 'cli' ? `cli:${principal.name}` : principal.id);
      if (principal.kind === 'user' && principal.mustChangePassword && !config.allowOneTimePassword) {
        throw new AppError('password_change_required', { detail: 'Change the one-time password with POST /v1/auth/password first' });
      }
      if (permission === undefined || !KNOWN.has(permission) || !principal.access.has(permission as Permission)) {
        throw new AppError('forbidden', { detail: `This needs the "${permission ?? 'undeclared'}" permission, which your role or key does not grant` });
      }
    } catch (error) {
      await refusals.record(request, error);
      throw error;
    }
  });
}

function checkMetricsToken(request: FastifyRequest, token: string | undefined): void {
  if (token === undefined) return;
  const presented = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new AuthenticationError(presented === '' ? 'missing' : 'invalid_token');
}

/** Refusals of one kind from one address within this window share one audit entry. */
const REFUSAL_WINDOW_MS = 10_000;

/**
 * Audits refusals without letting a flood of them flood the trail: the first refusal of a kind
 * (address, principal, route, reason) in a window is written, the rest are counted into the next
 * entry of that kind (`repeated`).
 */
class RefusalAuditor {
  private readonly recent = new Map<string, { at: number; repeated: number }>();

  async record(request: FastifyRequest, error: unknown): Promise<void> {
    const route = `${request.method} ${request.routeOptions.url ?? ''}`;
    let action: string;
    let details: Record<string, unknown>;
    if (error instanceof AuthenticationError) {
      action = 'access.unauthenticated';
      details = { reason: error.reason };
    } else if (error instanceof RateLimitedError) {
      if (!error.first) return; // one entry per window per limit already
      action = 'access.rate_limited';
      details = { by: error.by };
    } else if (error instanceof AppError && (error.code === 'forbidden' || error.code === 'password_change_required')) {
      action = 'access.forbidden';
      details = { permission: request.routeOptions.config.permission ?? null, reason: error.code };
    } else {
      return;
    }
    const key = `${action}|${request.ip}|${actorOf(request.principal)}|${route}|${JSON.stringify(details)}`;
    const now = Date.now();
    const seen = this.recent.get(key);
    if (seen && now - seen.at < REFUSAL_WINDOW_MS) {
      seen.repeated++;
      return;
    }
    if (this.recent.size > 10_000) this.recent.clear(); // bounded, whatever an attacker varies
    this.recent.set(key, { at: now, repeated: 0 });
    await request.audit(action, { target: route, outcome: 'denied', details: seen?.repeated ? { ...details, repeated: seen.repeated } : details });
  }
}
