// The offline verifier as a function: arguments in, exit code and text out, files read through
// an injectable reader so tests need no disk. main.ts is the process around it.
import { parseArgs } from 'node:util';
import { parseCheckpointsFile, parseVerifyKey, verifyExport } from '@careline/audit-chain';

export const USAGE =
  'usage: audit-verify --export chain.ndjson --public-key key.pem [--checkpoints checkpoints.json]';

export interface CliResult {
  code: 0 | 1 | 2;
  /** One line for stdout (OK) or stderr (anything else). */
  message: string;
}

export function runCli(argv: readonly string[], readFile: (path: string) => string): CliResult {
  let values: { export?: string; checkpoints?: string; 'public-key'?: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        export: { type: 'string' },
        checkpoints: { type: 'string' },
        'public-key': { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    return { code: 2, message: `${(error as Error).message}\n${USAGE}` };
  }
  const exportPath = values.export;
  const keyPath = values['public-key'];
  if (exportPath === undefined || keyPath === undefined) return { code: 2, message: USAGE };

  let ndjson: string;
  let key;
  let checkpoints;
  try {
    ndjson = readFile(exportPath);
    key = parseVerifyKey(readFile(keyPath));
    checkpoints = values.checkpoints === undefined ? [] : parseCheckpointsFile(JSON.parse(readFile(values.checkpoints)));
  } catch (error) {
    return { code: 2, message: `cannot read input: ${(error as Error).message}` };
  }
  const verdict = verifyExport(ndjson, checkpoints, key);
  if (verdict.ok) {
    return {
      code: 0,
      message: `OK: ${verdict.entries} entries, ${verdict.checkpoints} checkpoints verified${verdict.tenantId === undefined ? '' : ` (tenant ${verdict.tenantId})`}`,
    };
  }
  return {
    code: 1,
    message: verdict.seq === undefined ? `BROKEN: ${verdict.message}` : `BROKEN at seq ${verdict.seq}: ${verdict.message}`,
  };
}
