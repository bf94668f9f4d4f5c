// The run-time settings: start from the configuration, changed by `PATCH /_sim/settings`, back to
// the configuration on `POST /_sim/reset`. A patch is validated as a whole before it applies.
import { z } from 'zod';
import { SettingsSchema, type Settings } from './config';

export const SettingsPatchSchema = z.strictObject({
  window_errors: SettingsSchema.shape.window_errors.optional(),
  service_window_seconds: SettingsSchema.shape.service_window_seconds.optional(),
  status_delays_ms: SettingsSchema.shape.status_delays_ms.partial().optional(),
  webhook_retry: SettingsSchema.shape.webhook_retry.partial().optional(),
  webhook_timeout_ms: SettingsSchema.shape.webhook_timeout_ms.optional(),
  webhook_escape_slashes: SettingsSchema.shape.webhook_escape_slashes.optional(),
  unknown_recipients: SettingsSchema.shape.unknown_recipients.optional(),
});
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

export interface SettingsHolder {
  get(): Settings;
  patch(patch: SettingsPatch): Settings;
  reset(): void;
}

export function createSettings(initial: Settings): SettingsHolder {
  let current = structuredClone(initial);
  return {
    get: () => current,
    patch(patch) {
      current = SettingsSchema.parse({
        ...current,
        ...patch,
        status_delays_ms: { ...current.status_delays_ms, ...patch.status_delays_ms },
        webhook_retry: { ...current.webhook_retry, ...patch.webhook_retry },
      });
      return current;
    },
    reset() {
      current = structuredClone(initial);
    },
  };
}
