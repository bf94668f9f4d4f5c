import { describe, expect, it } from 'vitest';
import { createIdGenerator } from './ids';

function decode(wamid: string): Buffer {
  expect(wamid.startsWith('wamid.')).toBe(true);
  return Buffer.from(wamid.slice('wamid.'.length), 'base64');
}

describe('ids', () => {
  const ids = createIdGenerator();

  it('builds outbound wamids with the layout of Meta’s', () => {
    const bytes = decode(ids.outboundWamid('16505551234'));
    expect([...bytes.subarray(0, 3)]).toEqual([0x1c, 0x18, 11]);
    expect(bytes.subarray(3, 14).toString('ascii')).toBe('16505551234');
    expect([...bytes.subarray(14, 20)]).toEqual([0x15, 0x02, 0x00, 0x11, 0x18, 18]);
    expect(bytes.subarray(20, 38).toString('ascii')).toMatch(/^[0-9A-F]{18}$/);
    expect(bytes.at(-1)).toBe(0);
  });

  it('marks inbound wamids with the inbound byte and a 20-character id', () => {
    const bytes = decode(ids.inboundWamid('16505551234'));
    expect([...bytes.subarray(14, 20)]).toEqual([0x15, 0x02, 0x00, 0x12, 0x18, 20]);
  });

  it('decodes Meta’s own example the same way (the layout is Meta’s, not invented)', () => {
    const bytes = decode('wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJCOTY3NDc0NDFDRUI3NTA0Q0UA');
    expect([...bytes.subarray(0, 3)]).toEqual([0x1c, 0x18, 11]);
    expect([...bytes.subarray(14, 20)]).toEqual([0x15, 0x02, 0x00, 0x11, 0x18, 18]);
  });

  it('never repeats an id and makes integer challenges', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => ids.outboundWamid('1')));
    expect(seen.size).toBe(1000);
    for (let i = 0; i < 100; i++) {
      const challenge = Number(ids.challenge());
      expect(Number.isInteger(challenge) && challenge > 0 && challenge < 2 ** 31).toBe(true);
    }
  });
});
