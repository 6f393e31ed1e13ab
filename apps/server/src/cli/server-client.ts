import type { Config } from '../config.js';

/** The address a local client uses to reach the configured server (a wildcard bind is reached on loopback). */
export function serverUrl(config: Config): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}

/** True when a Sightline server answers /health at the configured address. */
export async function serverAnswers(config: Config): Promise<boolean> {
  try {
    const response = await fetch(`${serverUrl(config)}/health`, { signal: AbortSignal.timeout(1000) });
    const body = (await response.json()) as { status?: unknown };
    return response.ok && body.status === 'ok';
  } catch {
    return false;
  }
}
