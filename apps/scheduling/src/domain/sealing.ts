// Patient data at rest: every sealed column holds a serialized careline.common.v1.Sealed under a
// context naming the row and the field, so a ciphertext copied elsewhere does not open. Event
// fields are sealed separately under the event's context (sealContext), never copied from rows.

export const atRestContext = {
  appointmentWaId: (appointmentId: string): string => `scheduling:appointment:${appointmentId}:wa_id`,
  appointmentDisplayName: (appointmentId: string): string => `scheduling:appointment:${appointmentId}:display_name`,
} as const;

// the column format is libs/crypto's (one serialized Sealed per value), shared by every service
export { type AtRest, createAtRest } from '@careline/crypto';
