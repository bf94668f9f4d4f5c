// Public door of @careline/admin-cli: the operator's gRPC clients (also used by tools/stack to seed
// the demo hospital) and the command line as a function.
export {
  type AdminClientOptions,
  type AdminClients,
  type NewChannel,
  type NewStaff,
  PLATFORM_OPERATOR_ROLE,
  createAdminClients,
  views,
} from './clients';
export {
  type PolicyClientOptions,
  type PolicyClients,
  createPolicyClients,
  policyViews,
  reminderPolicyFileSchema,
} from './policies';
export { type CliIo, type CliResult, USAGE, runCli } from './cli';
