import { describe, expect, it } from 'vitest';
import { DIRECTORY_KEY, emptyDirectory, forget, loadDirectory, nameOf, remember } from './calendar-directory';

const ID = '7d9f3c1e-0a4b-4c2d-9e8f-1a2b3c4d5e6f';

describe('the remembered clinics, clinicians and types', () => {
  it('names what it was told about and shortens the ids it was not', () => {
    let directory = remember(emptyDirectory('UTC'), 'clinics', ` ${ID} `, 'Cardiology');
    directory = remember(directory, 'clinicians', 'dr-1', '');
    expect(nameOf(directory, 'clinics', ID)).toBe('Cardiology');
    expect(nameOf(directory, 'clinicians', 'dr-1')).toBe('dr-1');
    expect(nameOf(directory, 'types', ID)).toBe('7d9f3c1e…');
    // renaming replaces, forgetting removes
    directory = remember(directory, 'clinics', ID, 'Cardiología');
    expect(directory.clinics).toEqual([{ id: ID, name: 'Cardiología' }]);
    expect(forget(directory, 'clinics', ID).clinics).toEqual([]);
    expect(remember(directory, 'types', '  ', 'x')).toBe(directory);
  });

  it('loads what was saved, and starts afresh from anything unreadable', () => {
    const saved = remember(emptyDirectory('Europe/Madrid'), 'types', ID, 'Follow-up');
    const storage = (value: string | null) => ({
      getItem: (key: string) => (key === DIRECTORY_KEY ? value : null),
    });
    expect(loadDirectory(storage(JSON.stringify(saved)), 'UTC')).toEqual(saved);
    expect(loadDirectory(storage('{not json'), 'UTC')).toEqual(emptyDirectory('UTC'));
    expect(loadDirectory(storage(JSON.stringify({ clinics: 'x' })), 'UTC')).toEqual(emptyDirectory('UTC'));
    expect(loadDirectory(storage(null), 'Europe/Madrid').timeZone).toBe('Europe/Madrid');
  });
});
