import { lazy, Suspense, type ReactNode } from 'react';
import { Link, Redirect, Route, Switch, useLocation } from 'wouter';
import { useMe } from './api/useMe';
import { CurrentUserContext } from './features/auth/current-user';
import { LoginPage } from './features/auth/LoginPage';
import { LogoutButton } from './features/auth/LogoutButton';
import { session } from './features/auth/session';
import { useSession } from './features/auth/useSession';
import { NotFound } from './components/NotFound';
import { ThemeSelect } from './features/theme/ThemeSelect';

// Each page is its own chunk: the login page loads neither the grid nor the charts.
const DashboardsPage = lazy(() => import('./features/dashboards/DashboardsPage').then((m) => ({ default: m.DashboardsPage })));
const DashboardPage = lazy(() => import('./features/dashboards/DashboardPage').then((m) => ({ default: m.DashboardPage })));

function Loading() {
  return (
    <div className="app-loading" role="status">
      Loading…
    </div>
  );
}

/** The signed-in part of the app: the top bar and the pages behind it. */
function SignedIn({ children }: { children: ReactNode }) {
  const me = useMe();
  const [location] = useLocation();
  return (
    <CurrentUserContext.Provider value={me.data}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link href="/" className="topbar-brand">
          Sightline
        </Link>
        <nav className="topbar-nav" aria-label="Main">
          <Link href="/" aria-current={location === '/' ? 'page' : undefined}>
            Dashboards
          </Link>
        </nav>
        <span className="topbar-spacer" />
        <ThemeSelect />
        {me.data !== undefined && (
          <span className="topbar-user">
            <strong>{me.data.email ?? me.data.name ?? me.data.id}</strong>
            {me.data.role !== undefined && <span>{me.data.role}</span>}
          </span>
        )}
        <LogoutButton />
      </header>
      <Suspense fallback={<Loading />}>{children}</Suspense>
    </CurrentUserContext.Provider>
  );
}

function RequireSession({ children }: { children: ReactNode }) {
  const current = useSession();
  const [location] = useLocation();
  if (current === undefined) {
    const params = new URLSearchParams();
    if (session.endReason === 'expired') params.set('expired', '1');
    if (location !== '/') params.set('next', location);
    const qs = params.toString();
    return <Redirect to={`/login${qs ? `?${qs}` : ''}`} replace />;
  }
  return <SignedIn>{children}</SignedIn>;
}

export function App() {
  const current = useSession();
  return (
    <Switch>
      <Route path="/login">{current !== undefined ? <Redirect to="/" replace /> : <LoginPage />}</Route>
      <Route path="/">
        <RequireSession>
          <DashboardsPage />
        </RequireSession>
      </Route>
      <Route path="/dashboards/:id">
        {(params) => (
          <RequireSession>
            <DashboardPage key={params.id} id={params.id} />
          </RequireSession>
        )}
      </Route>
      <Route>
        <RequireSession>
          <NotFound />
        </RequireSession>
      </Route>
    </Switch>
  );
}
