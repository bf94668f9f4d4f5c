// Identifiers shaped like Meta's. A real wamid is base64 of a small binary record:
//   0x1C 0x18 <len> <wa_id digits> 0x15 0x02 0x00 <0x11 outbound | 0x12 inbound> 0x18 <len> <hex id> 0x00
// (decode the wamids in Meta's OpenAPI examples to see it). Careline must treat wamids as opaque;
// producing the real shape keeps a parser that assumed more (length, alphabet) honest.
import { randomBytes as nodeRandomBytes } from 'node:crypto';

export type RandomBytes = (size: number) => Buffer;

export interface IdGenerator {
  outboundWamid(waId: string): string;
  inboundWamid(waId: string): string;
  /** the opaque trace id in every Graph error body */
  fbtraceId(): string;
  conversationId(): string;
  /** the `hub.challenge` integer of the verification handshake */
  challenge(): string;
  /** a Graph object id (media, template): digits, like Meta's */
  graphId(): string;
  /** an unguessable secret (media URL signing) */
  secret(): Buffer;
}

export function createIdGenerator(randomBytes: RandomBytes = nodeRandomBytes): IdGenerator {
  function wamid(waId: string, direction: 0x11 | 0x12, hexLength: number): string {
    const hex = randomBytes(Math.ceil(hexLength / 2))
      .toString('hex')
      .slice(0, hexLength)
      .toUpperCase();
    const bytes = Buffer.concat([
      Buffer.from([0x1c, 0x18, waId.length]),
      Buffer.from(waId, 'ascii'),
      Buffer.from([0x15, 0x02, 0x00, direction, 0x18, hex.length]),
      Buffer.from(hex, 'ascii'),
      Buffer.from([0x00]),
    ]);
    return `wamid.${bytes.toString('base64')}`;
  }
  return {
    outboundWamid: (waId) => wamid(waId, 0x11, 18),
    inboundWamid: (waId) => wamid(waId, 0x12, 20),
    fbtraceId: () => randomBytes(17).toString('base64url').slice(0, 23),
    conversationId: () => randomBytes(16).toString('hex'),
    // a positive 31-bit integer like Meta's "1158201444"
    challenge: () => String(1_000_000_000 + (randomBytes(4).readUInt32BE(0) % 1_147_483_647)),
    // 16 digits, first one non-zero, like "1037543291543636"
    graphId: () => {
      const bytes = randomBytes(16);
      let id = String(1 + (bytes[0]! % 9));
      for (let i = 1; i < 16; i++) id += String(bytes[i]! % 10);
      return id;
    },
    secret: () => randomBytes(32),
  };
}
