import type { ErrorDetail } from '@sightline/protocol';
import { AppError } from '../../errors.js';
import { checkDepth } from '../security/http-hardening.js';

/** An NDJSON body, kept as text by its content-type parser so each line can be located on error. */
export class NdjsonBody {
  constructor(readonly text: string) {}
}

/**
 * Accepts the three forms of a batch — {"events":[…]}, a bare array, NDJSON — and returns its
 * items. Errors use paths as if the batch had been sent as {"events":[…]}.
 */
export function batchItems(body: unknown, maxEvents: number, maxDepth: number): unknown[] {
  let items: unknown[];
  if (body instanceof NdjsonBody) {
    items = ndjsonItems(body.text, maxDepth);
  } else if (Array.isArray(body)) {
    items = body;
  } else if (body !== null && typeof body === 'object') {
    const extra = Object.keys(body).filter((key) => key !== 'events');
    if (extra.length > 0) {
      throw new AppError('invalid_body', {
        detail: 'A batch object has one field, "events"',
        errors: extra.map((key) => ({ path: `/${key}`, message: 'is not a known field' })),
      });
    }
    const events = (body as { events?: unknown }).events;
    if (!Array.isArray(events)) {
      throw new AppError('invalid_body', {
        detail: 'Send {"events":[…]}, a JSON array of events, or NDJSON',
        errors: [{ path: '/events', message: events === undefined ? 'is required' : 'must be an array' }],
      });
    }
    items = events;
  } else {
    throw new AppError('invalid_body', { detail: 'Send {"events":[…]}, a JSON array of events, or NDJSON' });
  }
  if (items.length > maxEvents) {
    throw new AppError('payload_too_large', {
      detail: `A batch holds at most ${maxEvents} events; this one has ${items.length}`,
    });
  }
  return items;
}

function ndjsonItems(text: string, maxDepth: number): unknown[] {
  const items: unknown[] = [];
  const errors: ErrorDetail[] = [];
  const lines = text.split('\n');
  for (const line of lines) {
    const trimmed = line.trim();
    // Blank lines (a trailing newline, CRLF leftovers) are not events and take no index.
    if (trimmed === '') continue;
    try {
      items.push(JSON.parse(trimmed));
    } catch {
      errors.push({ path: `/events/${items.length}`, message: 'is not valid JSON' });
      items.push(undefined);
    }
  }
  if (errors.length > 0) {
    throw new AppError('invalid_body', { detail: 'Some NDJSON lines are not valid JSON; nothing was stored', errors });
  }
  // The same nesting limit as a JSON body (its parser checks that), one line at a time.
  items.forEach((item, i) => checkDepth(item, maxDepth, `/events/${i}`));
  return items;
}
