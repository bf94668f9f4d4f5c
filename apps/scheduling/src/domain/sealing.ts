// Patient data at rest: every sealed column holds a serialized careline.common.v1.Sealed under a
// context naming the row and the field, so a ciphertext copied elsewhere does not open. Event
// fields are sealed separately under the event's context (sealContext), never copied from rows.
import { Sealed } from '@careline/contracts';
import { type Sealer } from '@careline/crypto';

export const atRestContext = {
  appointmentWaId: (appointmentId: string): string => `scheduling:appointment:${appointmentId}:wa_id`,
  appointmentDisplayName: (appointmentId: string): string => `scheduling:appointment:${appointmentId}:display_name`,
} as const;

export interface AtRest {
  seal(tenantId: string, plaintext: string, context: string): Promise<Uint8Array>;
  openString(tenantId: string, stored: Uint8Array, context: string): Promise<string>;
}

export function createAtRest(sealer: Sealer): AtRest {
  return {
    async seal(tenantId, plaintext, context) {
      return Sealed.encode(await sealer.seal(tenantId, plaintext, context)).finish();
    },
    async openString(tenantId, stored, context) {
      return sealer.openString(tenantId, Sealed.decode(stored), context);
    },
  };
}
