// The run-time settings: start from the configuration, changed by `PATCH /_sim/settings`, back to
// the configuration on `POST /_sim/reset`. A patch is validated as a whole before it applies.
import { z } from 'zod';
import { DEFAULT_SETTINGS, SettingsSchema, type Settings } from './config';

export const SettingsPatchSchema = z.strictObject({
  window_errors: SettingsSchema.shape.window_errors.optional(),
  service_window_seconds: SettingsSchema.shape.service_window_seconds.optional(),
  status_delays_ms: SettingsSchema.shape.status_delays_ms.partial().optional(),
  webhook_retry: SettingsSchema.shape.webhook_retry.partial().optional(),
  webhook_timeout_ms: SettingsSchema.shape.webhook_timeout_ms.optional(),
  webhook_escape_slashes: SettingsSchema.shape.webhook_escape_slashes.optional(),
  unknown_recipients: SettingsSchema.shape.unknown_recipients.optional(),
  throughput_mps: SettingsSchema.shape.throughput_mps.optional(),
  pair_rate: SettingsSchema.shape.pair_rate.partial().optional(),
  messaging_limit: SettingsSchema.shape.messaging_limit.optional(),
  media_url_ttl_seconds: SettingsSchema.shape.media_url_ttl_seconds.optional(),
  media_link_fetch: SettingsSchema.shape.media_link_fetch.optional(),
  webhook_batch: SettingsSchema.shape.webhook_batch.partial().optional(),
  webhook_duplicates: SettingsSchema.shape.webhook_duplicates.partial().optional(),
  webhook_reorder: SettingsSchema.shape.webhook_reorder.partial().optional(),
});
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

export interface SettingsHolder {
  get(): Settings;
  patch(patch: SettingsPatch): Settings;
  reset(): void;
}

export function createSettings(configured: Settings): SettingsHolder {
  // a caller built before a setting existed still gets its default
  const initial: Settings = { ...DEFAULT_SETTINGS, ...configured };
  let current = structuredClone(initial);
  return {
    get: () => current,
    patch(patch) {
      current = SettingsSchema.parse({
        ...current,
        ...patch,
        status_delays_ms: { ...current.status_delays_ms, ...patch.status_delays_ms },
        webhook_retry: { ...current.webhook_retry, ...patch.webhook_retry },
        pair_rate: { ...current.pair_rate, ...patch.pair_rate },
        webhook_batch: { ...current.webhook_batch, ...patch.webhook_batch },
        webhook_duplicates: { ...current.webhook_duplicates, ...patch.webhook_duplicates },
        webhook_reorder: { ...current.webhook_reorder, ...patch.webhook_reorder },
      });
      return current;
    },
    reset() {
      current = structuredClone(initial);
    },
  };
}
