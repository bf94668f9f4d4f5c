// Public door of @careline/stack: the whole Careline system as real processes, for the dev
// launcher (`npm start`) and the end-to-end tests. See README.md.
export {
  BUILD_COMMAND,
  type MintTokenRequest,
  type Stack,
  type StackOptions,
  type StackUrls,
  assertBundles,
  bundlePath,
  startStack,
} from './stack';
export { APP_NAMES, type AppName, type ProcessEnv, appEnv } from './env';
export { DEFAULT_PORTS, type StackPorts, assertPortsFree, freePorts } from './ports';
export { DEMO_TEAM, type StackSeed, StackSeedSchema, generateSeed, loadOrCreateSeed, seedDirectory } from './seed';
export {
  type GatewayChannel,
  type SimulatorBusiness,
  type StateFiles,
  gatewayChannels,
  simulatorBusinesses,
} from './state';
export { DATABASE_SERVICES, serviceRolePassword } from './database';
export { topicSpecs } from './topics';
export {
  type InboxEntry,
  type PatientMessageResult,
  type PatientSaysOptions,
  type SimulatorClient,
  type WebhookDelivery,
  type WebhookQuery,
  createSimulatorClient,
} from './simulator';
export { type JsonResponse, expectStatus, requestJson } from './http';
export { StackError } from './errors';
