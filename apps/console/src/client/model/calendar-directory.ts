// The clinics, clinicians and appointment types this browser knows by name. The api can create
// them (PUT at an id) but has no route that lists or reads them, so the console remembers what the
// nurse entered (ids and labels: staff data, never patient data) in localStorage, and shows a
// bare id for anything it was not told about.
import { z } from 'zod';

export const DIRECTORY_KEY = 'careline.console.calendar';

const Entry = z.object({ id: z.string().min(1).max(100), name: z.string().max(200) });
export const DirectorySchema = z.object({
  timeZone: z.string().min(1).default('UTC'),
  clinics: z.array(Entry).default([]),
  clinicians: z.array(Entry.extend({ clinicId: z.string().nullable().default(null) })).default([]),
  types: z.array(Entry.extend({ durationMinutes: z.number().int().nullable().default(null) })).default([]),
});
export type Directory = z.infer<typeof DirectorySchema>;
export type DirectoryKind = 'clinics' | 'clinicians' | 'types';

export function emptyDirectory(timeZone: string): Directory {
  return { timeZone, clinics: [], clinicians: [], types: [] };
}

export function loadDirectory(storage: Pick<Storage, 'getItem'>, fallbackZone: string): Directory {
  try {
    const raw = storage.getItem(DIRECTORY_KEY);
    if (raw === null) return emptyDirectory(fallbackZone);
    const parsed = DirectorySchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : emptyDirectory(fallbackZone);
  } catch {
    return emptyDirectory(fallbackZone);
  }
}

/** Adds or renames an entry (by id); a blank name keeps the id as the label. */
export function remember(directory: Directory, kind: DirectoryKind, id: string, name: string): Directory {
  const trimmedId = id.trim();
  if (trimmedId === '') return directory;
  const label = name.trim() === '' ? trimmedId : name.trim();
  switch (kind) {
    case 'clinics':
      return { ...directory, clinics: upsert(directory.clinics, { id: trimmedId, name: label }) };
    case 'clinicians':
      return {
        ...directory,
        clinicians: upsert(directory.clinicians, { id: trimmedId, name: label, clinicId: null }),
      };
    case 'types':
      return {
        ...directory,
        types: upsert(directory.types, { id: trimmedId, name: label, durationMinutes: null }),
      };
  }
}

export function forget(directory: Directory, kind: DirectoryKind, id: string): Directory {
  return { ...directory, [kind]: directory[kind].filter((entry) => entry.id !== id) };
}

function upsert<T extends { id: string; name: string }>(list: readonly T[], entry: T): T[] {
  const others = list.filter((e) => e.id !== entry.id);
  return [...others, entry].sort((a, b) => a.name.localeCompare(b.name));
}

/** The label of an id: the remembered name, else a shortened id (the full id is in the title). */
export function nameOf(directory: Directory, kind: DirectoryKind, id: string): string {
  return directory[kind].find((entry) => entry.id === id)?.name ?? shortId(id);
}

export function shortId(id: string): string {
  return id.length > 13 ? `${id.slice(0, 8)}…` : id;
}
