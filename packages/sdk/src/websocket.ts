/**
 * The part of the WebSocket API the SDK uses. The browser's WebSocket, Node 22's global one and
 * the `ws` package all fit it.
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  // any: the DOM and `ws` type their event objects differently (MessageEvent vs ws.MessageEvent,
  // and the listener-object overloads), so no single listener type is assignable from both. We
  // read only `data`, `code` and `reason`, and check them at run time.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: any) => void): void;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** The readyState of an open socket (the same number in every implementation). */
export const WS_OPEN = 1;

/**
 * The WebSocket to use: the one given, the global one (browsers, Deno, Bun, Node >= 22), or the
 * `ws` package on Node 20, which has no global WebSocket.
 */
export async function resolveWebSocket(given: WebSocketConstructor | undefined): Promise<WebSocketConstructor> {
  if (given !== undefined) return given;
  const global = (globalThis as { WebSocket?: unknown }).WebSocket;
  if (typeof global === 'function') return global as WebSocketConstructor;
  // A specifier in a variable, so that bundlers (which follow only literal imports) leave `ws`
  // out of browser bundles; browsers never get here because they have a global WebSocket.
  const specifier = 'ws';
  try {
    const mod = (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as { default?: unknown; WebSocket?: unknown };
    const ctor = mod.default ?? mod.WebSocket;
    if (typeof ctor === 'function') return ctor as WebSocketConstructor;
  } catch {
    // fall through to the explanation below
  }
  throw new TypeError('Sightline: no WebSocket available; install the `ws` package or pass options.WebSocket');
}

/** `http://host/base` → `ws://host/base<path>`, `https:` → `wss:`. */
export function toWebSocketUrl(httpUrl: string, path: string): string {
  return httpUrl.replace(/^http(s?):\/\//i, (_, s: string) => `ws${s}://`) + path;
}

/** A message's text: browsers give strings, `ws` may give a Buffer (a Uint8Array) for binary frames. */
export function messageText(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
  if (ArrayBuffer.isView(data)) return new TextDecoder().decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return undefined;
}
