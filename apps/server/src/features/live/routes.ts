import websocket from '@fastify/websocket';
import { LIVE_BEARER_PREFIX, LIVE_LIMITS, LIVE_PATH, LIVE_SUBPROTOCOL } from '@sightline/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Gauge } from 'prom-client';
import type { Config } from '../../config.js';
import { AppError } from '../../errors.js';
import type { Telemetry } from '../../observability/telemetry.js';
import type { LiveHub } from './hub.js';

/**
 * `GET /v1/live`: the WebSocket of the live channel (docs/live.md). The upgrade request passes the
 * guard as a public route (the client address's rate limit applies) and the origin check; the
 * credentials come in the first message or as a `bearer.<token>` subprotocol, never in the URL.
 */
export async function registerLiveRoutes(app: FastifyInstance, deps: { config: Config; hub: LiveHub; telemetry: Telemetry }): Promise<void> {
  const { hub } = deps;
  await app.register(websocket, {
    options: {
      maxPayload: LIVE_LIMITS.maxMessageBytes,
      perMessageDeflate: false,
      // Answer with our subprotocol when offered; never echo the bearer one (it holds the token).
      handleProtocols: (protocols) => (protocols.has(LIVE_SUBPROTOCOL) ? LIVE_SUBPROTOCOL : false),
    },
    // Connections are closed by the hub (1001, so clients reconnect to the next instance).
    preClose: async () => hub.close(),
  });

  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({ name, help, registers: [deps.telemetry.registry], collect() { this.set(read()); } });
  gauge('sightline_live_connections', 'Open live-channel connections.', () => hub.stats().connections);
  gauge('sightline_live_queries', 'Distinct live queries being kept up to date.', () => hub.stats().queries);
  gauge(
    'sightline_live_update_slowdown',
    'How many times the configured interval between live query updates is stretched because the server is busy (1: not at all).',
    () => hub.stats().slowdown,
  );

  app.route({
    method: 'GET',
    url: LIVE_PATH,
    config: { permission: 'public' },
    onRequest: async (request) => checkOrigin(request, deps.config.corsOrigins),
    // A plain HTTP GET (no upgrade) gets a problem, not an empty 404.
    handler: async () => {
      throw new AppError('invalid_request', { detail: 'GET /v1/live is a WebSocket: send Upgrade: websocket (see docs/live.md)' });
    },
    wsHandler: (socket, request) =>
      hub.accept(socket, {
        address: request.ip,
        credential: bearerOf(request),
        auditRefusal: (reason) => void request.audit('access.unauthenticated', { target: `GET ${LIVE_PATH}`, outcome: 'denied', details: { reason } }).catch(() => undefined),
      }),
  });
}

/**
 * A browser always sends `Origin`: it must be this server's own, or one of SIGHTLINE_CORS_ORIGINS
 * (a page elsewhere must not ride on a user's credentials). Clients that are not browsers send none.
 */
function checkOrigin(request: FastifyRequest, allowed: readonly string[]): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  if (allowed.includes(origin)) return;
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    host = undefined;
  }
  if (host !== undefined && host === request.headers.host) return;
  throw new AppError('forbidden', { detail: 'This origin may not open the live channel; list it in SIGHTLINE_CORS_ORIGINS' });
}

/** `Sec-WebSocket-Protocol: sightline.v1, bearer.<token>` → `Bearer <token>`. */
function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers['sec-websocket-protocol'];
  if (typeof header !== 'string') return undefined;
  const bearer = header
    .split(',')
    .map((p) => p.trim())
    .find((p) => p.startsWith(LIVE_BEARER_PREFIX));
  return bearer === undefined ? undefined : `Bearer ${bearer.slice(LIVE_BEARER_PREFIX.length)}`;
}
