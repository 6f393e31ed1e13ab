import type { Me } from '@sightline/sdk';
import { useApi, type ApiState } from './useApi';

/** GET /v1/auth/me: who is signed in, with the permissions that decide which controls show. */
export function useMe(): ApiState<Me> {
  return useApi('me', (sl, signal) => sl.account.me(signal));
}
