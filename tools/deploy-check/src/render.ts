// Renders the chart with helm (offline: `helm template` needs no cluster) and parses the objects.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { KUBE_VERSION, REPO_ROOT, type Toolchain } from './toolchain';

const run = promisify(execFile);

export const CHART_DIR = `${REPO_ROOT}deploy/helm/careline`;

/** A rendered Kubernetes object: only what every object has is assumed. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface RenderOptions {
  /** values files, relative to the chart */
  valuesFiles?: readonly string[];
  /** `--set-json key=json` pairs */
  setJson?: Readonly<Record<string, unknown>>;
  releaseName?: string;
}

export interface Rendered {
  yaml: string;
  objects: KubeObject[];
}

function isKubeObject(value: unknown): value is KubeObject {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  const metadata = candidate.metadata as Record<string, unknown> | undefined;
  return (
    typeof candidate.apiVersion === 'string' &&
    typeof candidate.kind === 'string' &&
    typeof metadata === 'object' &&
    metadata !== null &&
    typeof metadata.name === 'string'
  );
}

/** Splits a YAML stream into objects; anything that is not a Kubernetes object is an error. */
export function parseObjects(yamlText: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(yamlText)) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0]?.message ?? ''}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isKubeObject(value)) throw new Error(`rendered a document that is not a Kubernetes object: ${JSON.stringify(value).slice(0, 120)}`);
    objects.push(value);
  }
  return objects;
}

export async function renderChart(tools: Toolchain, options: RenderOptions = {}): Promise<Rendered> {
  const args = ['template', options.releaseName ?? 'careline', CHART_DIR, '--kube-version', KUBE_VERSION];
  for (const file of options.valuesFiles ?? []) args.push('--values', `${CHART_DIR}/${file}`);
  for (const [key, value] of Object.entries(options.setJson ?? {})) args.push('--set-json', `${key}=${JSON.stringify(value)}`);
  const { stdout } = await run(tools.helm, args, { maxBuffer: 32 * 1024 * 1024 });
  return { yaml: stdout, objects: parseObjects(stdout) };
}

export async function lintChart(tools: Toolchain, valuesFiles: readonly string[] = []): Promise<string> {
  const args = ['lint', CHART_DIR, '--strict', '--kube-version', KUBE_VERSION];
  for (const file of valuesFiles) args.push('--values', `${CHART_DIR}/${file}`);
  const { stdout } = await run(tools.helm, args);
  return stdout;
}
