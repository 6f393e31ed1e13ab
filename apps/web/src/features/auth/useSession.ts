import { useSyncExternalStore } from 'react';
import { session } from './session';
import type { StoredSession } from './session-manager';

const subscribe = (listener: () => void) => session.subscribe(listener);
const snapshot = () => session.current();

/** The stored session (undefined when signed out); re-renders on sign-in, refresh and sign-out. */
export function useSession(): StoredSession | undefined {
  return useSyncExternalStore(subscribe, snapshot);
}
