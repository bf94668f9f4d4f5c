// vitest globalSetup: build helm and the strict decoder once per run, before any test file.
import { ensureToolchain } from './toolchain';

export default async function setup(): Promise<void> {
  await ensureToolchain();
}
