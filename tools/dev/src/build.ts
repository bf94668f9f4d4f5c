// The apps run from their bundles (what ships is what runs). Nx caches the build, so asking it every
// time is quick when nothing changed and rebuilds exactly what did.
import { spawn } from 'node:child_process';
import { BUILD_COMMAND } from '@careline/stack';

export class BuildError extends Error {
  override readonly name = 'BuildError';
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
  }
}

export async function buildApps(cwd: string): Promise<{ ms: number }> {
  const began = Date.now();
  const [command, ...args] = [...BUILD_COMMAND.split(' '), '--outputStyle=static'];
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
    let text = '';
    const child = spawn(command ?? 'npx', args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NX_DAEMON: 'false' },
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    child.once('error', (error) => resolve({ code: 127, output: `${text}\n${error.message}` }));
    child.once('exit', (exitCode) => resolve({ code: exitCode ?? 1, output: text }));
  });
  if (code !== 0) {
    const failed = /Failed tasks:\s*\n([\s\S]*?)(?:\n\s*\n|$)/.exec(output)?.[1]?.trim().replace(/\s+/g, ' ');
    throw new BuildError(
      `the build failed (\`${BUILD_COMMAND}\`${failed ? `: ${failed}` : ''}); run it yourself to see why`,
      output,
    );
  }
  return { ms: Date.now() - began };
}
