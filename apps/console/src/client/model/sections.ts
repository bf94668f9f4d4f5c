// Which screens the signed-in person gets, from the permissions the api reports (GET /v1/me).
// Hiding is for clarity only: the api refuses what a role may not do either way.

export type Section = 'inbox' | 'appointments' | 'noShows';

/** The sections a role may use, in menu order. */
export function sectionsFor(permissions: readonly string[]): Section[] {
  const sections: Section[] = [];
  if (permissions.includes('conversations:read')) sections.push('inbox');
  if (permissions.includes('appointments:read')) sections.push('appointments', 'noShows');
  return sections;
}

/** The section to show: the one chosen if the role has it, else the first it has (or none). */
export function shownSection(chosen: Section | null, sections: readonly Section[]): Section | null {
  return chosen !== null && sections.includes(chosen) ? chosen : (sections[0] ?? null);
}
