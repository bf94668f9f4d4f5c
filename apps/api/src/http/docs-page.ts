// GET /docs: a self-contained HTML page rendered on the server from the OpenAPI document. No
// script, no CDN, no web fonts: it works offline and under a strict Content-Security-Policy, and it
// can never disagree with /openapi.json because it is made from it.
import type { OpenApiDocument } from './openapi';

type Json = Record<string, unknown>;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Backticks become <code>; everything else is escaped text. */
function prose(value: unknown): string {
  if (typeof value !== 'string') return '';
  return escapeHtml(value)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .split(/\n{2,}/)
    .map((paragraph) => `<p>${paragraph}</p>`)
    .join('');
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf('/') + 1);
}

function anchor(name: string): string {
  return `schema-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

function typeOf(schema: unknown): string {
  if (!isObject(schema)) return 'any';
  if (typeof schema['$ref'] === 'string') {
    const name = refName(schema['$ref']);
    return `<a href="#${anchor(name)}">${escapeHtml(name)}</a>`;
  }
  if ('const' in schema) return `<code>${escapeHtml(JSON.stringify(schema['const']))}</code>`;
  if (Array.isArray(schema['enum']))
    return schema['enum'].map((v) => `<code>${escapeHtml(JSON.stringify(v))}</code>`).join(' | ');
  for (const key of ['oneOf', 'anyOf'] as const) {
    const variants = schema[key];
    if (Array.isArray(variants)) return variants.map(typeOf).join(' | ');
  }
  const types = Array.isArray(schema['type']) ? schema['type'] : [schema['type'] ?? 'any'];
  return types
    .map((type) => {
      if (type === 'array') return `${typeOf(schema['items'])}[]`;
      const format = typeof schema['format'] === 'string' ? ` (${escapeHtml(schema['format'])})` : '';
      return `${escapeHtml(type)}${format}`;
    })
    .join(' | ');
}

function constraints(schema: Json): string {
  const parts: string[] = [];
  for (const key of ['minimum', 'maximum', 'minLength', 'maxLength', 'pattern', 'default'] as const) {
    // zod states the safe-integer range of every integer: noise for a reader.
    if (typeof schema[key] === 'number' && Math.abs(schema[key]) === Number.MAX_SAFE_INTEGER) continue;
    if (key in schema) parts.push(`${key} <code>${escapeHtml(JSON.stringify(schema[key]))}</code>`);
  }
  return parts.length > 0 ? `<div class="muted">${parts.join(', ')}</div>` : '';
}

/** Nested objects, also behind `T | null`. */
function innerObject(schema: Json): Json | undefined {
  if (isObject(schema['properties'])) return schema;
  const variants = schema['anyOf'];
  if (Array.isArray(variants))
    return variants.filter(isObject).find((variant) => isObject(variant['properties']));
  return undefined;
}

function propertiesTable(schema: Json, depth = 0): string {
  const properties = isObject(schema['properties']) ? schema['properties'] : {};
  const required = new Set(Array.isArray(schema['required']) ? schema['required'] : []);
  const rows = Object.entries(properties).map(([name, raw]) => {
    const property = isObject(raw) ? raw : {};
    const nested = depth < 3 ? innerObject(property) : undefined;
    return `<tr><td><code>${escapeHtml(name)}</code>${required.has(name) ? '' : ' <span class="muted">optional</span>'}</td><td>${typeOf(property)}</td><td>${prose(property['description'])}${constraints(property)}${nested ? propertiesTable(nested, depth + 1) : ''}</td></tr>`;
  });
  if (rows.length === 0) return '';
  return `<table><thead><tr><th>field</th><th>type</th><th>description</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function schemaBlock(schema: unknown): string {
  if (!isObject(schema)) return '';
  if (typeof schema['$ref'] === 'string') return `<p>${typeOf(schema)}</p>`;
  const variants = schema['oneOf'];
  if (Array.isArray(variants)) {
    return variants
      .filter(isObject)
      .map((variant) => {
        const discriminator = isObject(variant['properties']) ? variant['properties']['type'] : undefined;
        const title =
          isObject(discriminator) && 'const' in discriminator ? `<h4>${typeOf(discriminator)}</h4>` : '';
        return `${title}${propertiesTable(variant)}`;
      })
      .join('');
  }
  const table = propertiesTable(schema);
  return table.length > 0 ? table : `<p>${typeOf(schema)}</p>`;
}

function operationSection(path: string, method: string, operation: Json): string {
  const parameters = Array.isArray(operation['parameters']) ? operation['parameters'].filter(isObject) : [];
  const parameterRows = parameters.map(
    (p) =>
      `<tr><td><code>${escapeHtml(p['name'])}</code></td><td>${escapeHtml(p['in'])}${p['required'] === true ? '' : ' <span class="muted">optional</span>'}</td><td>${typeOf(p['schema'])}</td><td>${prose(p['description'])}${isObject(p['schema']) ? constraints(p['schema']) : ''}</td></tr>`,
  );
  const requestBody = isObject(operation['requestBody']) ? operation['requestBody'] : undefined;
  const bodySchema =
    requestBody && isObject(requestBody['content'])
      ? (requestBody['content']['application/json'] as Json | undefined)
      : undefined;
  const responses = isObject(operation['responses']) ? operation['responses'] : {};
  const responseRows = Object.entries(responses).map(([status, raw]) => {
    const response = isObject(raw) ? raw : {};
    const contentTypes = isObject(response['content']) ? Object.entries(response['content']) : [];
    const body = contentTypes
      .map(
        ([type, media]) =>
          `<div class="muted">${escapeHtml(type)}</div>${isObject(media) ? schemaBlock(media['schema']) : ''}`,
      )
      .join('');
    return `<tr><td class="status">${escapeHtml(status)}</td><td>${prose(response['description'])}${body}</td></tr>`;
  });
  const secured = Array.isArray(operation['security']) && operation['security'].length > 0;
  const id = typeof operation['operationId'] === 'string' ? operation['operationId'] : `${method}-${path}`;
  return `<section class="operation" id="${escapeHtml(id)}">
<h3><span class="method ${escapeHtml(method)}">${escapeHtml(method.toUpperCase())}</span> <code>${escapeHtml(path)}</code></h3>
<p><strong>${escapeHtml(operation['summary'] ?? '')}</strong>${secured ? ' <span class="badge">bearer token</span>' : ' <span class="badge open">no token</span>'}</p>
${prose(operation['description'])}
${parameterRows.length > 0 ? `<h4>Parameters</h4><table><thead><tr><th>name</th><th>in</th><th>type</th><th>description</th></tr></thead><tbody>${parameterRows.join('')}</tbody></table>` : ''}
${bodySchema ? `<h4>Request body <span class="muted">application/json</span></h4>${schemaBlock(bodySchema['schema'])}` : ''}
<h4>Responses</h4><table><tbody>${responseRows.join('')}</tbody></table>
</section>`;
}

const STYLE = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1b1f24;background:#fafbfc}
main{max-width:1040px;margin:0 auto;padding:24px}
h1{margin-bottom:0}h2{border-bottom:1px solid #d0d7de;padding-bottom:4px;margin-top:40px}
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:#eef1f4;padding:1px 4px;border-radius:4px}
table{border-collapse:collapse;width:100%;margin:8px 0;background:#fff}
th,td{border:1px solid #d0d7de;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f3f5f7}td p{margin:0 0 4px}
.operation{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:8px 16px;margin:16px 0}
.method{display:inline-block;min-width:56px;text-align:center;color:#fff;border-radius:4px;padding:2px 6px;font-size:13px}
.get{background:#1f6feb}.post{background:#1a7f37}.put,.patch{background:#9a6700}.delete{background:#cf222e}
.badge{font-size:12px;border:1px solid #8c959f;border-radius:10px;padding:0 8px;color:#57606a}
.badge.open{border-color:#d4a72c}.muted{color:#57606a;font-size:13px}.status{font-weight:600;width:64px}
nav ul{columns:2}`;

export function renderDocsPage(document: OpenApiDocument): string {
  const tagged = new Map<string, string[]>();
  const contents: string[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!isObject(operation)) continue;
      const tags = Array.isArray(operation['tags']) ? operation['tags'] : [];
      const tag = typeof tags[0] === 'string' ? tags[0] : 'other';
      tagged.set(tag, [...(tagged.get(tag) ?? []), operationSection(path, method, operation)]);
      const id =
        typeof operation['operationId'] === 'string' ? operation['operationId'] : `${method}-${path}`;
      contents.push(
        `<li><a href="#${escapeHtml(id)}"><code>${escapeHtml(method.toUpperCase())} ${escapeHtml(path)}</code></a></li>`,
      );
    }
  }
  const tagDescriptions = new Map(document.tags.map((tag) => [tag.name, tag.description]));
  const sections = [...tagged].map(
    ([tag, operations]) =>
      `<h2>${escapeHtml(tag)}</h2>${prose(tagDescriptions.get(tag))}${operations.join('\n')}`,
  );
  const schemas = Object.entries(document.components.schemas).map(
    ([name, schema]) =>
      `<section class="operation" id="${anchor(name)}"><h3><code>${escapeHtml(name)}</code></h3>${prose(schema['description'])}${schemaBlock(schema)}</section>`,
  );
  const securityText = Object.values(document.components.securitySchemes)
    .map((scheme) => prose(scheme['description']))
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(document.info.title)} ${escapeHtml(document.info.version)}</title><style>${STYLE}</style></head>
<body><main>
<h1>${escapeHtml(document.info.title)}</h1><p class="muted">version ${escapeHtml(document.info.version)} · OpenAPI ${escapeHtml(document.openapi)} · <a href="/openapi.json">openapi.json</a></p>
${prose(document.info.description)}
<h2>Authentication</h2><p>Send <code>Authorization: Bearer &lt;token&gt;</code>.</p>${securityText}
<p>Errors are <code>application/problem+json</code> (see <a href="#${anchor('Problem')}">Problem</a>); switch on <code>code</code>.</p>
<nav><h2>Operations</h2><ul>${contents.join('')}</ul></nav>
${sections.join('\n')}
<h2>Schemas</h2>${schemas.join('\n')}
</main></body></html>
`;
}
