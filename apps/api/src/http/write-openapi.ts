// `npm run openapi -w @careline/api`: rewrites docs/openapi.json (what /openapi.json serves in
// production). A test fails while the committed file differs from it.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { publishedOpenApiJson } from './published-openapi';

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../docs/openapi.json');
writeFileSync(file, await publishedOpenApiJson());
process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
