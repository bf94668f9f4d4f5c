// Self-service in chat, the pure part: recognising a request for results (keywords per language,
// or a menu choice), the opaque ids of the list rows, and the words of the list per language.
// Nothing here sees more than the text it is given; nothing of it is ever logged.

/** The menu choice (a button or list row id another service may offer) that asks for results. */
export const MY_RESULTS_CHOICE = 'records:my-results';
const SHARE_ROW_PREFIX = 'records:share:';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Keywords per language (BCP 47 primary tag → phrases), e.g. from `SELF_SERVICE_KEYWORDS`. */
export type Keywords = ReadonlyMap<string, readonly string[]>;

export const DEFAULT_KEYWORDS = 'en:my results|results|my result;es:resultados|mis resultados|resultado;fr:mes resultats|resultats;pt:meus resultados|resultados';

/** `en:my results|results;es:resultados` → keywords per language (normalised). */
export function parseKeywords(spec: string): Keywords {
  const keywords = new Map<string, string[]>();
  for (const group of spec.split(';')) {
    const [language, phrases] = group.split(':', 2);
    if (language === undefined || phrases === undefined) throw new TypeError('must be lang:phrase|phrase;lang:phrase');
    const lang = language.trim().toLowerCase();
    if (!/^[a-z]{2,3}$/.test(lang)) throw new TypeError('each group must start with a language (en, es, …)');
    const list = phrases.split('|').map(normalise).filter((phrase) => phrase.length > 0);
    if (list.length === 0) throw new TypeError(`no phrase for ${lang}`);
    keywords.set(lang, [...(keywords.get(lang) ?? []), ...list]);
  }
  return keywords;
}

/** Lower case, no accents, punctuation as spaces, single spaces. */
export function normalise(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

// A longer message is a real question for the care team, not a command (and must not be answered
// by a robot because it happens to contain the word "results").
const MAX_COMMAND_LENGTH = 40;

/**
 * The language of the keyword a text asks for results with, or undefined. The whole message must
 * be short and contain a phrase as whole words ("my results", "¿Mis resultados?", "results please").
 */
export function asksForResults(text: string, keywords: Keywords): string | undefined {
  const words = normalise(text);
  if (words.length === 0 || words.length > MAX_COMMAND_LENGTH) return undefined;
  const padded = ` ${words} `;
  for (const [language, phrases] of keywords) {
    if (phrases.some((phrase) => padded.includes(` ${phrase} `))) return language;
  }
  return undefined;
}

/** A list row's id: opaque to the patient, naming a share records checks again on the reply. */
export function shareRowId(shareId: string): string {
  return `${SHARE_ROW_PREFIX}${shareId}`;
}

export function shareIdOfRow(rowId: string): string | undefined {
  if (!rowId.startsWith(SHARE_ROW_PREFIX)) return undefined;
  const id = rowId.slice(SHARE_ROW_PREFIX.length).toLowerCase();
  return UUID.test(id) ? id : undefined;
}

export interface ListWords {
  body: string;
  button: string;
  row(date: Date): string;
  rowDescription: string;
  footer: string;
}

// Titles of documents are not shown in WhatsApp (they can be clinical: "HIV test"); the patient
// sees them on the release page after verification. Rows show the release date only.
const WORDS: Record<string, ListWords> = {
  en: {
    body: 'These are the results released to you. Choose one to get a new secure link; you will confirm who you are before it opens.',
    button: 'My results',
    row: (date) => `Result ${date.toISOString().slice(0, 10)}`,
    rowDescription: 'Get a new secure link',
    footer: 'No medical details are sent in this chat.',
  },
  es: {
    body: 'Estos son los resultados que se le han entregado. Elija uno para recibir un nuevo enlace seguro; confirmará su identidad antes de abrirlo.',
    button: 'Mis resultados',
    row: (date) => `Resultado ${date.toISOString().slice(0, 10)}`,
    rowDescription: 'Recibir un nuevo enlace seguro',
    footer: 'No se envían datos médicos por este chat.',
  },
};

export function listWords(language: string): ListWords {
  const primary = language.toLowerCase().split(/[-_]/)[0] ?? '';
  return WORDS[primary] ?? WORDS['en']!;
}
