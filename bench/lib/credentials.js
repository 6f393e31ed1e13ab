// Credentials for the benchmarks: every route but /health, /ready and the login takes an access
// token or an API key, so each bench logs in as its own first admin and makes the keys it needs.

export const BENCH_ADMIN = { email: 'bench-admin@example.com', password: 'benchmark passphrase, long enough 42' };

/**
 * Limits no benchmark reaches. They stay switched on (rather than `0`, off): their counters are part
 * of what every request costs in production.
 */
const GENEROUS = 'ip=100000000/1s,user=100000000/1s,key=100000000/1s';

/** Environment of a benchmarked server process: its first admin and generous rate limits. */
export function serverEnv(overrides = {}) {
  return {
    SIGHTLINE_ADMIN_EMAIL: BENCH_ADMIN.email,
    SIGHTLINE_ADMIN_PASSWORD: BENCH_ADMIN.password,
    SIGHTLINE_RATE_LIMIT_INGEST: GENEROUS,
    SIGHTLINE_RATE_LIMIT_QUERY: GENEROUS,
    SIGHTLINE_RATE_LIMIT_AUTH: GENEROUS,
    SIGHTLINE_RATE_LIMIT_API: GENEROUS,
    ...overrides,
  };
}

async function json(response, what) {
  const text = await response.text();
  if (!response.ok) throw new Error(`${what}: ${response.status} ${text}`);
  return JSON.parse(text);
}

/** Logs the bench admin in on a running server and returns its access token. */
export async function login(url) {
  const response = await fetch(`${url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(BENCH_ADMIN),
  });
  return (await json(response, 'login')).access_token;
}

/** Creates an API key (e.g. `{ name, scopes: ['ingest'], sources: ['shop'] }`) and returns its secret. */
export async function createKey(url, accessToken, body) {
  const response = await fetch(`${url}/v1/keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
    body: JSON.stringify(body),
  });
  return (await json(response, 'key creation')).key;
}
