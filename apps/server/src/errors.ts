import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { ERROR_CODES, problemType, type ErrorCode, type ErrorDetail, type Problem } from '@sightline/protocol';
import { isUnavailable } from './store/postgres/unavailable.js';

/** An error with a registry code; the one error handler turns it into problem+json. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly options: { detail?: string; errors?: ErrorDetail[]; headers?: Record<string, string> } = {},
  ) {
    super(options.detail ?? ERROR_CODES[code].title);
    this.name = 'AppError';
    this.status = ERROR_CODES[code].status;
  }
}

export function problemOf(code: ErrorCode, detail?: string, errors?: ErrorDetail[]): Problem {
  const { status, title } = ERROR_CODES[code];
  return {
    type: problemType(code),
    title,
    status,
    code,
    ...(detail === undefined ? {} : { detail }),
    ...(errors === undefined ? {} : { errors }),
  };
}

export function sendProblem(reply: FastifyReply, problem: Problem, headers: Record<string, string> = {}): FastifyReply {
  return reply.code(problem.status).headers(headers).type('application/problem+json').send(problem);
}

/** Fastify's own errors (body parsing, limits) mapped to registry codes. */
function fromFastify(error: FastifyError): Problem | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problemOf('payload_too_large', error.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      // Reached by a body without a Content-Type; other types are refused earlier (http-hardening.ts).
      return problemOf('unsupported_media_type', 'Send the body with Content-Type: application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problemOf('invalid_body', error.message);
    default:
      break;
  }
  if (error.validation) {
    const errors = error.validation.map((v) => ({
      path: v.instancePath || '/',
      message: v.message ?? 'is not valid',
    }));
    return problemOf('invalid_request', `The request ${error.validationContext ?? 'body'} is not valid`, errors);
  }
  // A JSON body Fastify could not parse reaches us as a SyntaxError with status 400.
  if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
    return problemOf('invalid_body', 'The body is not valid JSON');
  }
  return undefined;
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) {
      return sendProblem(reply, problemOf(error.code, error.options.detail, error.options.errors), error.options.headers);
    }
    const mapped = fromFastify(error);
    if (mapped) return sendProblem(reply, mapped);
    // PostgreSQL unreachable or restarting, wherever it was met: the client should retry (503).
    if (isUnavailable(error)) {
      request.log.warn({ err: error }, 'database unavailable');
      return sendProblem(reply, problemOf('database_unavailable'), { 'retry-after': '1' });
    }
    // Anything else is our fault: log it in full, answer without a stack, SQL, secret or value.
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, problemOf('internal'));
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, problemOf('not_found', `No route ${request.method} ${request.url.split('?')[0]}`)),
  );
}
