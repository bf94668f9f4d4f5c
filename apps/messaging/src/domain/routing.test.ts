import { describe, expect, it } from 'vitest';
import { type RoutingConfig, decideRouting, menuText, normalizeRoutingText } from './routing';

const config: RoutingConfig = {
  enabled: true,
  defaultTeamId: 'front-desk',
  greeting: 'Welcome to the hospital. Reply with a number:',
  menu: [
    { key: '1', label: 'Appointments', teamId: 'appointments' },
    { key: '2', label: 'Results', teamId: 'lab' },
    { key: '3', label: 'Talk to a nurse', teamId: 'nurses' },
  ],
  keywords: [
    { keyword: 'cita', teamId: 'appointments' },
    { keyword: 'test results', teamId: 'lab' },
  ],
};
const fresh = { routingState: 'none' as const, teamId: null };
const menuSent = { routingState: 'menu_sent' as const, teamId: null };

describe('decideRouting', () => {
  it('routes a first message with a keyword (whole words, any case and accents) to its team without a menu', () => {
    expect(decideRouting(config, fresh, 'Quiero una CITA, por favor')).toEqual({ action: 'route', teamId: 'appointments', reason: 'keyword' });
    expect(decideRouting(config, fresh, 'where are my Test-Results?')).toEqual({ action: 'route', teamId: 'lab', reason: 'keyword' });
    // part of a word is not the word
    expect(decideRouting(config, fresh, 'citadel')).toEqual({ action: 'send_menu', text: menuText(config) });
  });

  it('sends the menu on a first message without a keyword, then routes the chosen option (key or label)', () => {
    const first = decideRouting(config, fresh, 'Hello');
    expect(first.action).toBe('send_menu');
    expect(first.action === 'send_menu' && first.text).toContain('1 – Appointments');
    expect(first.action === 'send_menu' && first.text).toContain('0 – Talk to a person');
    expect(decideRouting(config, menuSent, ' 2 ')).toEqual({ action: 'route', teamId: 'lab', reason: 'menu' });
    expect(decideRouting(config, menuSent, 'talk to a nurse')).toEqual({ action: 'route', teamId: 'nurses', reason: 'menu' });
  });

  it('always has a way to a person: "0", "agent", "talk to a human" go to the default team, before or after the menu', () => {
    for (const text of ['0', 'Agent', 'I want to talk to a human!', 'humano']) {
      expect(decideRouting(config, fresh, text)).toEqual({ action: 'route', teamId: 'front-desk', reason: 'human' });
      expect(decideRouting(config, menuSent, text)).toEqual({ action: 'route', teamId: 'front-desk', reason: 'human' });
    }
  });

  it('sends an unmatched answer to the menu (or a media message) to the default team', () => {
    expect(decideRouting(config, menuSent, 'banana')).toEqual({ action: 'route', teamId: 'front-desk', reason: 'default' });
    expect(decideRouting(config, menuSent, undefined)).toEqual({ action: 'route', teamId: 'front-desk', reason: 'default' });
    expect(decideRouting({ ...config, menu: [] }, fresh, 'Hello')).toEqual({ action: 'route', teamId: 'front-desk', reason: 'default' });
  });

  it('does nothing when routing is off, not configured, or the conversation already has a team', () => {
    expect(decideRouting(undefined, fresh, 'cita')).toEqual({ action: 'none' });
    expect(decideRouting({ ...config, enabled: false }, fresh, 'cita')).toEqual({ action: 'none' });
    expect(decideRouting(config, { routingState: 'none', teamId: 'nurses' }, 'cita')).toEqual({ action: 'none' });
    expect(decideRouting(config, { routingState: 'routed', teamId: null }, '1')).toEqual({ action: 'none' });
  });

  it('normalises case, accents and punctuation', () => {
    expect(normalizeRoutingText('  ¿Café,  por-favor? ')).toBe('CAFE POR FAVOR');
  });
});
