import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from '@fastify/cors';
import helmet from 'helmet';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { Config, LogLevel } from '../../config.js';
import { AppError, problemOf, sendProblem } from '../../errors.js';

/**
 * The HTTP edge of the server: CORS allow-list, security headers, strict body types, a JSON
 * nesting limit, safe request ids and redacted logs. Everything here applies to every route.
 */

/** A client's `x-request-id` is taken only when it is this plain: it is echoed in a header and logged. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Media types of NDJSON batches, accepted by the ingest route only (its own parser reads them). */
const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl'];
/** Routes that accept a body type besides application/json, keyed `METHOD pattern`. */
const EXTRA_BODY_TYPES: Readonly<Record<string, readonly string[]>> = { 'POST /v1/events': NDJSON_TYPES };
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Fastify's `genReqId`: the client's `x-request-id` when it is safe to echo and log, else a fresh
 * UUID. A duplicated header arrives joined with ", " and is refused like any other junk.
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * Helmet's headers for a JSON API, computed once: with these options they do not depend on the
 * request, and @fastify/helmet would rebuild helmet on every request (≈ 30 µs each in a profile of
 * the server under load here).
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = (() => {
  const headers: Record<string, string> = {};
  const recorder = { setHeader: (name: string, value: string) => void (headers[name.toLowerCase()] = value), removeHeader: () => undefined };
  const middleware = helmet({
    // A JSON API loads nothing and is framed by nothing; the web app will bring its own policy.
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
  middleware({} as IncomingMessage, recorder as unknown as ServerResponse, () => undefined);
  return Object.freeze(headers);
})();

/**
 * Fastify's `frameworkErrors`: a URL it cannot decode (`/v1/%zz`) or a path parameter past its
 * length limit is answered before any route or hook, so it gets problem+json and the basic
 * security headers here, and never echoes the URL.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const detail = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path parameter is too long' : 'The URL is not valid';
  void sendProblem(reply, problemOf('invalid_request', detail), { ...SECURITY_HEADERS, 'x-request-id': request.id, 'cache-control': 'no-store' });
}

/**
 * Throws 400 `invalid_body` when `value` nests arrays and objects deeper than `max` levels (a
 * top-level object or array is level 1). Iterative, so that a body 100,000 levels deep cannot
 * exhaust the stack here or in any recursive code after it (validation, SQL building, logging).
 */
export function checkDepth(value: unknown, max: number, path = '/'): void {
  if (value === null || typeof value !== 'object') return;
  const nodes: object[] = [value];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const depth = depths.pop()!;
    if (depth > max) {
      throw new AppError('invalid_body', {
        detail: `The body nests arrays and objects deeper than ${max} levels`,
        errors: [{ path, message: `is nested deeper than ${max} levels` }],
      });
    }
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === 'object') {
        nodes.push(child as object);
        depths.push(depth + 1);
      }
    }
  }
}

/** The media type of a Content-Type header, lower case, without parameters. */
function mediaType(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  return header.split(';', 1)[0]!.trim().toLowerCase();
}

// Logs: never tokens, passwords, API keys, e-mail addresses or property values.

/**
 * Paths pino blanks in a log line, in case some code logs such an object. No `*.x` wildcards: pino
 * applies them to every request's child logger too, which cost ≈ 3.5 µs per request here; the
 * serializers below already keep bodies, headers and URLs out of request and error lines.
 */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'authorization',
  'password',
  'new_password',
  'current_password',
  'access_token',
  'refresh_token',
  'token',
  'api_key',
  'secret',
  'email',
  'props',
  'body',
];

/**
 * The request as logged: method, route pattern, id and client address. Never the raw URL: a path
 * parameter may be an e-mail (`/v1/privacy/subjects/:actor`) and a query string may hold anything.
 */
function requestForLog(request: FastifyRequest | IncomingMessage): Record<string, unknown> {
  if ('routeOptions' in request) {
    return { method: request.method, url: request.routeOptions.url ?? '(no route)', id: request.id, remoteAddress: request.ip };
  }
  return { method: request.method, url: '(no route)', remoteAddress: request.socket?.remoteAddress };
}

/**
 * An error as logged: its kind, message, code and stack, and its causes. Not its other own
 * properties: Node's HTTP parser errors carry `rawPacket` (the raw request bytes, headers and
 * all), and our AppErrors carry their details.
 */
function errorForLog(error: Error, depth = 0): { [key: string]: unknown; type: string; message: string; stack: string } {
  // pino hands anything logged under `err` to this serializer, not only errors.
  if (!(error instanceof Error)) return { type: typeof error, message: String(error), stack: '' };
  const code = (error as { code?: unknown }).code;
  const cause = error.cause;
  return {
    type: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    stack: error.stack ?? '',
    ...(cause instanceof Error && depth < 3 ? { cause: errorForLog(cause, depth + 1) } : {}),
  };
}

/** Fastify's `logger` option: pino at `level` with the redaction and serializers above. */
export function loggerOptions(level: LogLevel): Exclude<NonNullable<FastifyServerOptions['logger']>, boolean> {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { req: requestForLog, err: errorForLog },
  };
}

/**
 * Registers CORS, security headers, the JSON parser with its depth limit and the body-type rule.
 * Call it right after the error handler and before the access guard: its hooks then run before
 * the guard's, so that a 401 or 429 carries the same headers as any other answer, and a preflight
 * is answered without credentials (browsers send none).
 */
export async function registerHardening(app: FastifyInstance, config: Config): Promise<void> {
  // @fastify/cors answers preflights on an `OPTIONS *` route. The guard marks that route public,
  // but only for routes added after its own hook; this one is added before, so mark it here too.
  app.addHook('onRoute', (route) => {
    if (route.method === 'OPTIONS' && route.url.endsWith('*')) route.config = { ...route.config, permission: 'public', rateGroup: 'api' };
  });

  // Security headers first thing, so that preflights and refusals by the guard carry them too.
  // Answers of the API are per principal and often personal: no cache may keep them (a route that
  // wants caching sets its own Cache-Control).
  const apiHeaders = Object.freeze({ ...SECURITY_HEADERS, 'cache-control': 'no-store' });
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(request.url.startsWith('/v1/') ? apiHeaders : SECURITY_HEADERS);
    done();
  });

  // Without an allow-list there is nothing to answer: no CORS header, preflights fall through to a
  // 404, and no request pays for the plugin's hook.
  const allowed = new Set(config.corsOrigins);
  if (allowed.size > 0) await registerCors(app, allowed);


  // Fastify's JSON parser (with its prototype-poisoning protection) followed by the depth limit.
  // text/plain goes: no route reads plain text, and accepting it would let a browser form post
  // cross-origin without a preflight.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    void parseJson(request, body as string, (error: Error | null, value?: unknown) => {
      if (error) return done(error);
      try {
        checkDepth(value, config.maxJsonDepth);
      } catch (refusal) {
        return done(refusal as AppError);
      }
      done(null, value);
    });
  });

  // Content types are checked after the guard (an anonymous caller learns nothing) and before
  // the body is read. Fastify itself refuses types it has no parser for; this also keeps each
  // extra type (NDJSON) to the routes that read it.
  app.addHook('preParsing', (request, _reply, payload, done) => {
    const type = BODY_METHODS.has(request.method) ? mediaType(request.headers['content-type']) : undefined;
    if (type === undefined || type === 'application/json') return done(null, payload);
    const extra = EXTRA_BODY_TYPES[`${request.method} ${request.routeOptions.url ?? ''}`] ?? [];
    if (extra.includes(type)) return done(null, payload);
    done(new AppError('unsupported_media_type', { detail: `Send the body as application/json${extra.length > 0 ? ` or ${extra.join(', ')}` : ''}` }));
  });
}

/** CORS for exactly the allowed origins, credentials off (they travel in headers, never cookies). */
async function registerCors(app: FastifyInstance, allowed: ReadonlySet<string>): Promise<void> {
  await app.register(cors, {
    // Exact matches only; any other origin (and a request without one) gets no CORS header at
    // all, and its preflight falls through to a 404.
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin) ? origin : false),
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['content-type', 'authorization', 'x-request-id'],
    exposedHeaders: ['x-request-id', 'retry-after'],
    // Credentials travel in the Authorization header, never in cookies.
    credentials: false,
    maxAge: 600,
  });
}
