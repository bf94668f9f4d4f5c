// The tenant's policies for the platform operator (issue 8: onboarding covers reminder and release
// policies): scheduling's reminder policy and records' release policy over gRPC, as
// `operator:<name>` with the platform operator role and the tenant in metadata. Kept apart from
// AdminClients so the stack's seed (which implements those) is unaffected.
import { type ClientUnaryCall, type ServiceError, credentials } from '@grpc/grpc-js';
import {
  type GetReleasePolicyResponse,
  type GetReminderPolicyResponse,
  RecordsServiceClient,
  type ReleasePolicy,
  type ReminderPolicy,
  SchedulingServiceClient,
  type SetReleasePolicyResponse,
  type SetReminderPolicyResponse,
} from '@careline/contracts';
import { PLATFORM_OPERATOR_ROLE } from '@careline/auth';
import { fromGrpcError, metadataForCaller } from '@careline/runtime';
import { z } from 'zod';

export interface PolicyClientOptions {
  /** scheduling's gRPC target (the reminder policy). */
  scheduling: string;
  /** records' gRPC target (the release policy). */
  records: string;
  /** Who acts, e.g. `operator:alice`. */
  actor: string;
  /** Deadline per call. Default 10 s. */
  timeoutMs?: number;
}

export interface PolicyClients {
  getReminderPolicy(tenantId: string): Promise<ReminderPolicy>;
  setReminderPolicy(tenantId: string, policy: ReminderPolicy): Promise<ReminderPolicy>;
  getReleasePolicy(tenantId: string): Promise<ReleasePolicy>;
  setReleasePolicy(tenantId: string, policy: ReleasePolicy): Promise<ReleasePolicy>;
  close(): void;
}

type Callback<T> = (error: ServiceError | null, response: T) => void;

function invoke<T>(start: (callback: Callback<T>) => ClientUnaryCall): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    start((error, response) => (error ? reject(fromGrpcError(error)) : resolve(response)));
  });
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the service answered without the ${what}`);
  return value;
}

export function createPolicyClients(options: PolicyClientOptions): PolicyClients {
  const scheduling = new SchedulingServiceClient(options.scheduling, credentials.createInsecure());
  const records = new RecordsServiceClient(options.records, credentials.createInsecure());
  const deadline = () => ({ deadline: new Date(Date.now() + (options.timeoutMs ?? 10_000)) });
  const inTenant = (tenantId: string) => metadataForCaller({ tenantId, actor: options.actor, roles: [PLATFORM_OPERATOR_ROLE] });
  return {
    async getReminderPolicy(tenantId) {
      const response = await invoke<GetReminderPolicyResponse>((cb) => scheduling.getReminderPolicy({}, inTenant(tenantId), deadline(), cb));
      return required(response.policy, 'reminder policy');
    },
    async setReminderPolicy(tenantId, policy) {
      const response = await invoke<SetReminderPolicyResponse>((cb) => scheduling.setReminderPolicy({ policy }, inTenant(tenantId), deadline(), cb));
      return required(response.policy, 'reminder policy');
    },
    async getReleasePolicy(tenantId) {
      const response = await invoke<GetReleasePolicyResponse>((cb) => records.getReleasePolicy({}, inTenant(tenantId), deadline(), cb));
      return required(response.policy, 'release policy');
    },
    async setReleasePolicy(tenantId, policy) {
      const response = await invoke<SetReleasePolicyResponse>((cb) => records.setReleasePolicy({ policy }, inTenant(tenantId), deadline(), cb));
      return required(response.policy, 'release policy');
    },
    close() {
      scheduling.close();
      records.close();
    },
  };
}

/**
 * A reminder policy file (what `policy reminders get` prints, so get → edit → set works). Only the
 * shape is checked here; scheduling checks the rules (HH:MM, unique stage names, …) and its
 * `invalid_request` names the field.
 */
// int32 on the wire: a larger number would wrap around into another (possibly valid) value
const int32 = () => z.number().int().min(0).max(2_147_483_647);

export const reminderPolicyFileSchema = z.strictObject({
  stages: z
    .array(
      z.strictObject({
        name: z.string(),
        minutesBefore: int32(),
        templates: z.record(z.string(), z.string()),
      }),
    )
    .max(10),
  quietStart: z.string(),
  quietEnd: z.string(),
  minLeadMinutes: int32(),
  noShowAfterMinutes: int32(),
  videoLinkTemplate: z.string(),
  defaultLanguage: z.string(),
});

export const policyViews = {
  reminders: (policy: ReminderPolicy): z.output<typeof reminderPolicyFileSchema> => ({
    stages: policy.stages.map((stage) => ({ name: stage.name, minutesBefore: stage.minutesBefore, templates: { ...stage.templates } })),
    quietStart: policy.quietStart,
    quietEnd: policy.quietEnd,
    minLeadMinutes: policy.minLeadMinutes,
    noShowAfterMinutes: policy.noShowAfterMinutes,
    videoLinkTemplate: policy.videoLinkTemplate,
    defaultLanguage: policy.defaultLanguage,
  }),
  release: (policy: ReleasePolicy) => ({ allowDocumentInChat: policy.allowDocumentInChat }),
};
