/**
 * Tests that try to get in through the HTTP edge: oversized and deeply nested bodies, wrong content
 * types, foreign origins, request ids with header injection, the metrics token, and floods that the
 * rate limits must hold (and audit once per window).
 */
import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, GENEROUS_LIMITS, makeDataDir, startTestApp, type TestApp } from './support/harness.js';
import { startServerProcess, waitForExit, type ServerProcess } from './support/server-process.js';

const NOW = Date.parse('2026-06-15T12:00:00Z');
const event = (id: string, props: unknown = { plan: 'pro' }) => ({ id, source: 'shop', name: 'signup', ts: NOW - 60_000, actor: 'a1', props });
const deepArray = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
const deepObject = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);

function expectProblem(res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, status: number, code: string): void {
  expect(res.statusCode).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  expect(res.json()).toMatchObject({ status, code });
}

describe('bodies', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ now: NOW, config: { maxBodyBytes: 2048, maxJsonDepth: 5 } });
  });
  afterAll(async () => t.close());

  it('a body over the size limit is refused with 413 on every kind of route', async () => {
    const big = JSON.stringify({ events: Array.from({ length: 40 }, (_, i) => event(`big-${i}`)) });
    expect(big.length).toBeGreaterThan(2048);
    for (const url of ['/v1/events', '/v1/query', '/v1/keys']) {
      expectProblem(await t.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: big }), 413, 'payload_too_large');
    }
    const ndjson = Array.from({ length: 40 }, (_, i) => JSON.stringify(event(`nd-${i}`))).join('\n');
    expectProblem(await t.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/x-ndjson' }, payload: ndjson }), 413, 'payload_too_large');
  });

  it('nesting up to the limit is read; one level more is 400 invalid_body naming the limit', async () => {
    // {events:[{props:{a:{…}}}]}: the batch object, the array, the event, props and `a` make 5 levels.
    const within = await t.inject({ method: 'POST', url: '/v1/events', payload: { events: [event('d-ok', { a: { b: 1 } })] } });
    expect(within.statusCode).toBe(200);
    const over = await t.inject({ method: 'POST', url: '/v1/events', payload: { events: [event('d-over', { a: { b: { c: 1 } } })] } });
    expectProblem(over, 400, 'invalid_body');
    expect(over.json().detail).toContain('5 levels');
    const stored = (await t.app.eventStore.query("SELECT id FROM events WHERE source = 'shop' AND id LIKE 'd-%' ORDER BY id", [])) as unknown[][];
    expect(stored.map((r) => r[0])).toEqual(['d-ok']);
  });

  it('NDJSON lines take the same limit, each line on its own', async () => {
    const send = (lines: unknown[]) =>
      t.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/x-ndjson' }, payload: lines.map((l) => JSON.stringify(l)).join('\n') });
    // A line is the event itself: the event, props, a, b and c make 5 levels.
    expect((await send([event('n-ok', { a: { b: { c: { d: 1 } } } })])).statusCode).toBe(200);
    const over = await send([event('n-fine'), event('n-over', { a: { b: { c: { d: { e: 1 } } } } })]);
    expectProblem(over, 400, 'invalid_body');
    expect(over.json().errors).toEqual([{ path: '/events/1', message: 'is nested deeper than 5 levels' }]);
  });

});

describe('deep bodies under the default limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ now: NOW });
  });
  afterAll(async () => t.close());

  it('1,000 and 100,000 levels on JSON routes and NDJSON lines: 400 invalid_body, never 500', async () => {
    for (const levels of [1000, 100_000]) {
      for (const body of [deepArray(levels), deepObject(levels)]) {
        for (const url of ['/v1/query', '/v1/events', '/v1/keys', '/v1/auth/login']) {
          const res = await t.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: body });
          expectProblem(res, 400, 'invalid_body');
          expect(res.json().detail).toContain('32 levels');
        }
        const ndjson = `${JSON.stringify(event('ok-line'))}\n${body}\n`;
        const res = await t.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/x-ndjson' }, payload: ndjson });
        expectProblem(res, 400, 'invalid_body');
      }
    }
    // The server still answers normally afterwards.
    expect((await t.inject('/health', null)).statusCode).toBe(200);
  });

  it('prototype poisoning in a JSON body is still refused', async () => {
    const res = await t.inject({ method: 'POST', url: '/v1/query', headers: { 'content-type': 'application/json' }, payload: '{"source":"shop","__proto__":{"admin":true}}' });
    expectProblem(res, 400, 'invalid_body');
  });

  it('every POST, PUT and PATCH route answers 415 to plain text, forms and multipart', async () => {
    const routes = t.app.routePermissions.filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method));
    expect(routes.length).toBeGreaterThan(5);
    const bodies: [string, string][] = [
      ['text/plain', '{"events":[]}'],
      ['application/x-www-form-urlencoded', 'email=a%40b.c&password=x'],
      ['multipart/form-data; boundary=XyZ', '--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--XyZ--\r\n'],
      ['application/xml', '<a/>'],
    ];
    for (const route of routes) {
      const url = route.url.replace(/:[A-Za-z_]+/g, 'abcdef012345');
      for (const [type, payload] of bodies) {
        const res = await t.inject({ method: route.method as 'POST', url, headers: { 'content-type': type }, payload });
        expect({ route: `${route.method} ${route.url}`, type, status: res.statusCode }).toEqual({ route: `${route.method} ${route.url}`, type, status: 415 });
        expect(res.json()).toMatchObject({ code: 'unsupported_media_type' });
      }
    }
  });

  it('NDJSON is read by the ingest route only; JSON with a charset is read everywhere', async () => {
    const ndjson = JSON.stringify(event('nd-1'));
    const onEvents = await t.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/x-ndjson' }, payload: ndjson });
    expect(onEvents.statusCode).toBe(200);
    const onQuery = await t.inject({ method: 'POST', url: '/v1/query', headers: { 'content-type': 'application/x-ndjson' }, payload: ndjson });
    expectProblem(onQuery, 415, 'unsupported_media_type');
    const onKeys = await t.inject({ method: 'POST', url: '/v1/keys', headers: { 'content-type': 'application/jsonl' }, payload: '{"name":"k"}' });
    expectProblem(onKeys, 415, 'unsupported_media_type');
    const charset = await t.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      payload: JSON.stringify({ events: [event('cs-1')] }),
    });
    expect(charset.statusCode).toBe(200);
  });

  it('a body of an unknown or missing type is 415; a POST without a body needs no type', async () => {
    const octets = await t.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.from('{"events":[]}') });
    expectProblem(octets, 415, 'unsupported_media_type');
    const untyped = await t.inject({ method: 'POST', url: '/v1/query', headers: { 'content-length': '13' }, payload: '{"events":[]}' });
    expect(untyped.statusCode).toBe(415);
    const logout = await t.inject({ method: 'POST', url: '/v1/auth/logout' }, (await t.login(ADMIN.email, ADMIN.password)).access_token);
    expect(logout.statusCode).toBeLessThan(300);
  });
});

describe('CORS and security headers', () => {
  const ALLOWED = 'https://app.example.com';
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ now: NOW, config: { corsOrigins: [ALLOWED, 'http://localhost:5173'] } });
  });
  afterAll(async () => t.close());

  const corsHeaders = (headers: Record<string, unknown>) => Object.keys(headers).filter((h) => h.startsWith('access-control-'));

  it('an allowed origin gets its own origin back, credentials off, and the exposed headers', async () => {
    const res = await t.inject({ url: '/v1/metrics', headers: { origin: ALLOWED } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(String(res.headers['access-control-expose-headers'])).toContain('x-request-id');
    expect(String(res.headers.vary)).toMatch(/origin/i);
  });

  it('another origin, a look-alike or none gets no CORS header at all', async () => {
    for (const origin of ['https://evil.example.com', 'https://app.example.com.evil.io', 'http://app.example.com', 'null', undefined]) {
      const res = await t.inject({ url: '/v1/metrics', headers: origin === undefined ? {} : { origin } });
      expect(res.statusCode).toBe(200);
      expect(corsHeaders(res.headers)).toEqual([]);
    }
  });

  it('a preflight from an allowed origin is 204 with the CORS headers, without credentials', async () => {
    const res = await t.inject(
      {
        method: 'OPTIONS',
        url: '/v1/query',
        headers: { origin: ALLOWED, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      },
      null,
    );
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    const methods = String(res.headers['access-control-allow-methods']).split(/, */);
    expect(methods).toEqual(expect.arrayContaining(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']));
    const allowedHeaders = String(res.headers['access-control-allow-headers']).toLowerCase().split(/, */);
    expect(allowedHeaders).toEqual(expect.arrayContaining(['content-type', 'authorization', 'x-request-id']));
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('a preflight from another origin gets no CORS header and no 2xx', async () => {
    const res = await t.inject(
      { method: 'OPTIONS', url: '/v1/query', headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' } },
      null,
    );
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).not.toBe(401);
    expect(corsHeaders(res.headers)).toEqual([]);
  });

  it('a refusal by the guard still carries CORS headers, so a browser can read the problem', async () => {
    const res = await t.inject({ url: '/v1/metrics', headers: { origin: ALLOWED } }, null);
    expectProblem(res, 401, 'unauthorized');
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
  });

  it('with no origins configured, nobody gets CORS headers and preflights are not answered', async () => {
    const closed = await startTestApp({ now: NOW });
    try {
      const res = await closed.inject({ url: '/v1/metrics', headers: { origin: ALLOWED } });
      expect(corsHeaders(res.headers)).toEqual([]);
      const preflight = await closed.inject({ method: 'OPTIONS', url: '/v1/query', headers: { origin: ALLOWED, 'access-control-request-method': 'POST' } }, null);
      expect(preflight.statusCode).toBe(404);
      expect(corsHeaders(preflight.headers)).toEqual([]);
    } finally {
      await closed.close();
    }
  });

  it('security headers are on API answers, on errors and on refusals', async () => {
    const answers = [
      await t.inject('/v1/metrics'),
      await t.inject('/v1/no-such-route'),
      await t.inject('/v1/metrics', null),
      await t.inject({ method: 'POST', url: '/v1/query', headers: { 'content-type': 'application/json' }, payload: '{' }),
      await t.inject('/health', null),
    ];
    expect(answers.map((a) => a.statusCode)).toEqual([200, 404, 401, 400, 200]);
    for (const res of answers) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
    // Nothing under /v1 may be cached: answers there are per principal.
    for (const res of answers.slice(0, 4)) expect(res.headers['cache-control']).toBe('no-store');
  });

  it('a URL that cannot be decoded is 400 problem+json with the basic headers, and is not echoed', async () => {
    for (const url of ['/v1/%zz', '/v1/privacy/subjects/%E0%A4%A', '/%c0%af']) {
      const res = await t.inject({ url, headers: { 'x-request-id': 'bad-url-1' } });
      expectProblem(res, 400, 'invalid_request');
      expect(res.body).not.toContain('%');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-request-id']).toBe('bad-url-1');
    }
  });
});

describe('/metrics', () => {
  it('takes SIGHTLINE_METRICS_TOKEN as a bearer token when it is set', async () => {
    const token = 'metrics-scrape-token-0123456789abcdef';
    const t = await startTestApp({ now: NOW, config: { metricsToken: token } });
    try {
      expectProblem(await t.inject('/metrics', null), 401, 'unauthorized');
      expectProblem(await t.inject('/metrics', 'metrics-scrape-token-0123456789abcdeX'), 401, 'unauthorized');
      expectProblem(await t.inject('/metrics', token.slice(0, -1)), 401, 'unauthorized');
      // An admin's access token is not the scrape token.
      expectProblem(await t.inject('/metrics'), 401, 'unauthorized');
      const ok = await t.inject('/metrics', token);
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('sightline_http_requests_total');
    } finally {
      await t.close();
    }
  });

  it('is public when no token is set', async () => {
    const t = await startTestApp({ now: NOW });
    try {
      const res = await t.inject('/metrics', null);
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('sightline_http_requests_total');
    } finally {
      await t.close();
    }
  });
});

describe('rate limits', () => {
  const rateLimited = async (t: TestApp) =>
    (await t.inject('/v1/audit?action=access.rate_limited')).json().entries as { target: string; outcome: string; details: { by: string } }[];

  it('the auth group per IP: 429 with Retry-After once spent, another address unaffected, one audit entry', async () => {
    const t = await startTestApp({
      now: NOW,
      config: { rateLimits: { ...GENEROUS_LIMITS, auth: { ip: { points: 3, seconds: 60 }, user: GENEROUS_LIMITS.auth.user, key: GENEROUS_LIMITS.auth.key } } },
    });
    try {
      // The harness's own login spent one point of 127.0.0.1 already.
      const login = (remoteAddress?: string) =>
        t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'nobody@example.com', password: 'wrong password here' }, ...(remoteAddress ? { remoteAddress } : {}) });
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await login()).statusCode);
      expect(statuses).toEqual([401, 401, 429, 429, 429, 429]);
      const refused = await login();
      expectProblem(refused, 429, 'rate_limited');
      const retryAfter = Number(refused.headers['retry-after']);
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
      expect((await login('10.1.2.3')).statusCode).toBe(401);
      const entries = await rateLimited(t);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ target: 'POST /v1/auth/login', outcome: 'denied', details: { by: 'ip' } });
    } finally {
      await t.close();
    }
  });

  it('a flooding API key is held to its ingest limit while a second key is unaffected', async () => {
    const t = await startTestApp({
      now: NOW,
      config: { rateLimits: { ...GENEROUS_LIMITS, ingest: { ...GENEROUS_LIMITS.ingest, key: { points: 5, seconds: 60 } } } },
    });
    try {
      const makeKey = async (name: string) => {
        const res = await t.inject({ method: 'POST', url: '/v1/keys', payload: { name, scopes: ['ingest'], sources: ['shop'] } });
        expect(res.statusCode).toBe(201);
        return res.json().key as string;
      };
      const flooding = await makeKey('flood');
      const quiet = await makeKey('quiet');
      const send = (key: string, id: string) => t.inject({ method: 'POST', url: '/v1/events', payload: [event(id)] }, key);
      const floodStatuses: number[] = [];
      const quietStatuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        floodStatuses.push((await send(flooding, `f-${i}`)).statusCode);
        if (i % 3 === 0) quietStatuses.push((await send(quiet, `q-${i}`)).statusCode);
      }
      expect(floodStatuses).toEqual([...Array(5).fill(200), ...Array(7).fill(429)]);
      expect(quietStatuses).toEqual([200, 200, 200, 200]);
      const refused = await send(flooding, 'f-late');
      expectProblem(refused, 429, 'rate_limited');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // Only the accepted requests were stored.
      const [[flooded]] = (await t.app.eventStore.query("SELECT count(*) FROM events WHERE id LIKE 'f-%'", [])) as [[number]];
      expect(Number(flooded)).toBe(5);
      // Eight refusals in one window: one audit entry.
      const entries = await rateLimited(t);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ target: 'POST /v1/events', outcome: 'denied', details: { by: 'key' } });
    } finally {
      await t.close();
    }
  });
});

/** Sends raw bytes over a socket and returns the raw answer (the server closes the connection). */
function rawRequest(url: string, bytes: Buffer): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.end(bytes);
  });
}

function parseAnswer(raw: string): { status: number; headers: [string, string][] } {
  const head = raw.split('\r\n\r\n', 1)[0]!;
  const [statusLine, ...lines] = head.split('\r\n');
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0),
    headers: lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  };
}

describe('request ids and header injection, through a real socket', () => {
  let server: ServerProcess;
  const dataDir = makeDataDir();
  beforeAll(async () => {
    server = await startServerProcess({ SIGHTLINE_DATA_DIR: dataDir, SIGHTLINE_LOG_LEVEL: 'debug' });
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await waitForExit(server.child);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const request = (idHeader: string) =>
    Buffer.concat([Buffer.from('GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n', 'latin1'), Buffer.from(idHeader, 'latin1'), Buffer.from('\r\n\r\n', 'latin1')]);

  it('a plain client id is taken, echoed and logged', async () => {
    const answer = parseAnswer(await rawRequest(server.url, request('X-Request-Id: trace.id:42-a_b')));
    expect(answer.status).toBe(200);
    expect(answer.headers).toContainEqual(['x-request-id', 'trace.id:42-a_b']);
    await new Promise((r) => setTimeout(r, 200));
    expect(server.output()).toContain('"reqId":"trace.id:42-a_b"');
  });

  it('CR, LF, control bytes, markup, long or non-ASCII ids never reach a header or a log line', async () => {
    const cases = [
      'X-Request-Id: abc\rSet-Cookie: injected=1',
      'X-Request-Id: abc\nSet-Cookie: injected=2',
      'X-Request-Id: abc\r\n Set-Cookie: injected=3',
      'X-Request-Id: abc\u0000injected4',
      'X-Request-Id: abc\u000binjected5',
      'X-Request-Id: abc%0d%0aSet-Cookie:injected6',
      'X-Request-Id: <script>injected7</script>',
      `X-Request-Id: injected8${'a'.repeat(130)}`,
      'X-Request-Id: inj\u00e9cted9',
      'X-Request-Id: injected10 with spaces',
      'X-Request-Id: injected11\r\nX-Request-Id: injected12',
      'X-Request-Id: injected13\tinjected14',
    ];
    for (const header of cases) {
      const raw = await rawRequest(server.url, request(header));
      const answer = parseAnswer(raw);
      expect({ header, status: [200, 400].includes(answer.status) }).toEqual({ header, status: true });
      expect(answer.headers.map(([name]) => name)).not.toContain('set-cookie');
      const id = answer.headers.find(([name]) => name === 'x-request-id')?.[1];
      if (id !== undefined) expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(raw).not.toMatch(/injected/);
    }
    await new Promise((r) => setTimeout(r, 300));
    const output = server.output();
    expect(output).not.toMatch(/injected|<script>/);
    for (const line of output.split('\n').filter((l) => l.startsWith('{'))) {
      const reqId = (JSON.parse(line) as { reqId?: string }).reqId;
      if (reqId !== undefined) expect(reqId).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
    }
    // Still serving.
    expect(parseAnswer(await rawRequest(server.url, request('X-Request-Id: after'))).status).toBe(200);
  });
});
