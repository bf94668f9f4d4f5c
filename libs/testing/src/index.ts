export { testEnv, type TestEnv } from './env';
export { uniqueName, waitFor, freePort, type WaitForOptions } from './helpers';
export { startProcess, processLogDir, type StartProcessOptions, type StartedProcess } from './process';
// one implementation of per-test databases: the db library's, re-exported for convenience
export { createTestDatabase, type TestDatabase } from '@careline/db/testing';
export { buildAppBundle, runToExit, type Exited } from './bundles';
