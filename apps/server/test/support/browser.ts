import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { requireService } from './services.js';

// Browser tests: Debian's Chromium (`apt-get install chromium`) driven by playwright-core, which
// never downloads a browser of its own. Pages are served by a tiny static server on 127.0.0.1 and
// load the packages' built ESM files through an import map: no bundler between the test and the code.

// requireService lives in services.ts (browser, pg, redis); re-exported for the browser suites.
export { requireService } from './services.js';

/** Debian's Chromium. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Whether browser suites can run here; throws when they must but cannot (see requireService). */
export function browserAvailable(): boolean {
  return requireService('browser', existsSync(CHROMIUM_PATH), `${CHROMIUM_PATH} is missing (apt-get install -y chromium)`);
}

export interface ChromiumSession {
  context: BrowserContext;
  /** Closes the browser and removes its profile dir. */
  close(): Promise<void>;
}

/**
 * Headless Chromium in a fresh, empty profile dir. Playwright refuses `--user-data-dir` in args,
 * hence a persistent context on a new temp dir. The background-networking flags keep Chromium from
 * calling home (there is no network here but the loopback).
 */
export async function launchChromium(): Promise<ChromiumSession> {
  const profile = mkdtempSync(path.join(tmpdir(), 'sightline-chromium-'));
  const removeProfile = () => rmSync(profile, { recursive: true, force: true });
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      timeout: 30_000,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    return {
      context,
      async close() {
        await context.close().catch(() => undefined);
        removeProfile();
      },
    };
  } catch (err) {
    removeProfile();
    throw err;
  }
}

export interface PageWatch {
  /** Console messages of type `error` and uncaught page errors, as text. */
  errors: string[];
  /** Every console message, `type: text`. */
  console: string[];
  /** The URL of every request the page made (WebSockets included). */
  requests: string[];
  /** `<status> <method> <url>` of every answer with a status of 400 or more. */
  failed: string[];
  /**
   * The page's WebSockets: their URL, the errors Chromium reported for them (handshake refusals
   * among them) and the first frames they received (not those sent: they carry credentials).
   */
  sockets: { url: string; errors: string[]; received: string[]; closed: boolean }[];
}

/** Starts recording what a page logs, requests and opens; call before navigating. */
export function watchPage(page: Page): PageWatch {
  const watch: PageWatch = { errors: [], console: [], requests: [], failed: [], sockets: [] };
  page.on('response', (r) => {
    if (r.status() >= 400) watch.failed.push(`${r.status()} ${r.request().method()} ${r.url()}`);
  });
  page.on('console', (m) => {
    watch.console.push(`${m.type()}: ${m.text()}`);
    if (m.type() === 'error') watch.errors.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => watch.errors.push(`pageerror: ${e.stack ?? e.message}`));
  page.on('request', (r) => watch.requests.push(r.url()));
  page.on('websocket', (ws) => {
    const socket = { url: ws.url(), errors: [] as string[], received: [] as string[], closed: false };
    watch.sockets.push(socket);
    watch.requests.push(ws.url());
    ws.on('socketerror', (e) => socket.errors.push(e));
    ws.on('framereceived', (f) => {
      if (socket.received.length < 20) socket.received.push(String(f.payload).slice(0, 300));
    });
    ws.on('close', () => (socket.closed = true));
  });
  return watch;
}

/** A package served to pages: its files under `/node_modules/<name>/`. */
export interface ServedPackage {
  name: string;
  dir: string;
  urlPrefix: string;
}

export interface BrowserPackages {
  /** The `<script type="importmap">` content: every export of every package (subpaths too). */
  importMap: { imports: Record<string, string> };
  packages: ServedPackage[];
}

type ExportTarget = string | null | { [condition: string]: ExportTarget } | ExportTarget[];

/** The file a browser loads for an export: the `browser`, `import` or `default` condition. */
function pickTarget(target: ExportTarget): string | undefined {
  if (target === null) return undefined;
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) return target.map(pickTarget).find((t) => t !== undefined);
  for (const condition of ['browser', 'import', 'default']) {
    if (condition in target) {
      const picked = pickTarget(target[condition]!);
      if (picked !== undefined) return picked;
    }
  }
  return undefined;
}

/** The dir of an installed package (workspace packages resolve to their real dir). */
function packageDir(name: string): string {
  const require = createRequire(import.meta.url);
  let dir = path.dirname(realpathSync(require.resolve(name)));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === name) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json of ${name} above ${require.resolve(name)}`);
    dir = parent;
  }
}

/**
 * An import map for installed ESM packages, read off their package.json `exports` (or `main`),
 * so that a page can `import … from '@sightline/sdk'` the way a bundler-free app would.
 */
export function browserPackages(names: readonly string[]): BrowserPackages {
  const imports: Record<string, string> = {};
  const packages: ServedPackage[] = [];
  for (const name of names) {
    const dir = packageDir(name);
    const urlPrefix = `/node_modules/${name}/`;
    packages.push({ name, dir, urlPrefix });
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { exports?: ExportTarget; main?: string; module?: string };
    let exportsMap: Record<string, ExportTarget>;
    const exp = manifest.exports;
    if (exp === undefined) exportsMap = { '.': manifest.module ?? manifest.main ?? './index.js' };
    else if (typeof exp === 'string' || Array.isArray(exp) || exp === null || !Object.keys(exp).some((k) => k.startsWith('.'))) exportsMap = { '.': exp };
    else exportsMap = exp;
    for (const [subpath, target] of Object.entries(exportsMap)) {
      if (subpath.includes('*')) throw new Error(`${name}: export pattern ${subpath} is not supported by browserPackages`);
      const file = pickTarget(target);
      if (file === undefined || subpath === './package.json') continue;
      imports[name + subpath.slice(1)] = urlPrefix + file.replace(/^\.\//, '');
    }
  }
  return { importMap: { imports }, packages };
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

export interface StaticServer {
  /** `http://127.0.0.1:<port>`: the origin of the pages it serves. */
  origin: string;
  close(): Promise<void>;
}

/**
 * A static HTTP server on 127.0.0.1 (port 0): `pages` by exact path, and the files of `packages`
 * under their URL prefix (nothing outside a package's dir, nothing of its node_modules).
 */
export async function startStaticServer(opts: { pages: Record<string, string>; packages: readonly ServedPackage[] }): Promise<StaticServer> {
  const server = http.createServer((req, res) => {
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const page = opts.pages[pathname];
    if (req.method !== 'GET') return send(405, 'text/plain', 'GET only');
    if (page !== undefined) return send(200, CONTENT_TYPES['.html']!, page);
    for (const pkg of opts.packages) {
      if (!pathname.startsWith(pkg.urlPrefix)) continue;
      const file = path.resolve(pkg.dir, pathname.slice(pkg.urlPrefix.length));
      const inside = path.relative(pkg.dir, file);
      if (inside.startsWith('..') || path.isAbsolute(inside) || inside.split(path.sep).includes('node_modules')) break;
      if (!existsSync(file) || !statSync(file).isFile()) break;
      return send(200, CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream', readFileSync(file));
    }
    send(404, 'text/plain', 'not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
