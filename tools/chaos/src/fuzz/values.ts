// Values for fuzz inputs: the hostile ones every parser meets sooner or later, values that follow a
// JSON Schema (as the api's OpenAPI document declares it) so that inputs get past the first check,
// and mutations of a valid document so that they fail deep inside instead.
import type { Rng } from './rng';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  '\uD800',
  '\uFEFF',
  '\u202Eevil',
  '😷🏥',
  'Zoë Ñúñez-Ødegård',
  "' OR 1=1 --",
  '"; DROP TABLE messages; --',
  '../../../etc/passwd',
  '..%2F..%2F',
  '%00',
  '%s%s%s%n',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  'null',
  'true',
  '-0',
  'NaN',
  '1e999',
  '9007199254740993',
  '0x41',
  '2026-02-30T25:61:61Z',
  '0000-00-00',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  'not-a-uuid',
  'a'.repeat(257),
  'b'.repeat(4097),
  '\r\nX-Injected: 1',
  'tab\there',
  'line\nbreak',
];

const HOSTILE_NUMBERS: readonly number[] = [
  0,
  -1,
  1,
  -0,
  0.5,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53 + 1,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  1e308,
  -1e308,
  5e-324,
];

/** One of the strings every parser should survive. */
export function hostileString(rng: Rng): string {
  if (rng.chance(0.1)) return randomText(rng, rng.int(0, 300));
  return rng.pick(HOSTILE_STRINGS);
}

/** Printable ASCII, with a few multi-byte characters thrown in. */
export function randomText(rng: Rng, length: number): string {
  let text = '';
  for (let i = 0; i < length; i += 1) {
    text += rng.chance(0.05) ? rng.pick(['é', 'ß', '中', '🙂', '\u200b']) : String.fromCharCode(rng.int(0x20, 0x7e));
  }
  return text;
}

/** Any JSON value, hostile in shape (deep nesting, wide objects, odd keys) as well as in content. */
export function hostileJson(rng: Rng, depth = 0): Json {
  const roll = rng.int(0, 9);
  if (depth > 3 || roll <= 2) return rng.pick<Json>([null, true, false, rng.pick(HOSTILE_NUMBERS)]);
  if (roll <= 5) return hostileString(rng);
  if (roll === 6) return deepNesting(rng.int(20, 200));
  if (roll === 7) return Array.from({ length: rng.int(0, 5) }, () => hostileJson(rng, depth + 1));
  const object: Record<string, Json> = {};
  for (let i = rng.int(0, 5); i > 0; i -= 1) object[hostileString(rng)] = hostileJson(rng, depth + 1);
  return object;
}

function deepNesting(depth: number): Json {
  let value: Json = 1;
  for (let i = 0; i < depth; i += 1) value = i % 2 === 0 ? [value] : { a: value };
  return value;
}

// --- JSON Schema ----------------------------------------------------------------------------------

/** The subset of JSON Schema (2020-12, as zod writes it into the OpenAPI document) the generator reads. */
export interface Schema {
  $ref?: string;
  type?: string | string[];
  enum?: Json[];
  const?: Json;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  examples?: Json[];
  default?: Json;
}

export type SchemaResolver = (ref: string) => Schema | undefined;

/** Strings that match common patterns and formats, tried before falling back to random text. */
function stringCandidates(rng: Rng): string[] {
  const hex = (n: number) => Array.from({ length: n }, () => rng.int(0, 15).toString(16)).join('');
  const digits = (n: number) => Array.from({ length: n }, () => String(rng.int(0, 9))).join('');
  const day = `20${digits(2)}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`;
  return [
    `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
    digits(rng.int(8, 15)),
    day,
    `${day}T${String(rng.int(0, 23)).padStart(2, '0')}:${String(rng.int(0, 59)).padStart(2, '0')}:00Z`,
    `${day}T09:30:00+02:00`,
    `wamid.${hex(16)}`,
    `user${digits(3)}@example.org`,
    'https://example.org/x',
    'en',
    'en_US',
    'es',
    hex(rng.int(1, 40)),
    'Europe/Madrid',
    randomText(rng, rng.int(1, 12)).replace(/[^A-Za-z0-9]/g, 'x'),
  ];
}

function formatted(rng: Rng, format: string | undefined): string | undefined {
  const candidates = stringCandidates(rng);
  switch (format) {
    case 'uuid':
      return candidates[0];
    case 'date':
      return candidates[2];
    case 'date-time':
      return rng.chance(0.5) ? candidates[3] : candidates[4];
    case 'email':
      return candidates[6];
    case 'uri':
      return candidates[7];
    default:
      return undefined;
  }
}

function clampLength(text: string, schema: Schema): string {
  let value = text;
  const min = schema.minLength ?? 0;
  while (value.length < min) value += 'x';
  if (schema.maxLength !== undefined && value.length > schema.maxLength) value = value.slice(0, schema.maxLength);
  return value;
}

function matches(pattern: string | undefined, value: string): boolean {
  if (pattern === undefined) return true;
  try {
    return new RegExp(pattern, 'u').test(value);
  } catch {
    return true;
  }
}

function generateString(rng: Rng, schema: Schema): string {
  const byFormat = formatted(rng, schema.format);
  if (byFormat !== undefined) return byFormat;
  if (schema.examples !== undefined && schema.examples.length > 0 && rng.chance(0.5)) {
    const example = rng.pick(schema.examples);
    if (typeof example === 'string') return example;
  }
  if (schema.pattern !== undefined) {
    const fitting = stringCandidates(rng)
      .map((candidate) => clampLength(candidate, schema))
      .filter((candidate) => matches(schema.pattern, candidate));
    if (fitting.length > 0) return rng.pick(fitting);
  }
  return clampLength(randomText(rng, rng.int(schema.minLength ?? 0, Math.min(schema.maxLength ?? 40, 40))), schema);
}

function generateNumber(rng: Rng, schema: Schema, integer: boolean): number {
  const low = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -1000);
  const high = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : 1000);
  const value = low + rng.next() * Math.max(0, high - low);
  return integer ? Math.round(value) : value;
}

/**
 * A value that follows `schema` as far as the generator understands it, except that each node is,
 * with probability `hostility`, replaced by a hostile value (a wrong type, an edge case, deep
 * nesting) and objects sometimes lose a required property or gain an unknown one.
 */
export function fromSchema(rng: Rng, schema: Schema, resolve: SchemaResolver, hostility: number, depth = 0): Json {
  if (rng.chance(hostility)) return hostileJson(rng);
  if (schema.$ref !== undefined) {
    const target = resolve(schema.$ref);
    return target === undefined || depth > 8 ? hostileJson(rng) : fromSchema(rng, target, resolve, hostility, depth + 1);
  }
  if (schema.const !== undefined) return schema.const;
  if (schema.enum !== undefined && schema.enum.length > 0) return rng.pick(schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives !== undefined && alternatives.length > 0) {
    return fromSchema(rng, rng.pick(alternatives), resolve, hostility, depth + 1);
  }
  if (schema.allOf !== undefined && schema.allOf.length > 0) {
    return fromSchema(rng, rng.pick(schema.allOf), resolve, hostility, depth + 1);
  }
  const types = schema.type === undefined ? (schema.properties !== undefined ? ['object'] : []) : [schema.type].flat();
  const type = types.length === 0 ? 'any' : rng.pick(types);
  switch (type) {
    case 'string':
      return generateString(rng, schema);
    case 'integer':
      return generateNumber(rng, schema, true);
    case 'number':
      return generateNumber(rng, schema, false);
    case 'boolean':
      return rng.chance(0.5);
    case 'null':
      return null;
    case 'array': {
      const length = rng.int(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, 5));
      return Array.from({ length }, () =>
        schema.items === undefined || depth > 8 ? hostileJson(rng) : fromSchema(rng, schema.items, resolve, hostility, depth + 1),
      );
    }
    case 'object': {
      const object: Record<string, Json> = {};
      const required = new Set(schema.required ?? []);
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        const keep = required.has(name) ? !rng.chance(hostility / 2) : rng.chance(0.5);
        if (keep && depth <= 8) object[name] = fromSchema(rng, property, resolve, hostility, depth + 1);
      }
      if (rng.chance(hostility / 2)) object[hostileString(rng)] = hostileJson(rng);
      return object;
    }
    default:
      return hostileJson(rng);
  }
}

// --- mutation of a valid document ------------------------------------------------------------------

/** A deep copy of `value` with 1–3 changes at random places: replaced, removed, retyped or added. */
export function mutate(rng: Rng, value: Json): Json {
  let result = structuredClone(value);
  for (let changes = rng.int(1, 3); changes > 0; changes -= 1) result = mutateOnce(rng, result);
  return result;
}

function mutateOnce(rng: Rng, value: Json): Json {
  const paths = collectPaths(value, []);
  const path = rng.pick(paths);
  if (path.length === 0) return rng.chance(0.5) ? hostileJson(rng) : value;
  const parentPath = path.slice(0, -1);
  const key = path[path.length - 1] as string | number;
  const parent = getAt(value, parentPath);
  if (parent === null || typeof parent !== 'object') return value;
  const roll = rng.int(0, 3);
  if (Array.isArray(parent)) {
    const index = key as number;
    if (roll === 0) parent.splice(index, 1);
    else if (roll === 1) parent.push(structuredClone(parent[index] ?? null));
    else parent[index] = hostileJson(rng);
  } else {
    const name = key as string;
    if (roll === 0) delete parent[name];
    else if (roll === 1) parent[hostileString(rng)] = hostileJson(rng);
    else parent[name] = retype(rng, parent[name] ?? null);
  }
  return value;
}

/** The same information in the wrong type, or a hostile value of the same type. */
function retype(rng: Rng, value: Json): Json {
  if (typeof value === 'string') {
    return rng.pick<Json>([Number(value) || 0, hostileString(rng), [value], { value }, null]);
  }
  if (typeof value === 'number') return rng.pick<Json>([String(value), rng.pick(HOSTILE_NUMBERS), null, true]);
  return hostileJson(rng);
}

type Path = (string | number)[];

function collectPaths(value: Json, prefix: Path, out: Path[] = []): Path[] {
  out.push(prefix);
  if (out.length > 500) return out;
  if (Array.isArray(value)) value.forEach((item, index) => collectPaths(item, [...prefix, index], out));
  else if (value !== null && typeof value === 'object') {
    for (const [name, item] of Object.entries(value)) collectPaths(item, [...prefix, name], out);
  }
  return out;
}

function getAt(value: Json, path: Path): Json | undefined {
  let node: Json | undefined = value;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || node === undefined) return undefined;
    node = Array.isArray(node) ? node[key as number] : node[key as string];
  }
  return node;
}
