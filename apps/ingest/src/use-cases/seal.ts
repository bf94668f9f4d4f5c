// Sealing for one outgoing payload: every Sealed field of a payload shares one context,
// `<topic>:<id>` (contracts' sealContext), and is sealed for the payload's tenant.
import { type Sealed, type TopicName, sealContext } from '@careline/contracts';
import { type Sealer } from '@careline/crypto';

/** Seals a string (as UTF-8) or serialized bytes for one payload. */
export type SealField = (plaintext: string | Uint8Array) => Promise<Sealed>;

export function sealerFor(sealer: Sealer, tenantId: string, topic: TopicName, id: string): SealField {
  const context = sealContext(topic, id);
  // crypto's SealedBox and the contracts' Sealed are the same four fields.
  return (plaintext) => sealer.seal(tenantId, plaintext, context);
}

/** Seals `value` unless it is absent or empty: an empty Sealed would still say "something was here". */
export async function sealOptional(seal: SealField, value: string | undefined): Promise<Sealed | undefined> {
  return value === undefined || value === '' ? undefined : seal(value);
}
