import { useState } from 'react';
import { useLocation } from 'wouter';
import type { DashboardSummary } from '@sightline/sdk';
import { call } from '../../api/client';
import { problemOf } from '../../api/panel-answer';
import { useDashboards } from '../../api/useDashboards';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { EmptyState } from '../../components/EmptyState';
import { Skeleton } from '../../components/Skeleton';
import { canWriteDashboards, useCurrentUser } from '../auth/current-user';
import { DashboardCard } from './DashboardCard';
import { NEW_DASHBOARD } from './new-dashboard';
import './DashboardsPage.css';

/** The list of dashboards: open, create, duplicate, delete. */
export function DashboardsPage() {
  const list = useDashboards();
  const me = useCurrentUser();
  const canWrite = canWriteDashboards(me);
  const [, navigate] = useLocation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [deleting, setDeleting] = useState<DashboardSummary | undefined>();

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (e) {
      const problem = problemOf(e);
      setError(problem.detail ?? problem.title);
    } finally {
      setBusy(false);
    }
  }

  const create = () =>
    run(async () => {
      const created = await call((sl) => sl.dashboards.create(NEW_DASHBOARD));
      navigate(`/dashboards/${encodeURIComponent(created.id)}?edit=1`);
    });

  const duplicate = (d: DashboardSummary) =>
    run(async () => {
      const copy = await call((sl) => sl.dashboards.duplicate(d.id));
      list.setData([...(list.data ?? []), { id: copy.id, title: copy.title, description: copy.description, builtin: false, panels: copy.panels.length, updated_at: copy.updated_at }]);
    });

  const remove = (d: DashboardSummary) =>
    run(async () => {
      await call((sl) => sl.dashboards.remove(d.id));
      list.setData((list.data ?? []).filter((x) => x.id !== d.id));
      setDeleting(undefined);
    });

  return (
    <main id="main" className="page">
      <div className="page-header">
        <h1>Dashboards</h1>
        {canWrite && (
          <button type="button" className="btn btn-primary" onClick={() => void create()} disabled={busy}>
            New dashboard
          </button>
        )}
      </div>
      {error !== undefined && (
        <p className="notice notice-critical" role="alert">
          {error}
        </p>
      )}
      {list.data === undefined && list.error === undefined && (
        <ul className="dashboard-list" aria-busy="true" aria-label="Loading dashboards">
          {[0, 1, 2, 3, 4, 5].map((i) => (
            <li key={i} className="dashboard-card">
              <Skeleton width="60%" height={18} />
              <Skeleton width="90%" />
              <Skeleton width="40%" />
            </li>
          ))}
        </ul>
      )}
      {list.error !== undefined && list.data === undefined && (
        <div className="notice notice-critical" role="alert">
          <p>The dashboards could not be loaded: {problemOf(list.error).detail ?? problemOf(list.error).title}</p>
          <button type="button" className="btn" onClick={list.reload}>
            Try again
          </button>
        </div>
      )}
      {list.data !== undefined && list.data.length === 0 && (
        <EmptyState title="No dashboards yet">
          <p>{canWrite ? 'Create one to start charting your events.' : 'Ask an editor to create one.'}</p>
          {canWrite && (
            <button type="button" className="btn btn-primary" onClick={() => void create()} disabled={busy}>
              New dashboard
            </button>
          )}
        </EmptyState>
      )}
      {list.data !== undefined && list.data.length > 0 && (
        <ul className="dashboard-list">
          {list.data.map((d) => (
            <DashboardCard key={d.id} dashboard={d} canWrite={canWrite} busy={busy} onDuplicate={() => void duplicate(d)} onDelete={() => setDeleting(d)} />
          ))}
        </ul>
      )}
      {deleting !== undefined && (
        <ConfirmDialog title={`Delete “${deleting.title}”?`} confirmLabel="Delete" danger busy={busy} onConfirm={() => void remove(deleting)} onCancel={() => setDeleting(undefined)}>
          <p>The dashboard and its {deleting.panels} panels are deleted for everybody. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </main>
  );
}
