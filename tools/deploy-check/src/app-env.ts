// The environment variables each app reads: the keys of its config schema (apps/<app>/src/config.ts).
//
// Deliberately loaded by file path at test time rather than imported: tools may not depend on
// apps (module boundaries), and this is a check of deploy/ against each app's published
// configuration contract, i.e. data, not code the tool runs. The simulator keeps its schema
// private, so its names are read from the source text.
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './toolchain';

interface SchemaLike {
  _zod: { def: Record<string, unknown> };
  safeParse(value: unknown): { success: boolean };
}

function isSchema(value: unknown): value is SchemaLike {
  return typeof value === 'object' && value !== null && '_zod' in value && 'safeParse' in value;
}

/** The object shape under pipes/transforms/refinements. */
function shapeOf(schema: SchemaLike, depth = 0): Record<string, SchemaLike> {
  const def = schema._zod.def;
  if (def.type === 'object' && typeof def.shape === 'object' && def.shape !== null) {
    return def.shape as Record<string, SchemaLike>;
  }
  const inner = def.in ?? def.innerType ?? def.schema;
  if (depth > 8 || !isSchema(inner)) throw new TypeError('config schema has no object shape');
  return shapeOf(inner, depth + 1);
}

export interface AppEnv {
  /** every variable the app reads */
  names: Set<string>;
  /** those without a default: a deployment must set them (directly or as <VAR>_FILE) */
  required: Set<string>;
}

export async function appEnv(app: string): Promise<AppEnv> {
  const configPath = `${REPO_ROOT}apps/${app}/src/config.ts`;
  if (app === 'wa-simulator') {
    const text = await readFile(configPath, 'utf8');
    const names = new Set([...text.matchAll(/^\s+(WA_SIM_[A-Z0-9_]+):/gm)].map((match) => match[1] ?? ''));
    return { names, required: new Set() };
  }
  const module = (await import(pathToFileURL(configPath).href)) as Record<string, unknown>;
  const schema = module.configSchema;
  if (!isSchema(schema)) throw new TypeError(`apps/${app}/src/config.ts exports no configSchema`);
  const shape = shapeOf(schema);
  const names = new Set(Object.keys(shape));
  const required = new Set(Object.entries(shape).filter(([, field]) => !field.safeParse(undefined).success).map(([name]) => name));
  return { names, required };
}

/**
 * Problems with an environment given to `app`: a name it does not read (a typo, or a variable
 * from another app), or a required variable that is missing. `<VAR>_FILE` stands for `<VAR>`
 * (libs/runtime loadConfig; the simulator reads its own *_FILE variables).
 */
export function envProblems(app: string, env: AppEnv, given: Iterable<string>): string[] {
  const problems: string[] = [];
  const covered = new Set<string>();
  for (const name of given) {
    const base = name.endsWith('_FILE') && !env.names.has(name) ? name.slice(0, -'_FILE'.length) : name;
    if (!env.names.has(base)) problems.push(`${app}: ${name} is not a variable it reads`);
    covered.add(base);
  }
  for (const name of env.required) {
    if (!covered.has(name)) problems.push(`${app}: required ${name} is not set`);
  }
  return problems;
}
