// `npm run asyncapi -w @careline/contracts`: rewrites docs/asyncapi.yaml from the contracts.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ASYNCAPI_FILE, REPO_ROOT, generateAsyncApiYaml } from './generate';

writeFileSync(ASYNCAPI_FILE, await generateAsyncApiYaml());
process.stdout.write(`wrote ${path.relative(REPO_ROOT, ASYNCAPI_FILE)}\n`);
