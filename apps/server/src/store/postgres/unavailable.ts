import { AppError } from '../../errors.js';

/** Node socket errors of a connection that could not be made or broke. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** What pg says when a connection ended or could not be had in time. */
const MESSAGES = /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|Client was closed|terminating connection/i;

/**
 * True when `error` says PostgreSQL is unreachable or went away (rather than that a statement was
 * wrong): SQLSTATE class 08 (connection exception), 57P01–57P03 (shutdown, crash, starting up),
 * 53300 (too many connections), a socket error, or pg's own messages for a dead connection.
 */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') return true;
    if (SOCKET_CODES.has(code)) return true;
  }
  return MESSAGES.test(error.message);
}

/**
 * The error to answer with: `database_unavailable` (503) when PostgreSQL could not be reached, so
 * that a client retries; anything else unchanged (a fault of ours: 500).
 */
export function asUnavailable(error: unknown): unknown {
  return isUnavailable(error) ? new AppError('database_unavailable') : error;
}
