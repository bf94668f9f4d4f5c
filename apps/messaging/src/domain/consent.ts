// Consent rules: which purposes are essential (sent even to an opted-out patient), the STOP/START
// keywords per language with the confirmation texts, and how a patient's text is matched against
// them. Pure functions: no I/O.
import { MessagePurpose } from '@careline/contracts';
import { z } from 'zod';

export type ConsentStateName = 'unspecified' | 'opted_in' | 'opted_out';
export type ConsentSourceName = 'keyword' | 'user_preferences' | 'staff' | 'api' | 'import';
export type PurposeName = 'care' | 'reminder' | 'result_notice' | 'verification' | 'confirmation';

export function purposeName(purpose: MessagePurpose): PurposeName {
  switch (purpose) {
    case MessagePurpose.MESSAGE_PURPOSE_REMINDER:
      return 'reminder';
    case MessagePurpose.MESSAGE_PURPOSE_RESULT_NOTICE:
      return 'result_notice';
    case MessagePurpose.MESSAGE_PURPOSE_VERIFICATION:
      return 'verification';
    case MessagePurpose.MESSAGE_PURPOSE_CONFIRMATION:
      return 'confirmation';
    case MessagePurpose.MESSAGE_PURPOSE_CARE:
    case MessagePurpose.MESSAGE_PURPOSE_UNSPECIFIED:
    case MessagePurpose.UNRECOGNIZED:
      return 'care';
  }
}

/**
 * Essential messages answer the patient's own action (a code they asked for, the confirmation of
 * their STOP): withholding them would break what the patient is doing, so opt-out does not apply.
 */
export function isEssential(purpose: PurposeName): boolean {
  return purpose === 'verification' || purpose === 'confirmation';
}

/** Whether a send of `purpose` (and, for templates, `category`) is refused by the consent. */
export function consentRefuses(
  consent: { state: ConsentStateName; marketingStopped: boolean },
  purpose: PurposeName,
  category?: string,
): boolean {
  // Meta refuses MARKETING templates after a marketing stop anyway (131050); refuse them first.
  if (category === 'marketing' && consent.marketingStopped) return true;
  return consent.state === 'opted_out' && !isEssential(purpose);
}

export interface Keywords {
  /** language → words; the language chooses the confirmation's text */
  stop: Record<string, string[]>;
  start: Record<string, string[]>;
}

/**
 * Defaults (a tenant may replace them, `messaging_settings.keywords`). Whole-message matches only,
 * so "please don't stop my reminders" is not a STOP. Words a patient could mean otherwise in a
 * hospital chat (CANCEL, END, QUIT: cancelling an appointment) are left out on purpose.
 */
export const DEFAULT_KEYWORDS: Keywords = {
  stop: {
    en: ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'OPT OUT', 'OPTOUT'],
    es: ['BAJA', 'PARAR', 'DETENER', 'DARME DE BAJA'],
    fr: ['ARRET', 'DESABONNER', 'DESINSCRIRE'],
    pt: ['SAIR', 'DESCADASTRAR'],
    de: ['STOPP', 'ABMELDEN'],
  },
  start: {
    en: ['START', 'UNSTOP', 'SUBSCRIBE', 'OPT IN', 'OPTIN'],
    es: ['ALTA', 'DARME DE ALTA', 'REANUDAR'],
    fr: ['DEMARRER', 'ABONNER'],
    pt: ['VOLTAR', 'CADASTRAR'],
    de: ['ANMELDEN'],
  },
};

export const keywordsSchema = z.object({
  stop: z.record(z.string().regex(/^[a-z]{2,3}$/), z.array(z.string().min(1).max(40)).max(20)),
  start: z.record(z.string().regex(/^[a-z]{2,3}$/), z.array(z.string().min(1).max(40)).max(20)),
});

/** Upper case, accents and surrounding punctuation gone, inner spaces single. */
export function normalizeKeyword(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '')
    .replace(/\s+/g, ' ');
}

export interface KeywordMatch {
  action: 'stop' | 'start';
  language: string;
}

/** The keyword a whole message is, if any. Longer than any keyword: not looked at. */
export function matchKeyword(text: string, keywords: Keywords): KeywordMatch | undefined {
  if (text.length > 60) return undefined;
  const normalized = normalizeKeyword(text);
  if (normalized === '') return undefined;
  for (const action of ['stop', 'start'] as const) {
    for (const [language, words] of Object.entries(keywords[action])) {
      if (words.some((word) => normalizeKeyword(word) === normalized)) return { action, language };
    }
  }
  return undefined;
}

const CONFIRMATIONS: Record<string, { stop: string; start: string }> = {
  en: {
    stop: 'You will no longer receive reminders or notices from us on WhatsApp. Reply START to receive them again.',
    start: 'You will receive reminders and notices from us on WhatsApp again. Reply STOP to stop them.',
  },
  es: {
    stop: 'Ya no recibirá recordatorios ni avisos nuestros por WhatsApp. Responda ALTA para volver a recibirlos.',
    start: 'Volverá a recibir nuestros recordatorios y avisos por WhatsApp. Responda BAJA para dejar de recibirlos.',
  },
  fr: {
    stop: 'Vous ne recevrez plus nos rappels ni nos avis sur WhatsApp. Répondez DEMARRER pour les recevoir à nouveau.',
    start: 'Vous recevrez à nouveau nos rappels et avis sur WhatsApp. Répondez ARRET pour les arrêter.',
  },
  pt: {
    stop: 'Você não receberá mais lembretes nem avisos nossos pelo WhatsApp. Responda VOLTAR para recebê-los novamente.',
    start: 'Você voltará a receber nossos lembretes e avisos pelo WhatsApp. Responda SAIR para pará-los.',
  },
  de: {
    stop: 'Sie erhalten keine Erinnerungen oder Hinweise mehr von uns über WhatsApp. Antworten Sie ANMELDEN, um sie wieder zu erhalten.',
    start: 'Sie erhalten wieder Erinnerungen und Hinweise von uns über WhatsApp. Antworten Sie STOPP, um sie zu beenden.',
  },
};

/** The confirmation text for a keyword in its language (English for a language without one). */
export function confirmationText(match: KeywordMatch): string {
  const texts = CONFIRMATIONS[match.language] ?? CONFIRMATIONS.en;
  return texts === undefined ? '' : texts[match.action];
}
