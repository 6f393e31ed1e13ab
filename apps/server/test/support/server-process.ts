import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN } from './harness.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/sightline.js');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Headers of an admin's request (logs the first admin in once). */
  auth(): Promise<{ authorization: string; 'content-type': string }>;
}

/** Runs `sightline <args>` as a child process with the given environment, collecting its output. */
export function runCli(args: string[], env: Record<string, string>, input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/**
 * Starts `sightline start` on a free port and resolves once it listens. Its first admin is ADMIN
 * unless `env` says otherwise.
 */
export function startServerProcess(env: Record<string, string>, args: string[] = []): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'start', ...args], {
      env: {
        ...process.env,
        SIGHTLINE_PORT: '0',
        SIGHTLINE_LOG_LEVEL: 'info',
        SIGHTLINE_ADMIN_EMAIL: ADMIN.email,
        SIGHTLINE_ADMIN_PASSWORD: ADMIN.password,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 60_000);
    const onData = (data: Buffer) => {
      output += data.toString();
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        const url = match[1]!;
        let token: Promise<string> | undefined;
        const auth = async () => {
          token ??= fetch(`${url}/v1/auth/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email: env.SIGHTLINE_ADMIN_EMAIL ?? ADMIN.email, password: env.SIGHTLINE_ADMIN_PASSWORD ?? ADMIN.password }),
          }).then(async (r) => ((await r.json()) as { access_token: string }).access_token);
          return { authorization: `Bearer ${await token}`, 'content-type': 'application/json' };
        };
        resolve({ child, url, output: () => output, auth });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
}

export function waitForExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}
