import { describe, expect, it } from 'vitest';
import type { TokenAnswer } from '@sightline/sdk';
import { SESSION_KEY, SessionManager, type SessionDeps } from '../src/features/auth/session-manager';

class MemoryStorage {
  readonly map = new Map<string, string>();
  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.map.set(key, value);
  }
  removeItem(key: string): void {
    this.map.delete(key);
  }
}

/** A clock and timers the test moves by hand. */
class FakeTime {
  now = 1_000_000;
  private next = 1;
  readonly timers = new Map<number, { at: number; fn: () => void }>();
  setTimer = (fn: () => void, ms: number): unknown => {
    const id = this.next++;
    this.timers.set(id, { at: this.now + ms, fn });
    return id;
  };
  clearTimer = (handle: unknown): void => {
    this.timers.delete(handle as number);
  };
  /** Moves the clock, firing the timers that fall due in order. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      this.timers.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
    }
    this.now = until;
  }
  pendingDelays(): number[] {
    return [...this.timers.values()].map((t) => t.at - this.now);
  }
}

/** An exclusive lock shared by the "tabs" of one test, like navigator.locks. */
function makeLock(): SessionDeps['lock'] {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(_name: string, fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

/** A server whose refresh tokens work once; a reused one is an error, as on the real server. */
function makeServer() {
  let counter = 0;
  const valid = new Set<string>(['r0']);
  const calls: string[] = [];
  let reused = false;
  const refresh = async (token: string): Promise<TokenAnswer> => {
    calls.push(token);
    await Promise.resolve();
    if (!valid.has(token)) {
      reused = true;
      throw Object.assign(new Error('invalid_token'), { status: 401 });
    }
    valid.delete(token);
    counter += 1;
    valid.add(`r${counter}`);
    return { access_token: `a${counter}`, refresh_token: `r${counter}`, token_type: 'Bearer', expires_in: 900 };
  };
  return { refresh, calls, get reused() { return reused; } };
}

function setup(time = new FakeTime(), storage = new MemoryStorage(), lock = makeLock(), refresh: SessionDeps['refresh'] = makeServer().refresh) {
  const manager = new SessionManager({ storage, now: () => time.now, refresh, lock, setTimer: time.setTimer, clearTimer: time.clearTimer, settleMs: 0 });
  return { manager, time, storage };
}

const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

describe('SessionManager', () => {
  it('stores the tokens with their expiry and schedules a refresh 60 s before it', () => {
    const { manager, time, storage } = setup();
    manager.signIn({ access_token: 'a0', refresh_token: 'r0', token_type: 'Bearer', expires_in: 900 });
    expect(JSON.parse(storage.getItem(SESSION_KEY)!)).toEqual({ access: 'a0', refresh: 'r0', expiresAt: time.now + 900_000 });
    expect(time.pendingDelays()).toEqual([840_000]);
  });

  it('refreshes silently when the timer fires, then schedules the next one', async () => {
    const server = makeServer();
    const { manager, time } = setup(undefined, undefined, undefined, server.refresh);
    manager.signIn({ access_token: 'a0', refresh_token: 'r0', token_type: 'Bearer', expires_in: 900 });
    let changes = 0;
    manager.subscribe(() => changes++);
    time.advance(840_000);
    await flush();
    expect(server.calls).toEqual(['r0']);
    expect(manager.current()?.access).toBe('a1');
    expect(changes).toBe(1);
    expect(time.pendingDelays()).toEqual([840_000]);
  });

  it('sends one refresh for concurrent 401s in one tab', async () => {
    const server = makeServer();
    const { manager } = setup(undefined, undefined, undefined, server.refresh);
    manager.signIn({ access_token: 'a0', refresh_token: 'r0', token_type: 'Bearer', expires_in: 900 });
    const [x, y, z] = await Promise.all([manager.refresh({ staleAccess: 'a0' }), manager.refresh({ staleAccess: 'a0' }), manager.refresh({ staleAccess: 'a0' })]);
    expect(server.calls).toEqual(['r0']);
    expect([x?.access, y?.access, z?.access]).toEqual(['a1', 'a1', 'a1']);
  });

  it('never reuses a refresh token across tabs: the second tab adopts the first tab’s tokens', async () => {
    const server = makeServer();
    const time = new FakeTime();
    const storage = new MemoryStorage();
    const lock = makeLock();
    const tabA = setup(time, storage, lock, server.refresh).manager;
    tabA.signIn({ access_token: 'a0', refresh_token: 'r0', token_type: 'Bearer', expires_in: 900 });
    const tabB = setup(time, storage, lock, server.refresh).manager;
    tabB.start();
    // Both tabs' timers fall due at the same moment.
    time.advance(840_000);
    await flush();
    expect(server.calls).toEqual(['r0']);
    expect(server.reused).toBe(false);
    expect(tabA.current()?.access).toBe('a1');
    const viaB = await tabB.accessToken();
    expect(viaB).toBe('a1');
  });

  it('on a 401 with an access token another tab already replaced, uses the stored one without refreshing', async () => {
    const server = makeServer();
    const time = new FakeTime();
    const storage = new MemoryStorage();
    const lock = makeLock();
    const tabA = setup(time, storage, lock, server.refresh).manager;
    tabA.signIn({ access_token: 'a0', refresh_token: 'r0', token_type: 'Bearer', expires_in: 900 });
    const tabB = setup(time, storage, lock, server.refresh).manager;
    await tabA.refresh({ staleAccess: 'a0' });
    const fromB = await tabB.refresh({ staleAccess: 'a0' });
    expect(fromB?.access).toBe('a1');
    expect(server.calls).toEqual(['r0']);
  });

  it('ends the session as expired when the server refuses the refresh token', async () => {
    const refuse = async (): Promise<TokenAnswer> => {
      throw Object.assign(new Error('invalid_token'), { status: 401 });
    };
    const { manager, storage, time } = setup(undefined, undefined, undefined, refuse);
    manager.signIn({ access_token: 'a0', refresh_token: 'r0', token_type: 'Bearer', expires_in: 900 });
    const result = await manager.refresh({ staleAccess: 'a0' });
    expect(result).toBeUndefined();
    expect(manager.current()).toBeUndefined();
    expect(manager.endReason).toBe('expired');
    expect(storage.getItem(SESSION_KEY)).toBeNull();
    expect(time.pendingDelays()).toEqual([]);
  });

  it('keeps the session and retries later when the refresh fails for a passing reason', async () => {
    let fail = true;
    const flaky = async (): Promise<TokenAnswer> => {
      if (fail) throw Object.assign(new Error('network'), { status: 0 });
      return { access_token: 'a9', refresh_token: 'r9', token_type: 'Bearer', expires_in: 900 };
    };
    const { manager, time } = setup(undefined, undefined, undefined, flaky);
    manager.signIn({ access_token: 'a0', refresh_token: 'r0', token_type: 'Bearer', expires_in: 900 });
    time.advance(840_000);
    await flush();
    expect(manager.current()?.access).toBe('a0');
    expect(time.pendingDelays()).toEqual([15_000]);
    fail = false;
    time.advance(15_000);
    await flush();
    expect(manager.current()?.access).toBe('a9');
  });

  it('refreshes before answering a token that has already expired (a tab that slept)', async () => {
    const server = makeServer();
    const { manager, time } = setup(undefined, undefined, undefined, server.refresh);
    manager.signIn({ access_token: 'a0', refresh_token: 'r0', token_type: 'Bearer', expires_in: 900 });
    time.timers.clear();
    time.now += 901_000;
    await expect(manager.accessToken()).resolves.toBe('a1');
  });

  it('keeps the lock a moment after storing new tokens, for the write to reach the other tabs', async () => {
    const server = makeServer();
    const time = new FakeTime();
    const storage = new MemoryStorage();
    let held = false;
    const lock: SessionDeps['lock'] = async (_name, fn) => {
      held = true;
      try {
        return await fn();
      } finally {
        held = false;
      }
    };
    const manager = new SessionManager({ storage, now: () => time.now, refresh: server.refresh, lock, setTimer: time.setTimer, clearTimer: time.clearTimer, settleMs: 300 });
    manager.signIn({ access_token: 'a0', refresh_token: 'r0', token_type: 'Bearer', expires_in: 900 });
    const done = manager.refresh({ staleAccess: 'a0' });
    await flush();
    expect(JSON.parse(storage.getItem(SESSION_KEY)!).access).toBe('a1');
    expect(held).toBe(true);
    time.advance(300);
    await expect(done).resolves.toMatchObject({ access: 'a1' });
    expect(held).toBe(false);
  });

  it('follows a sign-out in another tab', () => {
    const { manager, storage, time } = setup();
    manager.signIn({ access_token: 'a0', refresh_token: 'r0', token_type: 'Bearer', expires_in: 900 });
    storage.removeItem(SESSION_KEY);
    manager.syncFromStorage();
    expect(manager.current()).toBeUndefined();
    expect(time.pendingDelays()).toEqual([]);
  });
});
