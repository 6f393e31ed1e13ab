// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { SightlineError } from '@sightline/sdk';
import type { DashboardPanel, Kpi, MetricDefinition, Query, QueryResult, SourceSummary } from '@sightline/sdk';
import { PanelEditor, type PanelEditorProps } from '../src/features/editor/PanelEditor';
import { PREVIEW_DELAY_MS } from '../src/features/editor/usePreview';

const sources: SourceSummary[] = [
  { name: 'shop', description: 'The web shop', retention_days: null },
  { name: 'tasks', description: 'The task tracker', retention_days: 90 },
];
const metrics: MetricDefinition[] = [
  { name: 'revenue', pack: 'commerce', fn: 'sum', where: { name: 'order_completed' }, description: 'Sum of order values' },
  { name: 'orders', pack: 'commerce', fn: 'count', where: { name: 'order_completed' }, description: 'Completed orders' },
  { name: 'tasks_done', pack: 'tasks', fn: 'count', where: { name: 'task_completed' } },
];
const kpis: Kpi[] = [{ name: 'revenue_kpi', metric: 'revenue', direction: 'higher', target: 1000 }];

const answer: QueryResult = {
  columns: [
    { name: 'props.country', type: 'string' },
    { name: 'orders', type: 'number' },
  ],
  rows: [
    ['DE', 12],
    ['FR', 7],
  ],
  meta: { took_ms: 1, cached: false },
};

interface Call {
  query: Query;
  signal: AbortSignal;
  resolve: (result: QueryResult) => void;
  reject: (error: unknown) => void;
}

/** A runQuery that records its calls; each answers only when the test says so (or at once with `auto`). */
function recorder(auto?: () => Promise<QueryResult>) {
  const calls: Call[] = [];
  const runQuery = (query: Query, signal: AbortSignal) =>
    new Promise<QueryResult>((resolve, reject) => {
      calls.push({ query, signal, resolve, reject });
      if (auto) auto().then(resolve, reject);
    });
  return { calls, runQuery };
}

function blankPanel(over: Partial<DashboardPanel> = {}): DashboardPanel {
  return { id: 'p1', title: '', chart: 'table', query: { source: '', measures: [] }, layout: { x: 2, y: 3, w: 6, h: 4 }, ...over };
}

function renderEditor(props: Partial<PanelEditorProps> = {}) {
  const onSave = vi.fn<(panel: DashboardPanel) => void>();
  const onCancel = vi.fn<() => void>();
  const rec = recorder(() => Promise.resolve(answer));
  const utils = render(
    <PanelEditor panel={blankPanel()} sources={sources} metrics={metrics} kpis={kpis} runQuery={rec.runQuery} theme="light" onSave={onSave} onCancel={onCancel} {...props} />,
  );
  return { ...utils, onSave, onCancel, calls: rec.calls };
}

const group = (name: string) => screen.getByRole('group', { name });
const change = (el: HTMLElement, value: string) => fireEvent.change(el, { target: { value } });
const jsonBox = () => screen.getByLabelText('Query JSON') as HTMLTextAreaElement;

let consoleError: MockInstance;
let consoleWarn: MockInstance;
beforeEach(() => {
  consoleError = vi.spyOn(console, 'error');
  consoleWarn = vi.spyOn(console, 'warn');
});
afterEach(() => {
  cleanup();
  // Key warnings and failed renders are console errors: none is allowed.
  expect(consoleError).not.toHaveBeenCalled();
  expect(consoleWarn).not.toHaveBeenCalled();
  vi.restoreAllMocks();
});

describe('PanelEditor', () => {
  it('is a modal dialog named by its heading, takes focus, traps Tab, cancels on Esc and gives focus back', () => {
    const opener = document.createElement('button');
    opener.textContent = 'Edit';
    document.body.append(opener);
    opener.focus();

    const { onCancel, unmount } = renderEditor();
    const dialog = screen.getByRole('dialog', { name: 'Edit panel' });
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(dialog.contains(document.activeElement)).toBe(true);
    expect(opener.hasAttribute('inert')).toBe(true);

    const save = within(dialog).getByRole('button', { name: 'Save' });
    save.focus();
    fireEvent.keyDown(save, { key: 'Tab' });
    expect(document.activeElement).toBe(within(dialog).getByLabelText('Title'));
    fireEvent.keyDown(document.activeElement!, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(save);

    fireEvent.keyDown(document.activeElement!, { key: 'Escape' });
    expect(onCancel).toHaveBeenCalledTimes(1);
    unmount();
    expect(opener.hasAttribute('inert')).toBe(false);
    expect(document.activeElement).toBe(opener);
    opener.remove();
  });

  it('builds a panel from scratch and saves exactly the query meant', async () => {
    const { onSave } = renderEditor();
    change(screen.getByLabelText('Title'), 'Orders by country');
    fireEvent.click(screen.getByRole('checkbox', { name: 'shop' }));

    fireEvent.click(screen.getByRole('button', { name: 'Add catalog metric' }));
    const first = group('Measure 1');
    const metric = within(first).getByLabelText('Metric') as HTMLSelectElement;
    expect([...metric.querySelectorAll('optgroup')].map((g) => g.label)).toEqual(['commerce', 'tasks']);
    change(metric, 'orders');
    expect(within(first).getByText('Completed orders')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Add aggregate' }));
    const second = group('Measure 2');
    change(within(second).getByLabelText('Column name'), 'buyers');
    change(within(second).getByLabelText('Function'), 'uniq');
    change(within(second).getByLabelText('Event name'), 'order_completed');

    fireEvent.click(screen.getByRole('button', { name: 'Add dimension' }));
    change(screen.getByLabelText('Dimension 1'), 'props.country');
    change(screen.getByLabelText('Interval'), 'day');

    fireEvent.click(screen.getByRole('button', { name: 'Add filter' }));
    const filter = group('Filter 1');
    change(within(filter).getByLabelText('Field'), 'props.amount');
    change(within(filter).getByLabelText('Operator'), 'gt');
    change(within(filter).getByLabelText('Value'), '10');
    fireEvent.click(screen.getByRole('checkbox', { name: 'Compare with the previous period' }));

    const expected: Query = {
      source: 'shop',
      measures: ['orders', { as: 'buyers', fn: 'uniq', where: { name: 'order_completed' } }],
      dimensions: ['props.country'],
      interval: 'day',
      filters: [{ field: 'props.amount', op: 'gt', value: 10 }],
      compare: 'previous_period',
    };
    expect(JSON.parse(jsonBox().value)).toStrictEqual(expected);

    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(onSave).toHaveBeenCalledTimes(1);
    expect(onSave.mock.calls[0]![0]).toStrictEqual({ id: 'p1', title: 'Orders by country', chart: 'table', query: expected, layout: { x: 2, y: 3, w: 6, h: 4 } });
    // The preview had its turn too (the answer arrives after the debounce).
    await waitFor(() => expect(screen.getByRole('table')).toBeTruthy());
  });

  it('shows edits of the JSON in the form and keeps fields the form does not know', () => {
    renderEditor({ panel: blankPanel({ query: { kind: 'trend', source: 'shop', measures: ['revenue'] } }) });
    change(jsonBox(), JSON.stringify({ kind: 'trend', source: ['shop', 'tasks'], measures: ['revenue', { as: 'n', fn: 'count' }], interval: 'week', filters: [{ field: 'props.plan', op: 'in', value: ['pro', 3] }] }));

    expect((screen.getByLabelText('Interval') as HTMLSelectElement).value).toBe('week');
    expect((screen.getByRole('checkbox', { name: 'tasks' }) as HTMLInputElement).checked).toBe(true);
    expect((within(group('Measure 2')).getByLabelText('Column name') as HTMLInputElement).value).toBe('n');
    expect((within(group('Filter 1')).getByLabelText('Value') as HTMLInputElement).value).toBe('pro, 3');

    // A form edit keeps `kind`, which no form field shows.
    fireEvent.click(screen.getByRole('checkbox', { name: 'Compare with the previous period' }));
    expect(JSON.parse(jsonBox().value)).toMatchObject({ kind: 'trend', compare: 'previous_period', interval: 'week' });
  });

  it('disables Save and shows the parse error while the JSON is invalid', () => {
    const { onSave } = renderEditor({ panel: blankPanel({ query: { source: 'shop', measures: ['revenue'] } }) });
    const save = screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement;
    change(jsonBox(), '{"source": "shop", ');
    expect(save.disabled).toBe(true);
    expect(screen.getByRole('alert').textContent).toMatch(/Invalid JSON/);
    expect(jsonBox().getAttribute('aria-invalid')).toBe('true');

    fireEvent.click(screen.getByRole('button', { name: 'Undo JSON edits' }));
    expect(JSON.parse(jsonBox().value)).toStrictEqual({ source: 'shop', measures: ['revenue'] });
    expect(save.disabled).toBe(false);

    change(jsonBox(), '{"source": "tasks", "measures": ["tasks_done"] ');
    expect(save.disabled).toBe(true);
    change(jsonBox(), '{"source": "tasks", "measures": ["tasks_done"]}');
    expect(save.disabled).toBe(false);
    expect(screen.queryByText(/Invalid JSON/)).toBeNull();
    fireEvent.click(save);
    expect(onSave.mock.calls[0]![0].query).toStrictEqual({ source: 'tasks', measures: ['tasks_done'] });
  });

  it('runs the preview once after a burst of edits and aborts a superseded run', async () => {
    // Fake timers: the debounce is checked to the millisecond, however busy the machine is.
    vi.useFakeTimers();
    try {
      const rec = recorder();
      render(<PanelEditor panel={blankPanel()} sources={sources} metrics={metrics} kpis={kpis} runQuery={rec.runQuery} theme="light" onSave={vi.fn()} onCancel={vi.fn()} />);
      const advance = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));

      fireEvent.click(screen.getByRole('checkbox', { name: 'shop' }));
      fireEvent.click(screen.getByRole('button', { name: 'Add catalog metric' }));
      change(screen.getByLabelText('Interval'), 'hour');
      change(screen.getByLabelText('Interval'), 'day');
      await advance(PREVIEW_DELAY_MS - 1);
      expect(rec.calls).toHaveLength(0);
      await advance(1);
      expect(rec.calls).toHaveLength(1);
      expect(rec.calls[0]!.query).toStrictEqual({ source: 'shop', measures: ['revenue'], interval: 'day' });

      // The first run is still in flight when the draft changes again.
      change(screen.getByLabelText('Interval'), 'week');
      expect(rec.calls[0]!.signal.aborted).toBe(true);
      await advance(PREVIEW_DELAY_MS);
      expect(rec.calls).toHaveLength(2);
      expect(rec.calls[1]!.query).toStrictEqual({ source: 'shop', measures: ['revenue'], interval: 'week' });
      expect(rec.calls[1]!.signal.aborted).toBe(false);

      await act(async () => rec.calls[1]!.resolve(answer));
      expect(within(screen.getByRole('table')).getByText('DE')).toBeTruthy();
      await advance(PREVIEW_DELAY_MS + 100);
      expect(rec.calls).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('shows a server error next to the measure it points at', async () => {
    const problem = new SightlineError('Invalid query', {
      code: 'validation_failed',
      status: 422,
      detail: 'The query is not valid.',
      errors: [{ path: '/measures/0/fn', message: 'fn must be one of count, sum, avg' }],
    });
    const rec = recorder(() => Promise.reject(problem));
    const query = { source: 'shop', measures: [{ as: 'n', fn: 'median' }] } as unknown as Query;
    render(<PanelEditor panel={blankPanel({ query })} sources={sources} metrics={metrics} kpis={kpis} runQuery={rec.runQuery} theme="dark" onSave={vi.fn()} onCancel={vi.fn()} />);

    const measure = group('Measure 1');
    await waitFor(() => expect(within(measure).getByText('fn must be one of count, sum, avg')).toBeTruthy());
    const fn = within(measure).getByLabelText('Function');
    expect(fn.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(fn.getAttribute('aria-describedby')!)?.textContent).toContain('fn must be one of');
    expect(screen.getByText('The query is not valid.')).toBeTruthy();

    // Once the measure is changed, the pointer may no longer mean it: the field stops showing it.
    change(fn, 'count');
    expect(within(measure).queryByText('fn must be one of count, sum, avg')).toBeNull();
  });

  it('switches to a funnel query with the funnel chart and back without losing the trend', () => {
    renderEditor({
      // No answer: this test is about the query, and a chart would need a canvas.
      runQuery: () => new Promise<QueryResult>(() => undefined),
      panel: blankPanel({ chart: 'bar', query: { source: 'shop', measures: [{ as: 'views', fn: 'count', where: { name: 'product_view' } }, { as: 'buys', fn: 'count', where: { name: 'order_completed' } }], interval: 'day' } }),
    });
    change(screen.getByLabelText('Chart kind'), 'funnel');
    expect(JSON.parse(jsonBox().value)).toStrictEqual({ kind: 'funnel', source: 'shop', steps: [{ name: 'product_view' }, { name: 'order_completed' }] });
    expect((within(group('Step 2')).getByLabelText('Event name') as HTMLInputElement).value).toBe('order_completed');
    change(screen.getByLabelText('Window'), '2h');
    fireEvent.click(screen.getByRole('checkbox', { name: 'Funnel query' }));
    expect(JSON.parse(jsonBox().value)).toMatchObject({ source: 'shop', interval: 'day' });
    expect(JSON.parse(jsonBox().value).kind).toBeUndefined();
  });

  it('edits the options of a KPI panel', () => {
    const { onSave } = renderEditor({ panel: blankPanel({ chart: 'kpi', query: { source: 'shop', measures: ['revenue', 'orders'] } }) });
    change(screen.getByLabelText('KPI'), 'revenue_kpi');
    change(screen.getByLabelText('Value shown'), 'orders');
    change(screen.getByLabelText('Unit'), '€');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(onSave.mock.calls[0]![0].options).toStrictEqual({ kpi: 'revenue_kpi', measure: 'orders', unit: '€' });
  });

  it('keeps the dialog and the draft while a save is under way, and shows why it failed', async () => {
    let finish: () => void = () => undefined;
    const onSave = vi.fn<(panel: DashboardPanel) => Promise<void>>(() => new Promise<void>((resolve) => (finish = resolve)));
    const utils = renderEditor({ panel: blankPanel({ title: 'Orders', query: { source: 'shop', measures: ['orders'] } }), onSave });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(onSave).toHaveBeenCalledTimes(1);
    expect((screen.getByRole('button', { name: 'Saving…' }) as HTMLButtonElement).disabled).toBe(true);
    await act(async () => finish());
    expect((screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement).disabled).toBe(false);
    utils.rerender(
      <PanelEditor panel={blankPanel({ title: 'Orders', query: { source: 'shop', measures: ['orders'] } })} sources={sources} metrics={metrics} kpis={kpis} runQuery={() => Promise.resolve(answer)} theme="light" onSave={onSave} onCancel={utils.onCancel} saveError="The dashboard is not valid" />,
    );
    expect(screen.getByRole('alert').textContent).toContain('The dashboard is not valid');
    expect((screen.getByLabelText('Title') as HTMLInputElement).value).toBe('Orders');
  });
});
