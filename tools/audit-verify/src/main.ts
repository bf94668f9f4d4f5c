// audit-verify: `npx tsx tools/audit-verify/src/main.ts --export chain.ndjson --checkpoints
// checkpoints.json --public-key key.pem`. Exit 0 when the chain and every checkpoint verify, 1
// with the first broken seq otherwise, 2 for bad usage or unreadable input.
import { readFileSync } from 'node:fs';
import { runCli } from './cli';

const result = runCli(process.argv.slice(2), (path) => readFileSync(path, 'utf8'));
if (result.code === 0) process.stdout.write(`${result.message}\n`);
else process.stderr.write(`${result.message}\n`);
process.exitCode = result.code;
