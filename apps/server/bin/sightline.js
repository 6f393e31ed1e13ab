#!/usr/bin/env node
// Entry point of the `sightline` command. Builds the TypeScript workspaces first when the sources
// are newer than the last build (a fresh checkout, or after an edit), then runs the CLI.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const sources = ['packages/protocol', 'packages/query', 'apps/server'].map((w) => path.join(root, w));
const stamp = path.join(root, 'apps/server/dist/cli/main.js');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function needsBuild() {
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  return sources.some((w) => existsSync(path.join(w, 'src')) && newestMtime(path.join(w, 'src')) > built);
}

if (needsBuild()) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  process.stderr.write('Building Sightline…\n');
  const result = spawnSync(process.execPath, [tsc, '-b', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const { main } = await import('../dist/cli/main.js');
const code = await main(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
