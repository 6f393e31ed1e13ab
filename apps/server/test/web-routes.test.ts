/**
 * The server serves the built web app at `/`: the page with its own content-security policy, hashed
 * assets cached for good, page paths answered with the app (it routes in the browser), and API paths
 * never mistaken for pages.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/harness.js';

const webDir = mkdtempSync(path.join(tmpdir(), 'sightline-web-'));
const INDEX = '<!doctype html><title>Sightline</title><div id="root"></div>';
let t: TestApp;
let unbuilt: TestApp;
beforeAll(async () => {
  mkdirSync(path.join(webDir, 'assets'));
  writeFileSync(path.join(webDir, 'index.html'), INDEX);
  writeFileSync(path.join(webDir, 'assets', 'index-Ab12Cd.js'), 'console.log(1)');
  writeFileSync(path.join(webDir, 'assets', 'index-Ab12Cd.js.gz'), gzipSync('console.log(1)'));
  t = await startTestApp({ config: { webDir } });
  unbuilt = await startTestApp({ config: { webDir: path.join(webDir, 'missing') } });
});
afterAll(async () => {
  await t.close();
  await unbuilt.close();
  rmSync(webDir, { recursive: true, force: true });
});

describe('the web app', () => {
  it('is the page at / and at every page path, with a policy that allows only its own scripts', async () => {
    for (const url of ['/', '/dashboards/commerce', '/login?next=%2F']) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toBe(INDEX);
      expect(res.headers['cache-control']).toBe('no-cache');
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-eval');
    }
  });

  it('serves hashed assets cached for good, and a missing one as a 404', async () => {
    const asset = await t.app.inject({ url: '/assets/index-Ab12Cd.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.body).toBe('console.log(1)');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await t.app.inject({ url: '/assets/nope.js' })).statusCode).toBe(404);
    for (const url of ['/assets/..%2f..%2fpackage.json', '/assets/%2e%2e/%2e%2e/package.json']) {
      const res = await t.app.inject({ url });
      expect(res.body, url).not.toContain('"workspaces"');
    }
  });

  it('sends the compressed copy the build made to a browser that accepts it', async () => {
    const res = await t.app.inject({ url: '/assets/index-Ab12Cd.js', headers: { 'accept-encoding': 'gzip, deflate' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(res.rawPayload).toString()).toBe('console.log(1)');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('never answers an API path with the page', async () => {
    for (const url of ['/v1/nothing', '/v1/dashboards/x/y/z', '/health/x']) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expect((await t.app.inject({ url: '/health' })).json()).toEqual({ status: 'ok' });
  });

  it('says how to build it when it is not built', async () => {
    const res = await unbuilt.app.inject({ url: '/' });
    expect(res.statusCode).toBe(404);
    expect(res.json().detail).toContain('npm run build');
  });
});
