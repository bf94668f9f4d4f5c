// Builds the OpenAPI 3.1 document from the routes' zod schemas (z.toJSONSchema, JSON Schema
// 2020-12, which is OpenAPI 3.1's own dialect). Schemas registered with `.meta({ id })` become
// `components.schemas` and are referenced, everything else is inlined.
import { z } from 'zod';
import { problemSchema } from '../schemas/common';
import type { OperationSpec, ResponseSpec } from './router';

type Json = Record<string, unknown>;
type Io = 'input' | 'output';

export interface OpenApiInfo {
  title: string;
  version: string;
  description: string;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  jsonSchemaDialect: string;
  info: OpenApiInfo;
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json>; securitySchemes: Record<string, Json> };
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const DIALECT = 'https://json-schema.org/draft/2020-12/schema';
const BEARER = 'bearerAuth';

const TAGS: Record<string, string> = {
  me: 'The caller: who the token says they are and what their roles allow.',
  conversations: "The care team's inbox: conversations with patients, their messages, replies.",
  inbox: 'Working the inbox: assignment, state, internal notes, read receipts, routing rules and the live event stream.',
  hospital: "The caller's hospital as its staff see it: its name and its teams.",
  templates: "The hospital's WhatsApp templates (synced from WhatsApp), for writing to patients outside the 24-hour window.",
  audit: "The tenant's append-only, hash-chained audit log, for auditors: query, verify, export, checkpoints.",
  patients: "The hospital's patient registry and consent records (stored encrypted, every access audited).",
  documents: "Documents of patients' records and their secure release to patients (link, identity check, download).",
  appointments: 'Availability, booking, rescheduling, cancelling, attendance, EHR import and the no-show report (scheduling).',
  scheduling: "The hospital's calendar set-up: sites, clinics, clinicians, appointment types and working hours.",
  admin: "Running the hospital (`tenant:admin`): the tenant, its WhatsApp numbers, teams, staff, routing, reminder and release policies.",
  fhir: 'FHIR R4 JSON (`application/fhir+json`) for EHR and lab integrations: Patient, DocumentReference, DiagnosticReport.',
  development: 'Local development issuer; served only when CARELINE_DEV_AUTH=true.',
  documentation: 'This document and its page.',
  operations: 'Liveness, readiness and metrics for the platform.',
};

/** Collects component schemas while converting; one instance per document. */
function createSchemaConverter() {
  const components: Record<string, Json> = {};

  const rewrite = (value: unknown, names: Map<string, string>): unknown => {
    if (Array.isArray(value)) return value.map((item) => rewrite(item, names));
    if (value === null || typeof value !== 'object') return value;
    const result: Json = {};
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string' && item.startsWith('#/$defs/')) {
        const id = item.slice('#/$defs/'.length);
        result[key] = `#/components/schemas/${names.get(id) ?? id}`;
      } else {
        result[key] = rewrite(item, names);
      }
    }
    return result;
  };

  const componentName = (id: string, def: Json, io: Io): string => {
    // Compared as it would be stored (refs rewritten), under the names its references have now.
    const schema = JSON.stringify(rewrite(def, new Map()));
    const same = (name: string) => JSON.stringify(components[name]) === schema;
    if (components[id] === undefined || same(id)) return id;
    // The request form of a schema with defaults or coercions differs from its response form.
    const alternative = `${id}${io === 'input' ? 'Input' : 'Output'}`;
    if (components[alternative] === undefined || same(alternative)) return alternative;
    throw new Error(`two different schemas are registered with the id ${id}`);
  };

  const convert = (schema: z.ZodType, io: Io): Json => {
    const generated = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      // A schema that JSON Schema cannot express would make the document lie: fail instead.
      unrepresentable: 'throw',
      reused: 'inline',
    }) as Json;
    const { $schema: _dialect, $defs, ...root } = generated;
    const defs = ($defs ?? {}) as Record<string, Json>;
    const names = new Map<string, string>();
    // Names first (a definition may refer to another), then the rewritten bodies.
    for (const [id, def] of Object.entries(defs)) names.set(id, componentName(id, def, io));
    for (const [id, def] of Object.entries(defs)) {
      const name = names.get(id) ?? id;
      components[name] = rewrite(def, names) as Json;
    }
    return rewrite(root, names) as Json;
  };

  return { convert, components };
}

function parameters(
  location: 'path' | 'query' | 'header',
  schema: z.ZodObject | undefined,
  convert: (s: z.ZodType, io: Io) => Json,
) {
  if (schema === undefined) return [];
  const json = convert(schema, 'input');
  const properties = (json['properties'] ?? {}) as Record<string, Json>;
  const required = new Set((json['required'] ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    const parameter: Json = {
      name,
      in: location,
      required: location === 'path' || required.has(name),
      schema: rest,
    };
    if (typeof description === 'string') parameter['description'] = description;
    return parameter;
  });
}

function problemResponses(operation: OperationSpec): Map<number, string[]> {
  const problems = new Map<number, string[]>();
  const add = (status: number, text: string) => problems.set(status, [...(problems.get(status) ?? []), text]);
  if (operation.params || operation.query || operation.body || operation.headers) {
    add(
      400,
      '`invalid_request`: a parameter or the body is invalid; `details.errors` names each field (`{ path, message }`).',
    );
  }
  if (operation.access !== 'public') {
    add(
      401,
      'The bearer token is missing or refused: `token_missing`, `token_malformed`, `token_expired`, `token_invalid_signature`, `token_wrong_issuer`, `token_wrong_audience`, `token_alg_not_allowed`, `token_claims_invalid`.',
    );
    add(503, "`issuer_unavailable`: the identity provider's signing keys could not be fetched.");
  }
  if (typeof operation.access === 'object') {
    add(403, `\`permission_denied\`: the caller's roles do not grant \`${operation.access.permission}\`.`);
  }
  if (operation.upstream) add(503, '`service_unavailable`: a Careline service did not answer; retry later.');
  for (const problem of operation.problems ?? []) add(problem.status, problem.description);
  add(500, '`internal`: an unexpected error; nothing about it is revealed.');
  return problems;
}

function content(response: ResponseSpec, convert: (s: z.ZodType, io: Io) => Json): Json {
  const type = response.contentType ?? 'application/json';
  // Non-JSON bodies (HTML, Prometheus text) are described by their media type alone.
  // (`+json` types such as application/fhir+json are JSON too)
  const json = type === 'application/json' || type.split(';')[0]?.trim().endsWith('+json') === true;
  const schema = json ? convert(response.schema, 'output') : { type: 'string' };
  // The media type without parameters (`text/html`, not `text/html; charset=utf-8`).
  return { description: response.description, content: { [type.split(';')[0]?.trim() ?? type]: { schema } } };
}

function operationObject(operation: OperationSpec, convert: (s: z.ZodType, io: Io) => Json): Json {
  const responses: Json = {};
  for (const response of [operation.response, ...(operation.otherResponses ?? [])]) {
    responses[String(response.status)] = content(response, convert);
  }
  for (const [status, texts] of [...problemResponses(operation)].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: texts.join(' '),
      content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } },
    };
  }
  const result: Json = {
    operationId: operation.operationId,
    summary: operation.summary,
    tags: [...operation.tags],
    security: operation.access === 'public' ? [] : [{ [BEARER]: [] }],
    parameters: [
      ...parameters('path', operation.params, convert),
      ...parameters('query', operation.query, convert),
      ...parameters('header', operation.headers, convert),
    ],
    responses,
  };
  const permission = typeof operation.access === 'object' ? operation.access.permission : undefined;
  const description = [
    operation.description,
    permission === undefined ? undefined : `Requires the permission \`${permission}\`.`,
  ]
    .filter((text) => text !== undefined)
    .join('\n\n');
  if (description.length > 0) result['description'] = description;
  if (permission !== undefined) result['x-careline-permission'] = permission;
  if (operation.body !== undefined) {
    result['requestBody'] = {
      required: true,
      content: { [operation.bodyContentType ?? 'application/json']: { schema: convert(operation.body, 'input') } },
    };
  }
  return result;
}

export function buildOpenApiDocument(
  info: OpenApiInfo,
  operations: readonly OperationSpec[],
): OpenApiDocument {
  const { convert, components } = createSchemaConverter();
  convert(problemSchema, 'output');
  const paths: Record<string, Record<string, Json>> = {};
  for (const operation of operations) {
    const item = (paths[operation.path] ??= {});
    item[operation.method.toLowerCase()] = operationObject(operation, convert);
  }
  const used = new Set(operations.flatMap((operation) => operation.tags));
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: DIALECT,
    info,
    tags: Object.entries(TAGS)
      .filter(([name]) => used.has(name))
      .map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        [BEARER]: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'An OIDC access token from the configured identity provider (or, in development, from `POST /dev/token`). It names one tenant (`https://careline.health/tenant`) and the roles (`https://careline.health/roles`); every request acts in that tenant only.',
        },
      },
    },
  };
}
