import { describe, expect, it } from 'vitest';
import { closeAction } from '../src/live-close-policy.js';
import { SightlineError } from '../src/errors.js';

const close = (code: number, reason = '', error?: SightlineError) => ({ code, reason, wasReady: true, error });

describe('what the live client does after a close', () => {
  it('reconnects at once (jittered) after a restart or a network failure', () => {
    expect(closeAction(close(1001), false, 0)).toEqual({ kind: 'reconnect', minAttempt: 0, error: undefined });
    expect(closeAction(close(1006), false, 0)).toEqual({ kind: 'reconnect', minAttempt: 0, error: undefined });
  });

  it('backs off further when the server is full, and furthest (reporting it) after a policy close', () => {
    expect(closeAction(close(1013), false, 0)).toMatchObject({ kind: 'reconnect', minAttempt: 3, error: undefined });
    const policy = closeAction(close(1008, 'message rate limit exceeded'), false, 0);
    expect(policy).toMatchObject({ kind: 'reconnect', minAttempt: 6 });
    expect(policy.error?.message).toContain('message rate limit exceeded');
  });

  it('stops after a refused static credential, with the server’s error', () => {
    const serverSaid = new SightlineError('live: unauthorized', { code: 'unauthorized', detail: 'The credentials are not valid' });
    expect(closeAction(close(4401, 'unauthorized', serverSaid), false, 1)).toEqual({ kind: 'stop', error: serverSaid });
  });

  it('retries a token function quietly once, and reports a second refusal in a row', () => {
    expect(closeAction(close(4401), true, 1)).toEqual({ kind: 'reconnect', minAttempt: 0, error: undefined });
    expect(closeAction(close(4401), true, 2)).toMatchObject({ kind: 'reconnect', error: { code: 'unauthorized' } });
  });
});
