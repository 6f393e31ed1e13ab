import { LiveClientMessages, pointerSegment, type ErrorDetail, type LiveClientMessage, type LiveClientMessageType } from '@sightline/protocol';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

const ajv = new Ajv({ allErrors: true, strict: true, removeAdditional: false, coerceTypes: false });
const validators = Object.fromEntries(Object.entries(LiveClientMessages).map(([type, schema]) => [type, ajv.compile(schema)])) as Record<
  LiveClientMessageType,
  ValidateFunction
>;
const TYPES = Object.keys(LiveClientMessages).join(', ');

export type ParsedMessage = { ok: true; message: LiveClientMessage } | { ok: false; errors: ErrorDetail[] };

/**
 * Reads one incoming frame: JSON text, an object whose `type` picks the schema it must match (a
 * union discriminated on `type`, so that the errors speak of the message that was meant, not of
 * every branch of the union).
 */
export function parseClientMessage(data: Buffer, isBinary: boolean): ParsedMessage {
  if (isBinary) return { ok: false, errors: [{ path: '', message: 'must be a text frame holding JSON' }] };
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch {
    return { ok: false, errors: [{ path: '', message: 'is not valid JSON' }] };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, errors: [{ path: '', message: 'must be a JSON object with a "type"' }] };
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(validators, type)) return { ok: false, errors: [{ path: '/type', message: `must be one of ${TYPES}` }] };
  const validate = validators[type as LiveClientMessageType];
  if (!validate(value)) return { ok: false, errors: describe(validate.errors ?? []) };
  const message = value as LiveClientMessage;
  if (message.type === 'subscribe' && (message.topic === undefined) === (message.query === undefined)) {
    return { ok: false, errors: [{ path: '/topic', message: 'a subscribe message carries exactly one of "topic" and "query"' }] };
  }
  if (message.type === 'subscribe' && message.filters !== undefined && !message.topic?.startsWith('events:')) {
    return { ok: false, errors: [{ path: '/filters', message: 'only an events:<source> topic takes filters' }] };
  }
  return { ok: true, message };
}

function describe(errors: readonly ErrorObject[]): ErrorDetail[] {
  const out = new Map<string, string>();
  for (const error of errors) {
    let path = error.instancePath;
    let message = error.message ?? 'is not valid';
    if (error.keyword === 'required') {
      path = `${path}/${pointerSegment(String(error.params.missingProperty))}`;
      message = 'is required';
    } else if (error.keyword === 'additionalProperties') {
      path = `${path}/${pointerSegment(String(error.params.additionalProperty))}`;
      message = 'is not a field of this message';
    }
    if (!out.has(path)) out.set(path, message);
  }
  return [...out].map(([path, message]) => ({ path, message }));
}
