import autocannon from 'autocannon';

/**
 * Runs autocannon against one route and returns requests/s (answered 2xx), latency figures and the
 * count of 429 refusals. `overallRate` sends at that many requests/s instead of as fast as possible.
 */
export async function load({ url, body, connections, seconds, contentType = 'application/json', headers = {}, method = 'POST', overallRate }) {
  const result = await autocannon({
    url,
    method,
    connections,
    duration: seconds,
    headers: body === undefined ? headers : { 'content-type': contentType, ...headers },
    body,
    ...(overallRate === undefined ? {} : { overallRate }),
  });
  const ok = result['2xx'];
  const answered = Object.values(result.statusCodeStats ?? {}).reduce((sum, s) => sum + s.count, 0);
  return {
    requests_per_s: Math.round(ok / seconds),
    sent_per_s: Math.round(answered / seconds),
    non_2xx: result.non2xx,
    rate_limited: result.statusCodeStats?.['429']?.count ?? 0,
    errors: result.errors,
    latency_p50_ms: result.latency.p50,
    latency_p99_ms: result.latency.p99,
  };
}
