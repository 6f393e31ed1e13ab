import { createHmac } from 'node:crypto';
import { PII_ACTIONS, PII_PATH_PATTERN, PII_PATH_RULE, pointerSegment, type ErrorDetail, type PiiAction } from '@sightline/protocol';

/** HKDF `info` of the PII hash key: the secret key itself is never used directly as an HMAC key. */
export const PII_HASH_INFO = 'sightline pii hash';

const piiPath = new RegExp(PII_PATH_PATTERN);
const MASK = '***';

/**
 * The keyed hash of PII: HMAC-SHA256, hex. Keyed, so that nobody can find an e-mail by hashing a
 * dictionary of addresses; deterministic, so that uniq counts, funnels and privacy look-ups still
 * work on the hashed values.
 */
export class PiiHasher {
  /** `keys[0]` hashes what is ingested; every key is used to find what was hashed before a key rotation. */
  constructor(private readonly keys: readonly Buffer[]) {
    if (keys.length === 0) throw new Error('the PII hasher needs a key');
  }

  hash(value: string): string {
    return createHmac('sha256', this.keys[0]!).update(value, 'utf8').digest('hex');
  }

  /** The value's hash under every known key, the current one first (duplicates removed). */
  hashesUnderEveryKey(value: string): string[] {
    return [...new Set(this.keys.map((key) => createHmac('sha256', key).update(value, 'utf8').digest('hex')))];
  }
}

/** What `mask` leaves: at most the first character, then `***`; numbers, booleans and objects become `***`. */
export function mask(value: unknown): string {
  if (typeof value !== 'string') return MASK;
  const first = value.codePointAt(0);
  // A one-character value would be shown whole: it is masked entirely.
  if (first === undefined || value.length <= String.fromCodePoint(first).length) return MASK;
  return String.fromCodePoint(first) + MASK;
}

/** Checks rules as a client sent them; each bad one is reported at `/pii/<its path, escaped>`. */
export function piiRuleErrors(rules: Readonly<Record<string, string>>): ErrorDetail[] {
  const errors: ErrorDetail[] = [];
  for (const [path, action] of Object.entries(rules)) {
    const pointer = `/pii/${pointerSegment(path)}`;
    if (!piiPath.test(path)) errors.push({ path: pointer, message: PII_PATH_RULE });
    else if (!(PII_ACTIONS as readonly string[]).includes(action)) errors.push({ path: pointer, message: `must be one of ${PII_ACTIONS.join(', ')}` });
  }
  return errors;
}

type Rule = { field: 'actor'; action: PiiAction } | { field: 'props'; path: readonly string[]; action: PiiAction };

/** Hashes a value (the batch's memoized PiiHasher.hash). */
export type HashFn = (value: string) => string;

/** The rules of one source, compiled once. */
export class SourcePiiRules {
  private readonly rules: readonly Rule[];

  constructor(rules: Readonly<Record<string, PiiAction>>) {
    // Sorted, so that overlapping rules (`props.a` and `props.a.b`) always apply in the same order.
    this.rules = Object.keys(rules)
      .sort()
      .map((path): Rule => (path === 'actor' ? { field: 'actor', action: rules[path]! } : { field: 'props', path: path.slice('props.'.length).split('.'), action: rules[path]! }));
  }

  /**
   * The actor and props as they are to be stored. The input is never changed: objects along a
   * rewritten path are copied, the rest is shared.
   */
  apply(actor: string | null, props: Record<string, unknown> | null, hash: HashFn): { actor: string | null; props: Record<string, unknown> | null } {
    for (const rule of this.rules) {
      if (rule.field === 'actor') {
        if (actor !== null) actor = rule.action === 'drop' ? null : transform(actor, rule.action, hash);
      } else if (props !== null) {
        props = rewrite(props, rule.path, 0, rule.action, hash);
      }
    }
    return { actor, props };
  }
}

function rewrite(object: Record<string, unknown>, path: readonly string[], depth: number, action: PiiAction, hash: HashFn): Record<string, unknown> {
  const key = path[depth]!;
  if (!Object.hasOwn(object, key)) return object; // a missing field is left alone
  const current = object[key];
  if (current === null || current === undefined) return object;
  if (depth === path.length - 1) {
    const copy = { ...object };
    if (action === 'drop') delete copy[key];
    else setOwn(copy, key, transform(current, action, hash));
    return copy;
  }
  if (typeof current !== 'object' || Array.isArray(current)) return object; // the path does not exist in this event
  const inner = rewrite(current as Record<string, unknown>, path, depth + 1, action, hash);
  if (inner === current) return object;
  const copy = { ...object };
  setOwn(copy, key, inner);
  return copy;
}

function transform(value: unknown, action: 'hash' | 'mask', hash: HashFn): string {
  if (action === 'mask') return mask(value);
  return hash(typeof value === 'string' ? value : JSON.stringify(value));
}

/** Sets an own property even for `__proto__` (a valid path segment), which plain assignment would turn into a prototype change. */
function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * The PII rules of every source, cached in memory: ingest asks for a source's rules per event, so a
 * look-up must cost next to nothing, and a source without rules costs one Map miss. The sources
 * feature refreshes an entry whenever it changes a source.
 */
export class PiiRules {
  private readonly bySource = new Map<string, SourcePiiRules>();

  constructor(readonly hasher: PiiHasher) {}

  /** Replaces a source's rules (none: the source costs nothing at ingest). */
  set(source: string, rules: Readonly<Record<string, PiiAction>>): void {
    if (Object.keys(rules).length === 0) this.bySource.delete(source);
    else this.bySource.set(source, new SourcePiiRules(rules));
  }

  remove(source: string): void {
    this.bySource.delete(source);
  }

  /** Replaces every source's rules in one step (a reload): no batch sees a moment without rules. */
  replaceAll(sources: Iterable<{ name: string; pii: Readonly<Record<string, PiiAction>> }>): void {
    this.bySource.clear();
    for (const source of sources) this.set(source.name, source.pii);
  }

  forSource(source: string): SourcePiiRules | undefined {
    return this.bySource.size === 0 ? undefined : this.bySource.get(source);
  }

  /** The rules as one ingest batch applies them. */
  batch(): PiiBatch {
    return new PiiBatch(this);
  }
}

/**
 * One batch's view of the rules. Actors and e-mails repeat within a batch, and an HMAC costs about
 * 2.5 µs here, so hashes are memoized, for this batch only: the memo (raw value → hash) is dropped
 * with the batch, so no raw value outlives the request that carried it.
 */
export class PiiBatch {
  private readonly memo = new Map<string, string>();

  constructor(private readonly rules: PiiRules) {}

  forSource(source: string): SourcePiiRules | undefined {
    return this.rules.forSource(source);
  }

  readonly hash: HashFn = (value) => {
    let hashed = this.memo.get(value);
    if (hashed === undefined) {
      hashed = this.rules.hasher.hash(value);
      this.memo.set(value, hashed);
    }
    return hashed;
  };
}
