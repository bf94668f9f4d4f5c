// Patient data at rest and in events. At rest every sealed column holds a serialized
// careline.common.v1.Sealed (the same envelope the events carry) under messaging's own context,
// which names the row and the field: a ciphertext copied to another row, field or tenant does not
// open. Event ciphertexts are always opened and re-sealed, never stored as they came, so a value
// readable by every consumer of a topic never becomes a database value and vice versa.
import { type Sealed as SealedMessage } from '@careline/contracts';
import { DecryptionError, type Sealer } from '@careline/crypto';
import { DomainError } from '@careline/runtime';
import { invalidEvent } from './errors';

export const atRestContext = {
  conversationWaId: (conversationId: string): string => `messaging:conversation:${conversationId}:wa_id`,
  conversationDisplayName: (conversationId: string): string => `messaging:conversation:${conversationId}:display_name`,
  conversationPreview: (conversationId: string): string => `messaging:conversation:${conversationId}:preview`,
  messageContent: (messageId: string): string => `messaging:message:${messageId}:content`,
  breakGlassJustification: (grantId: string): string => `messaging:break_glass_grant:${grantId}:justification`,
} as const;

// the column format is libs/crypto's (one serialized Sealed per value), shared by every service
export { type AtRest, createAtRest } from '@careline/crypto';

/** Opens the sealed fields of one event (all share the payload's context). */
export interface EventOpener {
  bytes(field: string, sealed: SealedMessage | undefined): Promise<Uint8Array>;
  string(field: string, sealed: SealedMessage | undefined): Promise<string>;
  optionalString(sealed: SealedMessage | undefined): Promise<string>;
}

export function eventOpener(sealer: Sealer, tenantId: string, context: string): EventOpener {
  const bytes = async (field: string, sealed: SealedMessage | undefined): Promise<Uint8Array> => {
    if (sealed === undefined) throw invalidEvent(`the event lacks ${field}`);
    try {
      return await sealer.open(tenantId, sealed, context);
    } catch (error) {
      // Retrying cannot make a ciphertext open: dead-letter at once.
      if (error instanceof DecryptionError) {
        throw new DomainError({
          code: 'undecryptable_event',
          kind: 'invalid_argument',
          message: `The event's ${field} could not be decrypted.`,
          retryable: false,
          cause: error,
        });
      }
      throw error;
    }
  };
  return {
    bytes,
    async string(field, sealed) {
      return Buffer.from(await bytes(field, sealed)).toString('utf8');
    },
    async optionalString(sealed) {
      return sealed === undefined ? '' : Buffer.from(await bytes('an optional field', sealed)).toString('utf8');
    },
  };
}
