import { useState } from 'react';
import { useLocation } from 'wouter';
import { closeClient, getClient } from '../../api/client';
import { session } from './session';

/** Ends the session on the server (its refresh tokens stop working), then here. */
export function LogoutButton() {
  const [, navigate] = useLocation();
  const [busy, setBusy] = useState(false);

  async function onClick() {
    setBusy(true);
    try {
      const sl = getClient();
      // The live channel goes first: the server closes it the moment the session ends, and it
      // would otherwise fall back to polling with the token that was just revoked.
      sl.live.close();
      await sl.account.logout();
    } catch {
      // Signed out here anyway: the tokens are forgotten and expire on their own.
    }
    closeClient();
    session.signOut('logout');
    navigate('/login', { replace: true });
  }

  return (
    <button type="button" className="btn btn-ghost" onClick={() => void onClick()} disabled={busy}>
      {busy ? 'Signing out…' : 'Sign out'}
    </button>
  );
}
