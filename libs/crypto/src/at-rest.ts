// Sealed values in a database column. Every service stores patient data (and the gateway its
// credentials) the same way: one serialized careline.common.v1.Sealed per value, the same envelope
// the events carry, sealed under a context that names the row and the field, so a ciphertext
// copied to another row, field or tenant does not open. Each service names its own contexts.
import { Sealed } from '@careline/contracts';
import { type Sealer } from './index';

export interface AtRest {
  seal(tenantId: string, plaintext: Uint8Array | string, context: string): Promise<Uint8Array>;
  open(tenantId: string, stored: Uint8Array, context: string): Promise<Uint8Array>;
  openString(tenantId: string, stored: Uint8Array, context: string): Promise<string>;
}

export function createAtRest(sealer: Sealer): AtRest {
  const open = (tenantId: string, stored: Uint8Array, context: string): Promise<Uint8Array> =>
    sealer.open(tenantId, Sealed.decode(stored), context);
  return {
    async seal(tenantId, plaintext, context) {
      return Sealed.encode(await sealer.seal(tenantId, plaintext, context)).finish();
    },
    open,
    async openString(tenantId, stored, context) {
      return Buffer.from(await open(tenantId, stored, context)).toString('utf8');
    },
  };
}
