import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@sightline/protocol';
import { changePassword, type TokenAnswer } from '@sightline/sdk';
import { loginErrorMessage } from './login-error';

export interface NewPasswordFormProps {
  /** The access token of the sign-in with the one-time password. */
  accessToken: string;
  /** The one-time password itself (the server asks for the current one). */
  currentPassword: string;
  /** The tokens of the session the new password starts. */
  onChanged: (answer: TokenAnswer) => void;
}

/** A one-time password (the first admin's, or one an administrator set) is replaced before anything else. */
export function NewPasswordForm({ accessToken, currentPassword, onChanged }: NewPasswordFormProps) {
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const ids = { password: useId(), repeat: useId(), error: useId() };
  const firstRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    firstRef.current?.focus();
  }, []);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (password.length < PASSWORD_MIN_LENGTH) return setError(`Choose at least ${PASSWORD_MIN_LENGTH} characters.`);
    if (password !== repeat) return setError('The two passwords differ.');
    if (password === currentPassword) return setError('Choose a password other than the one-time one.');
    setBusy(true);
    setError(undefined);
    try {
      onChanged(await changePassword({ url: window.location.origin, accessToken, currentPassword, newPassword: password }));
    } catch (e) {
      setError(loginErrorMessage(e));
      setBusy(false);
    }
  }

  return (
    <form className="login-card" onSubmit={(e) => void onSubmit(e)} aria-describedby={error !== undefined ? ids.error : undefined} noValidate>
      <h1 className="login-brand">Sightline</h1>
      <p className="login-lead">You signed in with a one-time password. Choose your own to go on.</p>
      {error !== undefined && (
        <p id={ids.error} className="notice notice-critical" role="alert">
          {error}
        </p>
      )}
      <div className="field">
        <label htmlFor={ids.password}>New password</label>
        <input ref={firstRef} id={ids.password} type="password" autoComplete="new-password" required minLength={PASSWORD_MIN_LENGTH} maxLength={PASSWORD_MAX_LENGTH} value={password} onChange={(e) => setPassword(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={ids.repeat}>Repeat it</label>
        <input id={ids.repeat} type="password" autoComplete="new-password" required value={repeat} onChange={(e) => setRepeat(e.target.value)} />
      </div>
      <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
        {busy ? 'Saving…' : 'Set password and sign in'}
      </button>
    </form>
  );
}
