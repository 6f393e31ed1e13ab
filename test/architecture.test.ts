import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The import rules of ARCHITECTURE.md are enforced by eslint.config.js; these cases prove the rules
// bite, so that a config change that silently disables them fails here.
const eslint = new ESLint({ cwd: process.cwd() });

async function restrictedImportErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import rules', () => {
  it.each([
    ['packages/protocol/src/x.ts', "import { planQuery } from '@sightline/query';\nexport const y = planQuery;\n"],
    ['packages/query/src/x.ts', "import { buildApp } from '@sightline/server';\nexport const y = buildApp;\n"],
    ['packages/query/src/x.ts', "import { readFileSync } from 'node:fs';\nexport const y = readFileSync;\n"],
    ['packages/query/src/x.ts', "import { DuckDBInstance } from '@duckdb/node-api';\nexport const y = DuckDBInstance;\n"],
    ['packages/query/src/x.ts', "import { y as z } from '../../../apps/server/src/app.js';\nexport const y = z;\n"],
    ['apps/server/src/x.ts', "import { App } from '@sightline/web';\nexport const y = App;\n"],
    ['apps/web/src/x.ts', "import { planQuery } from '@sightline/query';\nexport const y = planQuery;\n"],
    ['apps/web/src/x.ts', "import { buildApp } from '../../server/src/app.js';\nexport const y = buildApp;\n"],
    ['apps/web/src/x.ts', "import { readFileSync } from 'node:fs';\nexport const y = readFileSync;\n"],
  ])('%s may not import what %s imports', async (filePath, code) => {
    expect(await restrictedImportErrors(filePath, code)).not.toEqual([]);
  });

  it.each([
    ['packages/query/src/x.ts', "import { ERROR_CODES } from '@sightline/protocol';\nexport const y = ERROR_CODES;\n"],
    ['apps/server/src/x.ts', "import { planQuery } from '@sightline/query';\nexport const y = planQuery;\n"],
    ['apps/web/src/x.ts', "import { Sightline } from '@sightline/sdk';\nexport const y = Sightline;\n"],
  ])('%s may import what %s imports', async (filePath, code) => {
    expect(await restrictedImportErrors(filePath, code)).toEqual([]);
  });

  it('the web app reaches the server only through the SDK, never with fetch of its own', async () => {
    const [result] = await eslint.lintText("export const y = () => fetch('/v1/query');\n", { filePath: 'apps/web/src/features/x.ts' });
    expect(result!.messages.map((m) => m.ruleId)).toContain('no-restricted-globals');
  });

  it('only the config module reads process.env', async () => {
    const [result] = await eslint.lintText('export const port = process.env.PORT;\n', { filePath: 'apps/server/src/features/x.ts' });
    expect(result!.messages.map((m) => m.ruleId)).toContain('no-restricted-properties');
  });
});
