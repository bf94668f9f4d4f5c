// The lint rules that encode the architecture really fail: each case lints a small piece of code
// as if it stood in a real file of the workspace, with the workspace's own ESLint configuration.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url).pathname;
const eslint = new ESLint({ cwd: root });

async function rulesHit(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${filePath}` });
  return (result?.messages ?? []).map((m) => m.ruleId ?? `fatal: ${m.message}`);
}

describe('architecture lint', { timeout: 120_000 }, () => {
  it('accepts code that keeps the rules (the control case)', async () => {
    expect(await rulesHit('libs/whatsapp/src/index.ts', "export const ok = (n: number): number => n + 1;\n")).toEqual([]);
  });

  it('refuses a util library that depends on a data library', async () => {
    const hits = await rulesHit(
      'libs/whatsapp/src/index.ts',
      "import { createPool } from '@careline/db';\nexport const pool = createPool;\n",
    );
    expect(hits).toContain('@nx/enforce-module-boundaries');
  });

  it('refuses the simulator depending on Careline\'s WhatsApp library', async () => {
    const hits = await rulesHit(
      'apps/wa-simulator/src/ids.ts',
      "import { verifySignature } from '@careline/whatsapp';\nexport const verify = verifySignature;\n",
    );
    expect(hits).toContain('@nx/enforce-module-boundaries');
  });

  it('refuses pg in an app outside its data modules, and kafkajs outside the bus', async () => {
    expect(await rulesHit('apps/ingest/src/config.ts', "import pg from 'pg';\nexport const client = pg.Client;\n")).toContain(
      'no-restricted-imports',
    );
    expect(
      await rulesHit('apps/messaging/src/db/messages.ts', "import kafkajs from 'kafkajs';\nexport const k = kafkajs.Kafka;\n"),
    ).toContain('no-restricted-imports');
  });

  it('refuses floating promises and non-exhaustive switches', async () => {
    expect(
      await rulesHit('libs/db/src/index.ts', 'export function f(p: Promise<void>): void {\n  void 0;\n  p.then(() => 1);\n}\n'),
    ).toContain('@typescript-eslint/no-floating-promises');
    expect(
      await rulesHit(
        'libs/db/src/index.ts',
        "export function g(k: 'a' | 'b'): number {\n  switch (k) {\n    case 'a':\n      return 1;\n  }\n  return 0;\n}\n",
      ),
    ).toContain('@typescript-eslint/switch-exhaustiveness-check');
  });

  it('refuses focused tests', async () => {
    const hits = await rulesHit(
      'libs/crypto/src/crypto.test.ts',
      "import { it } from 'vitest';\nit.only('x', () => undefined);\n",
    );
    expect(hits).toContain('no-restricted-syntax');
  });
});
