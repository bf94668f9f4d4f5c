import { describe, expect, it } from 'vitest';
import { DEFAULT_BOOKING_KEYWORDS, bookingRequestLanguage, normalizePhrase } from './booking-chat';
import { bookingReference, parseReference } from './references';

const F = '6f708192-a3b4-45c6-97d8-e9f0a1b2c3d4';

describe('booking requests', () => {
  it('recognises a whole-message phrase in its language, whatever the case, accents and punctuation', () => {
    expect(bookingRequestLanguage('I need an appointment', DEFAULT_BOOKING_KEYWORDS)).toBe('en');
    expect(bookingRequestLanguage('  Book!! ', DEFAULT_BOOKING_KEYWORDS)).toBe('en');
    expect(bookingRequestLanguage('¿Quiero una CITA?', DEFAULT_BOOKING_KEYWORDS)).toBe('es');
    expect(bookingRequestLanguage('cíta', DEFAULT_BOOKING_KEYWORDS)).toBe('es');
  });

  it('leaves longer messages that merely mention a keyword to staff', () => {
    for (const text of ['', 'can I book for my mother next week?', 'my appointment hurt', 'cita cancelada ayer']) {
      expect(bookingRequestLanguage(text, DEFAULT_BOOKING_KEYWORDS)).toBeUndefined();
    }
  });

  it('uses the tenant phrases instead of the defaults when given', () => {
    expect(bookingRequestLanguage('agendar', { pt: ['agendar'] })).toBe('pt');
    expect(bookingRequestLanguage('book', { pt: ['agendar'] })).toBeUndefined();
  });

  it('normalises spacing and symbols', () => {
    expect(normalizePhrase(' Pedir\tcita… ')).toBe('pedir cita');
  });
});

describe('booking references', () => {
  it('round-trips each action and rejects others', () => {
    for (const action of [{ step: 'type', index: 3 }, { step: 'slot', index: 9 }, { step: 'confirm' }, { step: 'staff' }] as const) {
      expect(parseReference(bookingReference(F, action))).toEqual({ kind: 'booking', bookingId: F, action });
    }
    for (const value of [`book:${F}:t10`, `book:${F}:x1`, `book:${F}:confirmed`, `book:${F}`]) expect(parseReference(value)).toBeUndefined();
  });
});
