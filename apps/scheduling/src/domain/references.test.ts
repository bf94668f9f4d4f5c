import { describe, expect, it } from 'vitest';
import { appointmentReference, parseReference, slotReference } from './references';

const A = '6f708192-a3b4-45c6-97d8-e9f0a1b2c3d4';
const R = '5e6f7081-92a3-44b5-86c7-d8e9f0a1b2c3';

describe('references', () => {
  it('round-trips appointment and slot references', () => {
    expect(parseReference(appointmentReference(A, 'cancel', R))).toEqual({ kind: 'appointment', appointmentId: A, action: 'cancel', sourceId: R });
    expect(parseReference(slotReference(R, 7))).toEqual({ kind: 'slot', offerId: R, index: 7 });
  });

  it('ignores anything that is not exactly one of ours', () => {
    for (const value of ['', 'Confirm', `appt:${A}:delete:${R}`, `appt:${A}:confirm`, `slot:${R}:10`, `xappt:${A}:confirm:${R}`]) {
      expect(parseReference(value)).toBeUndefined();
    }
  });

  it('stays within the 128 characters of a quick-reply payload and names no patient data', () => {
    expect(appointmentReference(A, 'reschedule', R).length).toBeLessThanOrEqual(128);
  });
});
