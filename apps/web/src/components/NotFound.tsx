import { Link } from 'wouter';

/** Any path the app does not know. */
export function NotFound() {
  return (
    <main id="main" className="page">
      <div className="empty-state">
        <h1>Page not found</h1>
        <p>There is nothing at this address.</p>
        <Link href="/" className="btn btn-primary">
          Back to dashboards
        </Link>
      </div>
    </main>
  );
}
