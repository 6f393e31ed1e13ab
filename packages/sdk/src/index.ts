// The public surface of @sightline/sdk. Everything not exported here is internal.
export { Sightline, type QueryResult } from './client.js';
export { LiveClient } from './live.js';
export { DashboardsApi, CatalogApi, AccountApi, dashboardBody, type Me, type SourceSummary, type DashboardDataOptions } from './resources.js';
export { login, refreshSession, changePassword, type SessionRequestOptions } from './session.js';
export { SightlineError, isSightlineError, type ClientErrorCode, type SightlineErrorCode, type SightlineErrorInit } from './errors.js';
export type { SightlineOptions, RetryOptions, TokenSource, FetchLike } from './options.js';
export type { BackoffOptions } from './backoff.js';
export type {
  LiveStatus,
  LiveUpdate,
  LiveCallback,
  SubscribeOptions,
  EventsSubscribeOptions,
  QueryTarget,
  TopicTarget,
  Subscription,
} from './live-types.js';
export type { WebSocketLike, WebSocketConstructor } from './websocket.js';
// The shapes of the API, re-exported so that SDK users need no second import.
export type {
  EventInput,
  IngestResult,
  Query,
  TrendQuery,
  FunnelQuery,
  Filter,
  Measure,
  QueryAnswer,
  Column,
  LiveEvent,
  LiveQueryResult,
  Problem,
  ErrorCode,
  ErrorDetail,
  TokenAnswer,
  Dashboard,
  DashboardBody,
  DashboardPanel,
  DashboardSummary,
  DashboardData,
  DashboardTheme,
  ChartKind,
  PanelLayout,
  PanelOptions,
  Kpi,
  KpiDirection,
  MetricDefinition,
  MetricUnit,
  Range,
  Interval,
} from '@sightline/protocol';
