import { describe, expect, it } from 'vitest';
import { runToExit } from './bundles';

describe('runToExit', () => {
  it('returns the exit code and both streams of a process that fails', async () => {
    const exited = await runToExit(process.execPath, [
      '-e',
      "process.stdout.write('out'); process.stderr.write('bad config\\n'); process.exit(1)",
    ]);
    expect(exited).toEqual({ code: 1, stdout: 'out', stderr: 'bad config\n' });
  });
});
