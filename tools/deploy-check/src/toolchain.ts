// The binaries the chart checks need, built from source with the machine's Go toolchain into the
// git-ignored .local/bin (CI machines have Go, and reach the Go module proxy, but no download of
// prebuilt binaries): helm, and the strict decoder in ../strict-decode. Each is built once and
// reused; Go's build cache makes a rebuild after a clean checkout cheap.
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN_DIR = `${REPO_ROOT}.local/bin`;

/** The helm release the checks use; bump it together with the chart's tested Kubernetes version. */
export const HELM_VERSION = 'v3.22.0';
/** The Kubernetes version the chart is rendered for (`helm template --kube-version`). */
export const KUBE_VERSION = '1.33.0';

export interface Toolchain {
  helm: string;
  strictDecode: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function goEnv(): Promise<NodeJS.ProcessEnv> {
  try {
    await run('go', ['version']);
  } catch {
    throw new Error('the deploy checks build helm with Go: install Go (https://go.dev/dl) and run them again');
  }
  // -mod=mod: helm's go.mod is consulted as published, whatever GOFLAGS the machine sets
  return { ...process.env, GOBIN: BIN_DIR, GOFLAGS: '-mod=mod' };
}

async function helmVersion(helm: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(helm, ['version', '--template', '{{.Version}}']);
    return stdout.trim();
  } catch {
    return undefined;
  }
}

/** Builds what is missing (helm takes about two minutes the first time on two cores). */
export async function ensureToolchain(): Promise<Toolchain> {
  const helm = `${BIN_DIR}/helm`;
  const strictDecode = `${BIN_DIR}/careline-strict-decode`;
  // `go install` of a tagged module reports the major.minor only (v3.22), so compare on that
  const wanted = HELM_VERSION.split('.').slice(0, 2).join('.');
  const installed = await helmVersion(helm);
  if (installed === undefined || !installed.startsWith(wanted)) {
    const env = await goEnv();
    await run('go', ['install', `helm.sh/helm/v3/cmd/helm@${HELM_VERSION}`], { env, maxBuffer: 16 * 1024 * 1024 });
  }
  // always `go build`: a no-op from the build cache when nothing changed, and never stale
  const env = await goEnv();
  await run('go', ['build', '-o', strictDecode, '.'], {
    cwd: `${REPO_ROOT}tools/deploy-check/strict-decode`,
    env: { ...env, GOFLAGS: '-mod=readonly' },
    maxBuffer: 16 * 1024 * 1024,
  });
  if (!(await exists(helm))) throw new Error(`helm was not built at ${helm}`);
  return { helm, strictDecode };
}
