import { useSyncExternalStore } from 'react';
import type { LiveStatus } from '@sightline/sdk';
import { getClient } from '../../api/client';

const subscribe = (listener: () => void) => getClient().live.onStatus(listener);
const snapshot = (): LiveStatus => getClient().live.status;

const TEXT: Record<'live' | 'polling' | 'offline', string> = { live: 'Live', polling: 'Polling', offline: 'Offline' };

/** Whether updates are pushed (live), fetched every few seconds (polling) or not coming (offline). */
export function LiveIndicator({ enabled }: { enabled: boolean }) {
  const status = useSyncExternalStore(subscribe, snapshot);
  // While the first connection is under way nothing is pushed yet: that is still "offline".
  const shown = status === 'connecting' ? 'offline' : status;
  const text = !enabled ? 'Not live' : status === 'connecting' ? 'Connecting…' : TEXT[shown];
  return (
    <span className="live-status" data-testid="live-status" data-status={shown} role="status" aria-live="polite" title={enabled ? `Live updates: ${text}` : 'This dashboard does not update live'}>
      <span className="live-dot" aria-hidden="true" />
      {text}
    </span>
  );
}
