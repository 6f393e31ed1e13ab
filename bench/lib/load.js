import autocannon from 'autocannon';

/** Runs autocannon against one POST route and returns requests/s and latency figures. */
export async function load({ url, body, connections, seconds, contentType = 'application/json' }) {
  const result = await autocannon({
    url,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { 'content-type': contentType },
    body,
  });
  const ok = result['2xx'];
  return {
    requests_per_s: Math.round(ok / seconds),
    non_2xx: result.non2xx,
    errors: result.errors,
    latency_p50_ms: result.latency.p50,
    latency_p99_ms: result.latency.p99,
  };
}
