import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import type { Dashboard, DashboardPanel, Filter, Kpi, Query } from '@sightline/sdk';
import { call } from '../../api/client';
import { problemOf } from '../../api/panel-answer';
import { useCatalog } from '../../api/useCatalog';
import { useDashboard } from '../../api/useDashboard';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Skeleton } from '../../components/Skeleton';
import { canWriteDashboards, useCurrentUser } from '../auth/current-user';
import { renderDashboardPng } from '../panels/dashboard-png';
import { useResolvedTheme } from '../theme/useTheme';
import { applyView, sameFilter, type DashboardView } from './apply-view';
import { DashboardGrid } from './DashboardGrid';
import { DashboardHeader } from './DashboardHeader';
import { downloadBlob } from './download';
import { FilterBar } from './FilterBar';
import { nudgePanel, type LayoutNudge } from './grid-layout';
import { newPanel } from './new-dashboard';
import { PanelFrame } from './PanelFrame';
import { useDashboardSaver } from './useDashboardSaver';
import { searchOfView, viewFromSearch } from './view-url';
import { usePanelAnswers } from './usePanelAnswers';
import './DashboardPage.css';

// The editor (and its preview's chart code) loads only when somebody opens it.
const PanelEditor = lazy(() => import('../editor/PanelEditor').then((m) => ({ default: m.PanelEditor })));

/** /dashboards/:id: loads the dashboard, then shows it. */
export function DashboardPage({ id }: { id: string }) {
  const loaded = useDashboard(id);
  if (loaded.data !== undefined) return <DashboardScreen initial={loaded.data} />;
  if (loaded.error !== undefined) {
    const problem = problemOf(loaded.error);
    return (
      <main id="main" className="page">
        <div className="empty-state" role="alert">
          <h1>{problem.status === 404 ? 'Dashboard not found' : 'The dashboard could not be loaded'}</h1>
          <p>{problem.status === 404 ? `There is no dashboard “${id}”.` : (problem.detail ?? problem.title)}</p>
          <div className="row-gap">
            {problem.status !== 404 && (
              <button type="button" className="btn" onClick={loaded.reload}>
                Try again
              </button>
            )}
            <Link href="/" className="btn btn-primary">
              All dashboards
            </Link>
          </div>
        </div>
      </main>
    );
  }
  return (
    <main id="main" className="page" aria-busy="true">
      <div className="dashboard-header">
        <Skeleton width={280} height={28} />
        <Skeleton width={420} height={34} />
      </div>
      <div className="skeleton-grid">
        {[0, 1, 2, 3].map((i) => (
          <Skeleton key={i} height={260} />
        ))}
      </div>
    </main>
  );
}

function DashboardScreen({ initial }: { initial: Dashboard }) {
  const me = useCurrentUser();
  const writer = canWriteDashboards(me);
  const canEdit = writer && !initial.builtin;
  const catalog = useCatalog();
  const theme = useResolvedTheme();
  const [, navigate] = useLocation();
  const search = useSearch();
  const [dashboard, setDashboard] = useState(initial);
  const [view, setView] = useState<DashboardView>(() => viewFromSearch(search, initial.filters ?? []));
  const [wantEdit, setWantEdit] = useState(() => new URLSearchParams(search).get('edit') === '1');
  const editMode = wantEdit && canEdit;
  const [editing, setEditing] = useState<DashboardPanel | undefined>();
  const [deleting, setDeleting] = useState<DashboardPanel | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [panelSaveError, setPanelSaveError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [exporting, setExporting] = useState(false);
  const gridRef = useRef<HTMLDivElement>(null);
  const saver = useDashboardSaver();
  const answers = usePanelAnswers(dashboard, view);

  useEffect(() => {
    document.title = `${dashboard.title} · Sightline`;
    return () => {
      document.title = 'Sightline';
    };
  }, [dashboard.title]);

  // The view is kept in the URL (replaced, not pushed: the back button leaves the dashboard).
  useEffect(() => {
    const next = searchOfView(window.location.search, view, dashboard.filters ?? []);
    if (next !== window.location.search) window.history.replaceState(window.history.state, '', `${window.location.pathname}${next}`);
  }, [view, dashboard.filters]);

  const kpis = useMemo(() => new Map<string, Kpi>((catalog.data?.kpis ?? []).map((k) => [k.name, k])), [catalog.data]);
  const defaults = useMemo(() => ({ range: dashboard.range, timezone: dashboard.timezone }), [dashboard.range, dashboard.timezone]);

  const onDrill = useCallback((filter: Filter) => {
    setView((v) => (v.filters.some((f) => sameFilter(f, filter)) ? v : { ...v, filters: [...v.filters, filter] }));
  }, []);

  const current = useRef(dashboard);
  current.current = dashboard;
  const { saveLater } = saver;
  const onPanelsMoved = useCallback(
    (panels: DashboardPanel[]) => {
      const next = { ...current.current, panels };
      current.current = next;
      setDashboard(next);
      saveLater(next);
    },
    [saveLater],
  );

  /** Panel edits wait for the server, so that the reload of the data reads the stored queries. Says whether it was saved. */
  async function savePanels(panels: DashboardPanel[]): Promise<boolean> {
    const next = { ...dashboard, panels };
    try {
      await saver.saveNow(next);
      setDashboard(next);
      setNotice(undefined);
      return true;
    } catch (e) {
      const problem = problemOf(e);
      setNotice(`The dashboard could not be saved: ${problem.detail ?? problem.title}`);
      setPanelSaveError(problem.detail ?? problem.title);
      return false;
    }
  }

  const onNudge = useCallback((panel: DashboardPanel, nudge: LayoutNudge) => onPanelsMoved(nudgePanel(current.current.panels, panel.id, nudge)), [onPanelsMoved]);
  const onEdit = useCallback((panel: DashboardPanel) => setEditing(panel), []);
  const onDelete = useCallback((panel: DashboardPanel) => setDeleting(panel), []);

  async function duplicate() {
    setBusy(true);
    try {
      const copy = await call((sl) => sl.dashboards.duplicate(dashboard.id));
      navigate(`/dashboards/${encodeURIComponent(copy.id)}?edit=1`);
    } catch (e) {
      const problem = problemOf(e);
      setNotice(`The copy could not be made: ${problem.detail ?? problem.title}`);
    } finally {
      setBusy(false);
    }
  }

  async function exportPng() {
    const grid = gridRef.current;
    if (grid === null) return;
    setExporting(true);
    try {
      const blob = await renderDashboardPng(grid, { title: dashboard.title, theme });
      downloadBlob(`${dashboard.id}.png`, blob);
    } catch (e) {
      setNotice(`The image could not be made: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setExporting(false);
    }
  }

  const runQuery = useCallback((query: Query, signal: AbortSignal) => call((sl) => sl.query(applyView(query, view, defaults), { signal })), [view, defaults]);

  const renderPanel = useCallback(
    (panel: DashboardPanel, height: number) => (
      <PanelFrame
        panel={panel}
        outcome={answers.outcomes[panel.id]}
        kpi={panel.options?.kpi !== undefined ? kpis.get(panel.options.kpi) : undefined}
        theme={theme}
        editMode={editMode}
        height={height}
        onDrill={onDrill}
        onEdit={onEdit}
        onDelete={onDelete}
        onNudge={onNudge}
      />
    ),
    [answers.outcomes, kpis, theme, editMode, onDrill, onEdit, onDelete, onNudge],
  );

  const isNewPanel = editing !== undefined && !dashboard.panels.some((p) => p.id === editing.id);
  const wholeError = answers.error !== undefined ? problemOf(answers.error) : undefined;

  return (
    <main id="main" className="page dashboard-page">
      <DashboardHeader
        dashboard={dashboard}
        range={view.range ?? dashboard.range ?? { last: '30d' }}
        timezone={view.timezone ?? dashboard.timezone ?? 'UTC'}
        onRange={(range) => setView((v) => ({ ...v, range }))}
        onTimezone={(timezone) => setView((v) => ({ ...v, timezone }))}
        canEdit={canEdit}
        canDuplicate={writer && dashboard.builtin}
        editMode={editMode}
        onEditMode={setWantEdit}
        onTitle={(title) => {
          const next = { ...dashboard, title };
          setDashboard(next);
          if (title.trim() !== '') saver.saveLater(next, 800);
        }}
        onLive={(live) => {
          const next = { ...dashboard, live };
          setDashboard(next);
          saver.saveLater(next, 0);
        }}
        onAddPanel={() => setEditing(newPanel(dashboard.panels, catalog.data?.sources ?? []))}
        onDuplicate={() => void duplicate()}
        onExportPng={() => void exportPng()}
        exporting={exporting}
        busy={busy}
        saveStatus={saver.status}
      />
      <FilterBar filters={view.filters} onChange={(filters) => setView((v) => ({ ...v, filters }))} />
      {notice !== undefined && (
        <p className="notice notice-critical" role="alert">
          {notice}
        </p>
      )}
      {saver.error !== undefined && saver.status === 'error' && (
        <p className="notice notice-critical" role="alert">
          Changes could not be saved: {saver.error}
        </p>
      )}
      {wholeError !== undefined && (
        <div className="notice notice-critical" role="alert">
          <p>
            The data could not be loaded: {wholeError.detail ?? wholeError.title}{' '}
            <button type="button" className="btn" onClick={answers.reload}>
              Try again
            </button>
          </p>
        </div>
      )}
      {dashboard.panels.length === 0 ? (
        <div className="empty-state">
          <h2>This dashboard has no panels yet</h2>
          {canEdit ? (
            <button
              type="button"
              className="btn btn-primary"
              onClick={() => {
                setWantEdit(true);
                setEditing(newPanel(dashboard.panels, catalog.data?.sources ?? []));
              }}
            >
              + Add panel
            </button>
          ) : (
            <p>Panels added by an editor show up here.</p>
          )}
        </div>
      ) : (
        <DashboardGrid panels={dashboard.panels} editMode={editMode} onPanelsMoved={onPanelsMoved} renderPanel={renderPanel} gridRef={gridRef} />
      )}
      {editing !== undefined && (
        <Suspense fallback={null}>
          <PanelEditor
            panel={editing}
            sources={catalog.data?.sources ?? []}
            metrics={catalog.data?.metrics ?? []}
            kpis={catalog.data?.kpis ?? []}
            runQuery={runQuery}
            theme={theme}
            saveError={panelSaveError}
            onCancel={() => {
              setEditing(undefined);
              setPanelSaveError(undefined);
            }}
            onSave={async (panel) => {
              // The editor stays open with the draft until the server has it: a refused save loses nothing.
              if (await savePanels(isNewPanel ? [...dashboard.panels, panel] : dashboard.panels.map((p) => (p.id === panel.id ? panel : p)))) {
                setEditing(undefined);
                setPanelSaveError(undefined);
              }
            }}
          />
        </Suspense>
      )}
      {deleting !== undefined && (
        <ConfirmDialog
          title={`Delete panel “${deleting.title}”?`}
          confirmLabel="Delete panel"
          danger
          onCancel={() => setDeleting(undefined)}
          onConfirm={() => {
            const target = deleting;
            setDeleting(undefined);
            void savePanels(dashboard.panels.filter((p) => p.id !== target.id));
          }}
        >
          <p>The panel is removed from this dashboard for everybody.</p>
        </ConfirmDialog>
      )}
    </main>
  );
}
