/**
 * A random UUID (v4) for an event that has no id. The id is what makes a retried batch safe: the
 * server stores one event per (source, id), so a batch sent twice (an answer lost on the way
 * back) is counted once.
 */
export function newEventId(): string {
  const c = globalThis.crypto;
  // randomUUID exists only in secure contexts (https, localhost) in browsers; getRandomValues
  // exists everywhere Web Crypto does.
  if (c !== undefined && typeof c.randomUUID === 'function') return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (c !== undefined && typeof c.getRandomValues === 'function') c.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256); // no Web Crypto at all: still unique enough for dedup keys
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
