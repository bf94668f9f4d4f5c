import { MessagePurpose } from '@careline/contracts';
import { describe, expect, it } from 'vitest';
import { DEFAULT_KEYWORDS, confirmationText, consentRefuses, matchKeyword, normalizeKeyword, purposeName } from './consent';

describe('keywords', () => {
  it('matches a whole message, whatever its case, accents, spaces and punctuation', () => {
    expect(matchKeyword(' Stop! ', DEFAULT_KEYWORDS)).toEqual({ action: 'stop', language: 'en' });
    expect(matchKeyword('baja.', DEFAULT_KEYWORDS)).toEqual({ action: 'stop', language: 'es' });
    expect(matchKeyword('Arrêt', DEFAULT_KEYWORDS)).toEqual({ action: 'stop', language: 'fr' });
    expect(matchKeyword('opt   out', DEFAULT_KEYWORDS)).toEqual({ action: 'stop', language: 'en' });
    expect(matchKeyword('START', DEFAULT_KEYWORDS)).toEqual({ action: 'start', language: 'en' });
    expect(matchKeyword('¡Alta!', DEFAULT_KEYWORDS)).toEqual({ action: 'start', language: 'es' });
  });

  it('ignores keywords inside a sentence, and words a patient may mean otherwise', () => {
    expect(matchKeyword('please do not stop my reminders', DEFAULT_KEYWORDS)).toBeUndefined();
    expect(matchKeyword('cancel', DEFAULT_KEYWORDS)).toBeUndefined();
    expect(matchKeyword('', DEFAULT_KEYWORDS)).toBeUndefined();
  });

  it('uses a tenant’s own lists instead of the defaults', () => {
    const own = { stop: { nl: ['STOPPEN'] }, start: { nl: ['AANMELDEN'] } };
    expect(matchKeyword('stoppen', own)).toEqual({ action: 'stop', language: 'nl' });
    expect(matchKeyword('stop', own)).toBeUndefined();
    // no confirmation text in that language: English
    expect(confirmationText({ action: 'stop', language: 'nl' })).toMatch(/^You will no longer/);
  });

  it('normalizes', () => {
    expect(normalizeKeyword('  Désabonner !! ')).toBe('DESABONNER');
  });
});

describe('consent by purpose', () => {
  const out = { state: 'opted_out' as const, marketingStopped: false };
  it('refuses non-essential purposes to an opted-out patient, never essential ones', () => {
    expect(consentRefuses(out, 'care')).toBe(true);
    expect(consentRefuses(out, 'reminder')).toBe(true);
    expect(consentRefuses(out, 'result_notice')).toBe(true);
    expect(consentRefuses(out, 'verification')).toBe(false);
    expect(consentRefuses(out, 'confirmation')).toBe(false);
    expect(consentRefuses({ state: 'unspecified', marketingStopped: false }, 'reminder')).toBe(false);
  });

  it('refuses marketing templates after a marketing stop, whatever the purpose', () => {
    const stopped = { state: 'opted_in' as const, marketingStopped: true };
    expect(consentRefuses(stopped, 'care', 'marketing')).toBe(true);
    expect(consentRefuses(stopped, 'care', 'utility')).toBe(false);
  });

  it('treats an unset purpose as care', () => {
    expect(purposeName(MessagePurpose.MESSAGE_PURPOSE_UNSPECIFIED)).toBe('care');
    expect(purposeName(MessagePurpose.MESSAGE_PURPOSE_VERIFICATION)).toBe('verification');
  });
});
