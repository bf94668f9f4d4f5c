import { describe, expect, it } from 'vitest';
import { checkEmail, checkIds, checkLanguage, checkName, checkRoles, checkSubject, checkTimeZone } from './validation';

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('directory field rules', () => {
  it('canonicalises IANA time zones and refuses others', () => {
    expect(checkTimeZone('europe/madrid')).toBe('Europe/Madrid');
    expect(checkTimeZone('UTC')).toBe('UTC');
    expect(code(() => checkTimeZone('Mars/Olympus'))).toBe('invalid_time_zone');
    expect(code(() => checkTimeZone('Europe/Madrid; DROP'))).toBe('invalid_time_zone');
  });

  it('takes WhatsApp language codes', () => {
    expect(checkLanguage('en_US')).toBe('en_US');
    expect(checkLanguage('es')).toBe('es');
    expect(code(() => checkLanguage('en-us'))).toBe('invalid_default_language');
  });

  it('keeps roles to @careline/auth ROLES, de-duplicated in table order', () => {
    expect(checkRoles(['nurse', 'admin', 'nurse'])).toEqual(['admin', 'nurse']);
    expect(code(() => checkRoles([]))).toBe('invalid_roles');
    expect(code(() => checkRoles(['platform_operator']))).toBe('invalid_roles');
  });

  it('checks names, subjects, e-mails and ids without echoing them', () => {
    expect(checkName('name', '  Cardiology ', 100)).toBe('Cardiology');
    expect(code(() => checkName('name', '   ', 100))).toBe('invalid_name');
    expect(code(() => checkName('name', 'a\u0007b', 100))).toBe('invalid_name');
    expect(checkSubject('auth0|123')).toBe('auth0|123');
    expect(code(() => checkSubject('has space'))).toBe('invalid_subject');
    expect(checkEmail('')).toBeNull();
    expect(checkEmail(' a@b.example ')).toBe('a@b.example');
    try {
      checkEmail('not-an-email-secretmarker');
    } catch (error) {
      expect((error as Error).message).not.toContain('secretmarker');
    }
    expect(checkIds('team_ids', ['6F1D2C3B-4A59-4E8F-9B0A-1C2D3E4F5A6B', '6f1d2c3b-4a59-4e8f-9b0a-1c2d3e4f5a6b'])).toEqual([
      '6f1d2c3b-4a59-4e8f-9b0a-1c2d3e4f5a6b',
    ]);
    expect(code(() => checkIds('team_ids', ['x']))).toBe('invalid_team_ids');
  });
});
