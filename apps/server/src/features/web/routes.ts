import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../../errors.js';

/**
 * The page policy of the web app. The API keeps its own (`default-src 'none'`). Styles allow
 * inline attributes: React and ECharts set `style` on elements. Images allow data: and blob: for
 * chart exports; connections stay on this origin (HTTP and the live WebSocket).
 */
const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Paths that are the API's, never the web app's: an unknown one is a 404 problem, not the page. */
const API_PATH = /^\/(v1|health|ready|metrics|docs)(\/|$|\?)/;

/**
 * Serves the built web app (apps/web/dist) at `/`: hashed assets cached for a year, any other
 * page path answered with index.html (the app routes in the browser).
 */
export async function registerWebRoutes(app: FastifyInstance, deps: { webDir: string }): Promise<void> {
  const { webDir } = deps;
  const built = existsSync(path.join(webDir, 'index.html'));
  // preCompressed: the build writes .br and .gz beside each asset (apps/web/vite.config.ts).
  if (built) await app.register(fastifyStatic, { root: webDir, serve: false, index: false, decorateReply: true, preCompressed: true });

  const page = (reply: FastifyReply) => {
    if (!built) {
      throw new AppError('not_found', { detail: 'The web app is not built: run `npm run build` (or `npm start`, which builds it)' });
    }
    return reply.header('content-security-policy', PAGE_CSP).header('cache-control', 'no-cache').type('text/html; charset=utf-8').sendFile('index.html', { cacheControl: false });
  };

  app.get('/', { config: { permission: 'public' } }, (_request, reply) => page(reply));
  app.get<{ Params: { '*': string } }>('/*', { config: { permission: 'public' } }, (request, reply) => {
    const rest = request.params['*'];
    if (API_PATH.test(request.url)) throw new AppError('not_found', { detail: `No route GET ${request.url.split('?')[0]}` });
    if (built && rest.startsWith('assets/') && !rest.includes('..')) {
      // Vite names assets by content hash: a changed file is a new name.
      return reply.header('cache-control', 'public, max-age=31536000, immutable').sendFile(rest, { cacheControl: false });
    }
    if (built && /^[\w.-]+\.(ico|png|svg|txt|webmanifest)$/.test(rest) && existsSync(path.join(webDir, rest))) {
      return reply.header('cache-control', 'public, max-age=3600').sendFile(rest, { cacheControl: false });
    }
    return page(reply);
  });
}
