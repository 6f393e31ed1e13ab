import type { Filter, MetricDefinition } from '@sightline/protocol';

const named = (name: string) => ({ name });
const nameIn = (...names: string[]): Filter => ({ field: 'name', op: 'in', value: names });

/** The metric catalog every pack ships; seeded into the catalog on a first start. */
export const PACK_METRICS: readonly MetricDefinition[] = [
  // commerce
  { pack: 'commerce', name: 'revenue', unit: 'currency', description: 'Sum of completed order values.', fn: 'sum', where: named('order_completed') },
  { pack: 'commerce', name: 'orders', unit: 'count', description: 'Completed orders.', fn: 'count', where: named('order_completed') },
  { pack: 'commerce', name: 'aov', unit: 'currency', description: 'Average order value: revenue per order.', formula: 'revenue / orders' },
  { pack: 'commerce', name: 'sessions', unit: 'count', description: 'Shop sessions started.', fn: 'count', where: named('session_start') },
  { pack: 'commerce', name: 'visitors', unit: 'count', description: 'Distinct customers who started a session.', fn: 'uniq', where: named('session_start') },
  { pack: 'commerce', name: 'buyers', unit: 'count', description: 'Distinct customers who completed an order.', fn: 'uniq', where: named('order_completed') },
  { pack: 'commerce', name: 'conversion_rate', unit: 'ratio', description: 'Buyers per visitor.', formula: 'buyers / visitors' },
  { pack: 'commerce', name: 'carts', unit: 'count', description: 'Products added to a cart.', fn: 'count', where: named('add_to_cart') },
  { pack: 'commerce', name: 'checkouts', unit: 'count', description: 'Checkouts started.', fn: 'count', where: named('checkout_started') },
  { pack: 'commerce', name: 'ad_spend', unit: 'currency', description: 'Advertising spend.', fn: 'sum', where: named('ad_spend') },
  { pack: 'commerce', name: 'new_customers', unit: 'count', description: 'Customers created.', fn: 'count', where: named('customer_created') },
  { pack: 'commerce', name: 'cac', unit: 'currency', description: 'Customer acquisition cost: ad spend per new customer.', formula: 'ad_spend / new_customers' },
  // tasks
  { pack: 'tasks', name: 'tasks_created', unit: 'count', description: 'Tasks created.', fn: 'count', where: named('task_created') },
  { pack: 'tasks', name: 'tasks_completed', unit: 'count', description: 'Tasks completed.', fn: 'count', where: named('task_completed') },
  { pack: 'tasks', name: 'completion_rate', unit: 'ratio', description: 'Tasks completed per task created.', formula: 'tasks_completed / tasks_created' },
  { pack: 'tasks', name: 'overdue_tasks', unit: 'count', description: 'Tasks that went overdue.', fn: 'count', where: named('task_overdue') },
  { pack: 'tasks', name: 'active_users', unit: 'count', description: 'Distinct users who started or completed a task.', fn: 'uniq', where: [nameIn('task_started', 'task_completed')] },
  { pack: 'tasks', name: 'avg_completion_hours', unit: 'number', description: 'Average hours a completed task took.', fn: 'avg', where: named('task_completed') },
  { pack: 'tasks', name: 'productivity_score', unit: 'number', description: 'Tasks completed per active user.', formula: 'tasks_completed / active_users' },
  // modelhub
  { pack: 'modelhub', name: 'predictions', unit: 'count', description: 'Predictions served.', fn: 'count', where: named('prediction') },
  { pack: 'modelhub', name: 'latency_p95', unit: 'ms', description: '95th percentile prediction latency.', fn: 'p95', where: named('prediction') },
  { pack: 'modelhub', name: 'correct_predictions', unit: 'count', description: 'Predictions whose outcome proved them right.', fn: 'count', where: [{ field: 'name', op: 'eq', value: 'prediction' }, { field: 'props.correct', op: 'eq', value: true }] },
  { pack: 'modelhub', name: 'predictions_with_feedback', unit: 'count', description: 'Predictions whose outcome is known.', fn: 'count', where: [{ field: 'name', op: 'eq', value: 'prediction' }, { field: 'props.correct', op: 'exists', value: true }] },
  { pack: 'modelhub', name: 'accuracy', unit: 'ratio', description: 'Share of predictions with a known outcome that were right.', formula: 'correct_predictions / predictions_with_feedback' },
  { pack: 'modelhub', name: 'model_cost', unit: 'currency', description: 'Cost of the predictions served.', fn: 'sum', of: 'props.cost_usd', where: named('prediction') },
  { pack: 'modelhub', name: 'cost_per_1k', unit: 'currency', description: 'Cost per 1,000 predictions.', formula: 'model_cost * 1000 / predictions' },
  // system
  { pack: 'system', name: 'cpu_p95', unit: 'percent', description: '95th percentile CPU use.', fn: 'p95', where: named('cpu_sample') },
  { pack: 'system', name: 'memory_p95', unit: 'percent', description: '95th percentile memory use.', fn: 'p95', where: named('memory_sample') },
  { pack: 'system', name: 'requests', unit: 'count', description: 'HTTP requests served.', fn: 'count', where: [nameIn('http_request', 'http_error')] },
  { pack: 'system', name: 'server_errors', unit: 'count', description: 'HTTP requests answered with a 5xx status.', fn: 'count', where: [nameIn('http_request', 'http_error'), { field: 'props.status', op: 'gte', value: 500 }] },
  { pack: 'system', name: 'error_rate', unit: 'ratio', description: 'Share of requests answered with a 5xx status.', formula: 'server_errors / requests' },
  { pack: 'system', name: 'request_latency_p95', unit: 'ms', description: '95th percentile request latency.', fn: 'p95', where: [nameIn('http_request', 'http_error')] },
];
