import { describe, expect, it } from 'vitest';
import { sectionsFor, shownSection } from './sections';

// the permission sets GET /v1/me reports for each role (libs/auth's table)
const NURSE = ['conversations:read', 'messages:send', 'patients:read', 'appointments:read', 'documents:read'];
const ADMIN = ['conversations:restrict', 'scheduling:configure', 'audit:read', 'tenant:admin'];
const INTEGRATION = ['patients:read', 'appointments:read', 'appointments:write', 'documents:share'];

describe('the sections a role sees', () => {
  it('gives the care team the inbox and the appointments, and nothing to a role without either', () => {
    expect(sectionsFor(NURSE)).toEqual(['inbox', 'appointments', 'noShows']);
    expect(sectionsFor(INTEGRATION)).toEqual(['appointments', 'noShows']);
    expect(sectionsFor(ADMIN)).toEqual([]);
  });

  it('shows the chosen section only if the role has it', () => {
    expect(shownSection('appointments', sectionsFor(NURSE))).toBe('appointments');
    expect(shownSection('inbox', sectionsFor(INTEGRATION))).toBe('appointments');
    expect(shownSection(null, sectionsFor(NURSE))).toBe('inbox');
    expect(shownSection(null, [])).toBeNull();
  });
});
