import { readFileSync } from 'node:fs';
import { ERROR_CODES } from '@sightline/protocol';
import { describe, expect, it } from 'vitest';

describe('docs/errors.md', () => {
  const doc = readFileSync('docs/errors.md', 'utf8');
  it.each(Object.entries(ERROR_CODES))('lists %s with its status', (code, { status }) => {
    expect(doc).toMatch(new RegExp(`^\\| \`${code}\` \\| ${status} \\|`, 'm'));
  });
  it('lists no code the registry lacks', () => {
    const listed = [...doc.matchAll(/^\| `([a-z_]+)` \| \d{3} \|/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });
});
