import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { login } from '@sightline/sdk';
import { useLocation, useSearch } from 'wouter';
import { loginErrorMessage } from './login-error';
import { NewPasswordForm } from './NewPasswordForm';
import { session } from './session';
import './LoginPage.css';

/** Sign in with e-mail and password. */
export function LoginPage() {
  const [, navigate] = useLocation();
  const search = useSearch();
  const params = new URLSearchParams(search);
  const expired = params.get('expired') === '1';
  const next = safeNext(params.get('next'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  /** A sign-in with a one-time password: its access token, until a new password is chosen. */
  const [oneTime, setOneTime] = useState<string | undefined>();
  const emailId = useId();
  const passwordId = useId();
  const errorId = useId();
  const emailRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    emailRef.current?.focus();
  }, []);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const answer = await login({ url: window.location.origin, email: email.trim(), password });
      if (answer.password_change_required === true) {
        setOneTime(answer.access_token);
        return;
      }
      session.signIn(answer);
      navigate(next, { replace: true });
    } catch (e) {
      setError(loginErrorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  if (oneTime !== undefined) {
    return (
      <main id="main" className="login">
        <NewPasswordForm
          accessToken={oneTime}
          currentPassword={password}
          onChanged={(answer) => {
            session.signIn(answer);
            navigate(next, { replace: true });
          }}
        />
      </main>
    );
  }

  return (
    <main id="main" className="login">
      <form className="login-card" onSubmit={(e) => void onSubmit(e)} aria-describedby={error !== undefined ? errorId : undefined}>
        <h1 className="login-brand">Sightline</h1>
        <p className="login-lead">Sign in to your dashboards</p>
        {expired && error === undefined && (
          <p className="notice notice-warning" role="status">
            Your session expired. Please sign in again.
          </p>
        )}
        {error !== undefined && (
          <p id={errorId} className="notice notice-critical" role="alert">
            {error}
          </p>
        )}
        <div className="field">
          <label htmlFor={emailId}>E-mail</label>
          <input ref={emailRef} id={emailId} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={passwordId}>Password</label>
          <input id={passwordId} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

/** Only a path of this app: never an open redirect to another site. */
function safeNext(value: string | null): string {
  return value !== null && value.startsWith('/') && !value.startsWith('//') ? value : '/';
}
