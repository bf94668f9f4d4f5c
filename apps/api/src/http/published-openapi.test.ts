// docs/openapi.json is committed so that readers of the repository (and integration teams browsing
// it) see the REST contract without running anything; this test keeps it equal to what the api
// serves. After changing a route or a schema: `npm run openapi -w @careline/api`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { publishedOpenApiJson } from './published-openapi';

const committedFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../docs/openapi.json');

describe('docs/openapi.json', () => {
  it('is the document a production api serves (regenerate: npm run openapi -w @careline/api)', async () => {
    const generated = await publishedOpenApiJson();
    expect(readFileSync(committedFile, 'utf8')).toBe(generated);
  });

  it('leaves out the development-only routes and documents the trace id of messages', async () => {
    const document = JSON.parse(await publishedOpenApiJson()) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(Object.keys(document.paths).filter((p) => p.startsWith('/dev'))).toEqual([]);
    expect(Object.keys(document.paths)).toContain('/v1/conversations/{id}/messages');
    expect(document.components.schemas['Message']?.properties).toHaveProperty('traceId');
  });
});
