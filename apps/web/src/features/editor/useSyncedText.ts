import { useState } from 'react';

function keyOf(value: unknown): string {
  return JSON.stringify(value) ?? 'undefined';
}

/**
 * The text of an input that edits a typed value (a number, a list, an optional field). The text the
 * user typed is kept while it still means the current value (`1,` for `[1]`, `4.` for `4`), and is
 * rewritten only when the value changes from elsewhere, such as the query JSON.
 */
export function useSyncedText<T>(value: T, format: (value: T) => string, parse: (text: string) => T, onChange: (value: T) => void): [string, (text: string) => void] {
  const key = keyOf(value);
  const [state, setState] = useState(() => ({ text: format(value), key }));
  let text = state.text;
  if (state.key !== key) {
    text = format(value);
    setState({ text, key });
  }
  const setText = (next: string) => {
    const parsed = parse(next);
    setState({ text: next, key: keyOf(parsed) });
    onChange(parsed);
  };
  return [text, setText];
}
