export { ensureInfra, stopInfra, infraStatus, infraEnv } from './infra';
export type { InfraResult, InfraStatus, PartStatus } from './infra';
export { defaultPorts, type InfraOptions } from './config';
export { InfraError } from './errors';
