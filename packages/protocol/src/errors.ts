/**
 * The one error registry. Every error Sightline answers with has a code here; the server maps an
 * AppError(code) to an RFC 9457 problem+json body with this status and title. docs/errors.md lists
 * every code (a test checks it).
 */
export const ERROR_CODES = {
  invalid_body: { status: 400, title: 'The request body could not be read' },
  invalid_events: { status: 400, title: 'The batch has invalid events; nothing of it was stored' },
  invalid_request: { status: 400, title: 'The request is not valid' },
  invalid_message: { status: 400, title: 'The live message is not valid' },
  unauthorized: { status: 401, title: 'Authentication is required' },
  forbidden: { status: 403, title: 'Not allowed' },
  password_change_required: { status: 403, title: 'The password must be changed first' },
  not_found: { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'The request conflicts with the current state' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  unsupported_media_type: { status: 415, title: 'The content type is not supported' },
  invalid_query: { status: 422, title: 'The query is not valid' },
  invalid_metric: { status: 422, title: 'The metric definition is not valid' },
  invalid_kpi: { status: 422, title: 'The KPI is not valid' },
  invalid_dashboard: { status: 422, title: 'The dashboard is not valid' },
  rate_limited: { status: 429, title: 'Too many requests' },
  too_many_subscriptions: { status: 429, title: 'Too many live subscriptions on one connection' },
  not_ready: { status: 503, title: 'The service is not ready' },
  database_unavailable: { status: 503, title: 'The database is not reachable; retry later' },
  internal: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One thing that was wrong, located by a JSON Pointer into the request body. */
export interface ErrorDetail {
  path: string;
  message: string;
}

/** RFC 9457 problem details as Sightline sends them. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail?: string;
  errors?: ErrorDetail[];
}

export function problemType(code: ErrorCode): string {
  return `urn:sightline:problem:${code}`;
}

/** Escapes one JSON Pointer segment (RFC 6901). */
export function pointerSegment(segment: string | number): string {
  return String(segment).replaceAll('~', '~0').replaceAll('/', '~1');
}
