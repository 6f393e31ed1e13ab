import type { ErrorDetail } from '@sightline/sdk';

// The server locates each problem by a JSON Pointer into the query (`/measures/0/fn`); a form field
// shows the ones under its own pointer, so that a problem appears where it can be fixed.

function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** The problems at `prefix` or below it, except those under one of `except` (shown elsewhere). */
export function errorsAt(errors: readonly ErrorDetail[], prefix: string, except: readonly string[] = []): ErrorDetail[] {
  return errors.filter((e) => under(e.path, prefix) && !except.some((x) => under(e.path, x)));
}
