import { isSightlineError } from '@sightline/sdk';

/** What the login form says about a failed attempt. */
export function loginErrorMessage(error: unknown): string {
  if (!isSightlineError(error)) return 'Signing in failed. Try again.';
  if (error.status === 429) {
    const fromHeader = error.retryAfterMs !== undefined ? Math.ceil(error.retryAfterMs / 1000) : undefined;
    const fromDetail = /(\d+)\s*s\b/.exec(error.detail ?? '')?.[1];
    const seconds = fromHeader ?? (fromDetail !== undefined ? Number(fromDetail) : undefined);
    return seconds !== undefined ? `Too many attempts. Try again in ${seconds} s.` : 'Too many attempts. Try again later.';
  }
  if (error.status === 401 || error.status === 400) return 'The e-mail or password is wrong.';
  if (error.code === 'password_change_required') return PASSWORD_CHANGE_MESSAGE;
  if (error.code === 'network_error' || error.code === 'timeout') return 'The server cannot be reached. Check your connection and try again.';
  return error.detail ?? error.message;
}

export const PASSWORD_CHANGE_MESSAGE = 'This password is a one-time password: sign in with it again to choose your own.';
