import type { ChartKind, Dashboard, DashboardPanel, PanelOptions, Query } from '@sightline/protocol';

// The packs' built-in dashboards (SPEC.md §8), over the demo data (`sightline demo`). They are code:
// read-only, the same on every instance; a user duplicates one to change it.

type Box = [x: number, y: number, w: number, h: number];

function panel(id: string, title: string, chart: ChartKind, query: Query, [x, y, w, h]: Box, options?: PanelOptions): DashboardPanel {
  return { id, title, chart, query, layout: { x, y, w, h }, ...(options ? { options } : {}) };
}

/** A single-value KPI stat: the metric over the range, against the previous period. */
function stat(id: string, title: string, source: string, metric: string, box: Box, kpi?: string): DashboardPanel {
  return panel(id, title, 'kpi', { source, measures: [metric], compare: 'previous_period' }, box, kpi ? { kpi } : undefined);
}

const BUILT_AT = '2026-01-01T00:00:00.000Z';

function dashboard(pack: string, title: string, description: string, panels: DashboardPanel[], last = '30d'): Dashboard {
  return { id: pack, title, description, pack, builtin: true, panels, theme: 'system', live: true, range: { last }, timezone: 'UTC', created_at: BUILT_AT, updated_at: BUILT_AT };
}

const shop = 'shop';
export const COMMERCE_DASHBOARD = dashboard('commerce', 'Commerce', 'Revenue, orders, conversion and customers of the shop.', [
  stat('revenue', 'Revenue', shop, 'revenue', [0, 0, 2, 3]),
  stat('orders', 'Orders', shop, 'orders', [2, 0, 2, 3]),
  stat('aov', 'Average order value', shop, 'aov', [4, 0, 2, 3], 'aov'),
  stat('conversion', 'Conversion rate', shop, 'conversion_rate', [6, 0, 2, 3], 'conversion_rate'),
  stat('cac', 'Customer acquisition cost', shop, 'cac', [8, 0, 2, 3], 'cac'),
  stat('new-customers', 'New customers', shop, 'new_customers', [10, 0, 2, 3]),
  panel('revenue-trend', 'Revenue per day', 'line', { source: shop, measures: ['revenue'], interval: 'day', compare: 'previous_period' }, [0, 3, 8, 8]),
  panel('segments', 'Orders by customer segment', 'donut', { source: shop, measures: ['orders'], dimensions: ['props.customer_type'], filters: [{ field: 'name', op: 'eq', value: 'order_completed' }] }, [8, 3, 4, 8]),
  panel('funnel', 'Conversion funnel', 'funnel', {
    kind: 'funnel',
    source: shop,
    steps: [{ name: 'session_start' }, { name: 'product_view' }, { name: 'add_to_cart' }, { name: 'checkout_started' }, { name: 'order_completed' }],
    window: '1d',
  }, [0, 11, 5, 9]),
  panel('revenue-by-country', 'Revenue by country per week', 'stacked_bar', { source: shop, measures: ['revenue'], dimensions: ['props.country'], interval: 'week', filters: [{ field: 'name', op: 'eq', value: 'order_completed' }] }, [5, 11, 7, 9]),
  panel('top-products', 'Top products', 'table', {
    source: shop,
    measures: [{ as: 'views', fn: 'count', where: { name: 'product_view' } }, { as: 'viewers', fn: 'uniq', where: { name: 'product_view' } }, { as: 'price', fn: 'max', where: { name: 'product_view' } }],
    dimensions: ['props.product', 'props.category'],
    filters: [{ field: 'name', op: 'eq', value: 'product_view' }],
    order: [{ by: 'views', dir: 'desc' }],
    limit: 10,
  }, [0, 20, 6, 9]),
  panel('channels', 'Revenue by channel', 'bar', { source: shop, measures: ['revenue', 'orders'], dimensions: ['props.channel'], filters: [{ field: 'name', op: 'eq', value: 'order_completed' }] }, [6, 20, 6, 9]),
  panel('orders-heatmap', 'Orders per day by country', 'heatmap', { source: shop, measures: ['orders'], dimensions: ['props.country'], interval: 'day', filters: [{ field: 'name', op: 'eq', value: 'order_completed' }] }, [0, 29, 12, 7]),
]);

const tasks = 'tasks';
export const TASKS_DASHBOARD = dashboard('tasks', 'Tasks', 'Throughput, completion and backlog of the team.', [
  stat('completion', 'Completion rate', tasks, 'completion_rate', [0, 0, 3, 3], 'completion_rate'),
  stat('completed', 'Tasks completed', tasks, 'tasks_completed', [3, 0, 3, 3]),
  stat('overdue', 'Overdue tasks', tasks, 'overdue_tasks', [6, 0, 3, 3]),
  stat('productivity', 'Productivity score', tasks, 'productivity_score', [9, 0, 3, 3]),
  panel('monthly', 'Monthly trend', 'bar', { source: tasks, measures: ['tasks_created', 'tasks_completed', 'overdue_tasks'], interval: 'month', range: { last: '90d' } }, [0, 3, 8, 8]),
  panel('priority', 'Priority mix', 'pie', { source: tasks, measures: ['tasks_created'], dimensions: ['props.priority'] }, [8, 3, 4, 8]),
  panel('daily', 'Created and completed per day', 'area', { source: tasks, measures: ['tasks_created', 'tasks_completed'], interval: 'day' }, [0, 11, 8, 8]),
  panel('status', 'Status mix', 'donut', { source: tasks, measures: [{ as: 'events', fn: 'count' }], dimensions: ['props.status'] }, [8, 11, 4, 8]),
  panel('teams', 'Completed per team per week', 'stacked_bar', { source: tasks, measures: ['tasks_completed'], dimensions: ['props.assignee_team'], interval: 'week' }, [0, 19, 6, 8]),
  panel('hours', 'Hours to complete by priority', 'table', {
    source: tasks,
    measures: ['tasks_completed', 'avg_completion_hours', { as: 'p90_hours', fn: 'p90', where: { name: 'task_completed' } }],
    dimensions: ['props.priority'],
  }, [6, 19, 6, 8]),
]);

const models = 'modelhub';
export const MODELHUB_DASHBOARD = dashboard('modelhub', 'ModelHub', 'Predictions, latency, accuracy and cost of the models in production.', [
  stat('predictions', 'Predictions', models, 'predictions', [0, 0, 3, 3]),
  panel('accuracy', 'Accuracy', 'gauge', { source: models, measures: ['accuracy'] }, [3, 0, 3, 6], { kpi: 'accuracy', min: 0.5, max: 1 }),
  stat('latency', 'Latency p95', models, 'latency_p95', [6, 0, 3, 3], 'latency_p95'),
  stat('cost', 'Cost', models, 'model_cost', [9, 0, 3, 3]),
  stat('cost-1k', 'Cost per 1,000 predictions', models, 'cost_per_1k', [0, 3, 3, 3]),
  panel('latency-by-model', 'Latency p95 per model', 'bar', { source: models, measures: ['latency_p95'], dimensions: ['props.model'] }, [6, 3, 6, 6]),
  panel('predictions-trend', 'Predictions per day by model', 'area', { source: models, measures: ['predictions'], dimensions: ['props.model'], interval: 'day' }, [0, 9, 8, 8]),
  panel('accuracy-trend', 'Accuracy per day', 'line', { source: models, measures: ['accuracy'], interval: 'day' }, [8, 9, 4, 8]),
  panel('versions', 'Version comparison', 'table', {
    source: models,
    measures: ['predictions', 'accuracy', 'latency_p95', 'cost_per_1k'],
    dimensions: ['props.model', 'props.version'],
    order: [{ by: 'predictions', dir: 'desc' }],
  }, [0, 17, 7, 8]),
  panel('cost-vs-latency', 'Latency against accuracy per model version', 'scatter', {
    source: models,
    measures: ['latency_p95', 'accuracy'],
    dimensions: ['props.model'],
  }, [7, 17, 5, 8]),
]);

const system = 'system';
export const SYSTEM_DASHBOARD = dashboard('system', 'System health', 'CPU, memory, request latency and errors of the fleet.', [
  panel('cpu-now', 'CPU p95', 'gauge', { source: system, measures: ['cpu_p95'], range: { last: '1h' } }, [0, 0, 3, 6], { kpi: 'cpu_p95', min: 0, max: 100, unit: 'percent' }),
  panel('memory-now', 'Memory p95', 'gauge', { source: system, measures: ['memory_p95'], range: { last: '1h' } }, [3, 0, 3, 6], { kpi: 'memory_p95', min: 0, max: 100, unit: 'percent' }),
  stat('error-rate', 'Error rate', system, 'error_rate', [6, 0, 3, 3], 'error_rate'),
  stat('latency', 'Request latency p95', system, 'request_latency_p95', [9, 0, 3, 3], 'request_latency_p95'),
  stat('requests', 'Requests', system, 'requests', [6, 3, 6, 3]),
  panel('cpu', 'CPU p95 per host', 'line', { source: system, measures: ['cpu_p95'], dimensions: ['props.host'], interval: 'hour', filters: [{ field: 'name', op: 'eq', value: 'cpu_sample' }] }, [0, 6, 6, 8], { kpi: 'cpu_p95' }),
  panel('memory', 'Memory p95 per host', 'line', { source: system, measures: ['memory_p95'], dimensions: ['props.host'], interval: 'hour', filters: [{ field: 'name', op: 'eq', value: 'memory_sample' }] }, [6, 6, 6, 8], { kpi: 'memory_p95' }),
  panel('latency-trend', 'Request latency p95', 'area', { source: system, measures: ['request_latency_p95'], interval: 'hour' }, [0, 14, 6, 8], { kpi: 'request_latency_p95' }),
  panel('errors-trend', 'Error rate per hour', 'line', { source: system, measures: ['error_rate'], interval: 'hour' }, [6, 14, 6, 8], { kpi: 'error_rate' }),
  panel('routes', 'Requests and errors by route', 'stacked_bar', { source: system, measures: ['requests', 'server_errors'], dimensions: ['props.route'], filters: [{ field: 'name', op: 'in', value: ['http_request', 'http_error'] }] }, [0, 22, 6, 8]),
  panel('cpu-heatmap', 'CPU p95 by host and hour', 'heatmap', { source: system, measures: ['cpu_p95'], dimensions: ['props.host'], interval: 'hour', range: { last: '2d' }, filters: [{ field: 'name', op: 'eq', value: 'cpu_sample' }] }, [6, 22, 6, 8]),
], '7d');

export const PACK_DASHBOARDS: readonly Dashboard[] = [COMMERCE_DASHBOARD, TASKS_DASHBOARD, MODELHUB_DASHBOARD, SYSTEM_DASHBOARD];
