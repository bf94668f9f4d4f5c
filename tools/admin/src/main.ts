// The operator's command line: `npx tsx tools/admin/src/main.ts <command> …` (see cli.ts USAGE).
// Exit 0 with JSON on stdout; 1 with `{"error":{code,message}}` on stderr when a service refused;
// 2 for bad usage.
import { readFileSync } from 'node:fs';
import { runCli } from './cli';
import { createAdminClients } from './clients';
import { createPolicyClients } from './policies';

const result = await runCli(process.argv.slice(2), {
  env: process.env,
  readFile: (path) => readFileSync(path, 'utf8'),
  connect: createAdminClients,
  connectPolicies: createPolicyClients,
});
if (result.code === 0) process.stdout.write(`${result.output}\n`);
else process.stderr.write(`${result.output}\n`);
process.exitCode = result.code;
