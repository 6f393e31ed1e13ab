import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/harness.js';

const NOW = Date.parse('2026-06-15T12:00:00Z');
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ now: NOW, config: { maxBatchEvents: 50, maxBodyBytes: 64 * 1024 } });
});
afterAll(async () => t.close());

function post(payload: unknown, contentType = 'application/json') {
  return t.inject({
    method: 'POST',
    url: '/v1/events',
    headers: { 'content-type': contentType },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

/** Counts stored events of a source straight from the store (not through the query engine). */
async function stored(source: string): Promise<{ id: string; name: string; ts: number; actor: unknown; value: unknown; props: unknown }[]> {
  const rows = await t.app.eventStore.query(
    'SELECT id, name, epoch_ms(ts), actor, value, props::VARCHAR FROM events WHERE source = $1 ORDER BY seq',
    [source],
  );
  return rows.map(([id, name, ts, actor, value, props]) => ({
    id: id as string,
    name: name as string,
    ts: ts as number,
    actor,
    value,
    props: props === null ? null : JSON.parse(props as string),
  }));
}

describe('POST /v1/events', () => {
  it('stores {"events":[…]} and answers accepted/duplicates', async () => {
    const res = await post({
      events: [
        { id: 'a1', source: 'wrapped', name: 'order_completed', ts: '2026-06-14T10:00:00+02:00', actor: 'u1', value: 12.5, props: { country: 'de', cart: { items: 2 } } },
        { source: 'wrapped', name: 'page_view' },
      ],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ accepted: 2, duplicates: 0 });
    const rows = await stored('wrapped');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual({ id: 'a1', name: 'order_completed', ts: Date.parse('2026-06-14T08:00:00Z'), actor: 'u1', value: 12.5, props: { country: 'de', cart: { items: 2 } } });
    // Defaults: a generated id and the time received.
    expect(rows[1]!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(rows[1]!.ts).toBe(NOW);
    expect(rows[1]!.actor).toBeNull();
  });

  it('accepts a bare array and epoch-ms timestamps', async () => {
    const res = await post([{ id: 'b1', source: 'bare', name: 'x', ts: NOW - 1000 }]);
    expect(res.statusCode).toBe(200);
    expect((await stored('bare'))[0]!.ts).toBe(NOW - 1000);
  });

  it('accepts NDJSON, skipping blank lines', async () => {
    const body = '{"id":"n1","source":"nd","name":"x"}\n\n{"id":"n2","source":"nd","name":"y"}\r\n';
    const res = await post(body, 'application/x-ndjson');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ accepted: 2, duplicates: 0 });
    expect((await stored('nd')).map((e) => e.id)).toEqual(['n1', 'n2']);
  });

  it('stores the same (source, id) once: within a batch, across batches', async () => {
    const first = await post({ events: [{ id: 'd1', source: 'dup', name: 'x' }, { id: 'd1', source: 'dup', name: 'x' }, { id: 'd1', source: 'dup2', name: 'x' }] });
    expect(first.json()).toEqual({ accepted: 2, duplicates: 1 });
    const second = await post({ events: [{ id: 'd1', source: 'dup', name: 'x' }, { id: 'd2', source: 'dup', name: 'x' }] });
    expect(second.json()).toEqual({ accepted: 1, duplicates: 1 });
    expect(await stored('dup')).toHaveLength(2);
  });

  it('counts duplicates per request when concurrent requests share one flush', async () => {
    await post({ events: [{ id: 'c0', source: 'conc', name: 'x' }] });
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        post({ events: [{ id: 'c0', source: 'conc', name: 'x' }, { id: `c${i + 1}`, source: 'conc', name: 'x' }, { id: `c${i + 1}`, source: 'conc', name: 'x' }] }),
      ),
    );
    for (const answer of answers) expect(answer.json()).toEqual({ accepted: 1, duplicates: 2 });
    expect(await stored('conc')).toHaveLength(9);
  });

  it('rejects the whole batch with the path of every bad event, storing nothing', async () => {
    const res = await post({
      events: [
        { id: 'r0', source: 'rej', name: 'ok' },
        { id: 'r1', source: 'rej' },
        { id: 'r2', source: 'rej', name: 'x', ts: '2026-06-14T10:00:00' },
        { id: 'r3', source: 'Bad Source', name: 'x' },
        { id: 'r4', source: 'rej', name: 'x', extra: true },
        { id: 'r5', source: 'rej', name: 'x', ts: '2026-06-17T12:00:00Z' },
        { id: 'r6', source: 'rej', name: 'x', value: 'ten' },
        'not an object',
      ],
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = res.json();
    expect(problem).toMatchObject({ status: 400, code: 'invalid_events' });
    expect(problem.errors.map((e: { path: string }) => e.path)).toEqual([
      '/events/1/name',
      '/events/2/ts',
      '/events/3/source',
      '/events/4/extra',
      '/events/5/ts',
      '/events/6/value',
      '/events/7',
    ]);
    for (const error of problem.errors) expect(error.message).toEqual(expect.any(String));
    expect(await stored('rej')).toEqual([]);
  });

  it('gives NDJSON and bare-array errors the same /events/i paths', async () => {
    const nd = await post('{"source":"p","name":"x"}\n{"source":"p"}\n', 'application/x-ndjson');
    expect(nd.statusCode).toBe(400);
    expect(nd.json().errors).toEqual([{ path: '/events/1/name', message: 'is required' }]);
    const bare = await post([{ source: 'p', name: 'x' }, { source: 'p', name: 'x', ts: 'yesterday' }]);
    expect(bare.json().errors.map((e: { path: string }) => e.path)).toEqual(['/events/1/ts']);
    const badLine = await post('{"source":"p","name":"x"}\n{not json\n', 'application/x-ndjson');
    expect(badLine.statusCode).toBe(400);
    expect(badLine.json()).toMatchObject({ code: 'invalid_body', errors: [{ path: '/events/1' }] });
    expect(await stored('p')).toEqual([]);
  });

  it('refuses U+0000 anywhere in an event (PostgreSQL cannot store it), naming where, storing nothing', async () => {
    const res = await post({
      events: [
        { source: 'nul', name: 'ok' },
        { source: 'nul', name: 'a\u0000b' },
        { source: 'nul', name: 'ok', actor: '\u0000' },
        { source: 'nul', name: 'ok', props: { list: ['x', { deep: 'y\u0000' }] } },
        { source: 'nul', name: 'ok', props: { 'k/\u0000': 1 } },
        { source: 'nul', name: 'ok', props: { text: 'a literal \\u0000 is fine' } },
      ],
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors.map((e: { path: string }) => e.path)).toEqual([
      '/events/1/name',
      '/events/2/actor',
      '/events/3/props/list/1/deep',
      '/events/4/props/k~1\u0000',
    ]);
    expect(await stored('nul')).toEqual([]);
  });

  it('rejects props larger than 32 KiB', async () => {
    const res = await post([{ source: 'big', name: 'x', props: { blob: 'x'.repeat(33 * 1024) } }]);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].path).toBe('/events/0/props');
  });

  it('answers 400 for malformed JSON and for a batch of the wrong shape', async () => {
    const malformed = await post('{"events": [', 'application/json');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ code: 'invalid_body', status: 400 });
    const shape = await post({ events: {} });
    expect(shape.statusCode).toBe(400);
    expect(shape.json().errors).toEqual([{ path: '/events', message: 'must be an array' }]);
    const extra = await post({ events: [], meta: 1 });
    expect(extra.json().errors).toEqual([{ path: '/meta', message: 'is not a known field' }]);
    const scalar = await post('42');
    expect(scalar.statusCode).toBe(400);
  });

  it('answers 413 past the event limit or the byte limit', async () => {
    const many = await post({ events: Array.from({ length: 51 }, () => ({ source: 'lim', name: 'x' })) });
    expect(many.statusCode).toBe(413);
    expect(many.json()).toMatchObject({ code: 'payload_too_large' });
    const bytes = await post({ events: [{ source: 'lim', name: 'x', props: { s: 'y'.repeat(70 * 1024) } }] });
    expect(bytes.statusCode).toBe(413);
    expect(bytes.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(await stored('lim')).toEqual([]);
  });

  it('answers 415 for a content type it does not read', async () => {
    const res = await post('source=x', 'application/x-www-form-urlencoded');
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ code: 'unsupported_media_type' });
  });

  it('accepts an empty batch', async () => {
    expect((await post({ events: [] })).json()).toEqual({ accepted: 0, duplicates: 0 });
  });
});
