// Offline validation of rendered objects, two ways that complement each other:
//  1. the Kubernetes OpenAPI schema of each kind (kubernetes-models' compiled validators): field
//     types, required fields, formats;
//  2. strict decoding into the Kubernetes Go API types (../strict-decode): unknown fields, which
//     the OpenAPI schemas allow, so that a misspelt `readinesProbe` is caught here and not by the
//     API server at install time.
import { spawn } from 'node:child_process';
import { stringify } from 'yaml';
import type { KubeObject } from './render';
import type { Toolchain } from './toolchain';

export interface ValidationProblem {
  object: string;
  message: string;
}

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: unknown) => Validatable;

/** `apps/v1` + `Deployment` → `kubernetes-models/apps/v1/Deployment`; core `v1` → `kubernetes-models/v1/…`. */
export function modelModule(apiVersion: string, kind: string): string {
  if (!/^[a-z0-9.]+(\/v[0-9a-z]+)?$/.test(apiVersion) || !/^[A-Za-z]+$/.test(kind)) {
    throw new TypeError(`not an apiVersion/kind: ${apiVersion} ${kind}`);
  }
  return `kubernetes-models/${apiVersion}/${kind}`;
}

async function loadModel(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  try {
    const module = (await import(modelModule(apiVersion, kind))) as Record<string, unknown>;
    const model = module[kind];
    return typeof model === 'function' ? (model as ModelClass) : undefined;
  } catch {
    return undefined;
  }
}

function describe(object: KubeObject): string {
  return `${object.kind} ${object.metadata.name}`;
}

/** Checks every object against its kind's OpenAPI schema; an unknown kind is a problem too. */
export async function validateAgainstSchemas(objects: readonly KubeObject[]): Promise<ValidationProblem[]> {
  const problems: ValidationProblem[] = [];
  for (const object of objects) {
    const Model = await loadModel(object.apiVersion, object.kind);
    if (Model === undefined) {
      problems.push({ object: describe(object), message: `no schema for ${object.apiVersion} ${object.kind}` });
      continue;
    }
    try {
      new Model(object).validate();
    } catch (error) {
      problems.push({ object: describe(object), message: error instanceof Error ? error.message : String(error) });
    }
  }
  return problems;
}

/** Decodes every object into its Go API type with unknown fields refused. */
export function validateStrictly(tools: Toolchain, objects: readonly KubeObject[]): Promise<ValidationProblem[]> {
  const input = objects.map((object) => stringify(object)).join('---\n');
  return new Promise((resolve, reject) => {
    const child = spawn(tools.strictDecode, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) return resolve([]);
      if (code !== 1) return reject(new Error(`strict-decode failed (${String(code)}): ${stderr}`));
      resolve(
        stdout
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => {
            const colon = line.indexOf(': ');
            return { object: line.slice(0, colon), message: line.slice(colon + 2) };
          }),
      );
    });
    child.stdin.end(input);
  });
}

export async function validateObjects(tools: Toolchain, objects: readonly KubeObject[]): Promise<ValidationProblem[]> {
  return [...(await validateAgainstSchemas(objects)), ...(await validateStrictly(tools, objects))];
}
