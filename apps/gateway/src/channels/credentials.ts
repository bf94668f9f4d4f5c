// Channel credentials at rest: each sealed per tenant with @careline/crypto under a context that
// names the number and the field, stored as a serialized careline.common.v1.Sealed. A token copied
// to another number's row, into the secret's column, or to another tenant does not open.
import { Sealed } from '@careline/contracts';
import { type Sealer } from '@careline/crypto';

export const credentialContext = {
  accessToken: (phoneNumberId: string): string => `gateway:channel:${phoneNumberId}:access_token`,
  appSecret: (phoneNumberId: string): string => `gateway:channel:${phoneNumberId}:app_secret`,
} as const;

export type CredentialField = keyof typeof credentialContext;

export interface CredentialBox {
  seal(tenantId: string, phoneNumberId: string, field: CredentialField, value: string): Promise<Uint8Array>;
  /** Throws DecryptionError (which names nothing) when the stored value does not open. */
  open(tenantId: string, phoneNumberId: string, field: CredentialField, stored: Uint8Array): Promise<string>;
}

export function createCredentialBox(sealer: Sealer): CredentialBox {
  return {
    async seal(tenantId, phoneNumberId, field, value) {
      return Sealed.encode(await sealer.seal(tenantId, value, credentialContext[field](phoneNumberId))).finish();
    },
    async open(tenantId, phoneNumberId, field, stored) {
      return sealer.openString(tenantId, Sealed.decode(stored), credentialContext[field](phoneNumberId));
    },
  };
}
