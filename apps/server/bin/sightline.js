#!/usr/bin/env node
// Entry point of the `sightline` command. Builds the TypeScript workspaces first when the sources
// are newer than the last build (a fresh checkout, or after an edit), then runs the CLI.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const workspaces = ['packages/protocol', 'packages/query', 'packages/sdk', 'apps/server'].map((w) => path.join(root, w));

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

// tsc -b rewrites only the outputs that changed but always refreshes each workspace's build info,
// so that file dates the last build of its workspace.
function needsBuild() {
  if (!existsSync(path.join(root, 'apps/server/dist/cli/main.js'))) return true;
  return workspaces.some((w) => {
    const info = path.join(w, 'tsconfig.tsbuildinfo');
    return existsSync(path.join(w, 'src')) && (!existsSync(info) || newestMtime(path.join(w, 'src')) > statSync(info).mtimeMs);
  });
}

if (needsBuild()) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  process.stderr.write('Building Sightline…\n');
  const result = spawnSync(process.execPath, [tsc, '-b', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

// The web app (apps/web) is bundled by Vite into apps/web/dist, which the server serves at `/`.
const web = path.join(root, 'apps/web');
function webNeedsBuild() {
  if (!existsSync(path.join(web, 'src'))) return false;
  const built = path.join(web, 'dist/index.html');
  if (!existsSync(built)) return true;
  const newest = Math.max(newestMtime(path.join(web, 'src')), statSync(path.join(web, 'index.html')).mtimeMs, statSync(path.join(web, 'vite.config.ts')).mtimeMs);
  return newest > statSync(built).mtimeMs;
}

if (webNeedsBuild()) {
  let vite;
  try {
    vite = path.join(path.dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin/vite.js');
  } catch {
    // A production install without dev dependencies: the server still runs, and says the page is not built.
  }
  if (vite) {
    process.stderr.write('Building the web app…\n');
    const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: web, stdio: 'inherit' });
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
}

const { main } = await import('../dist/cli/main.js');
const code = await main(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
