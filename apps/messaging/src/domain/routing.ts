// Routing of a patient's conversation to a team (department), per the tenant's rules: a keyword
// in the message, else the answer to the greeting menu, else the default team. "Talk to a human"
// always reaches the default team, so a patient can never get stuck in the menu. Pure: the caller
// (inbox/on-patient-message.ts) reads the rules and the conversation and applies the decision.

export interface RoutingConfig {
  enabled: boolean;
  defaultTeamId: string | null;
  greeting: string;
  menu: readonly { key: string; label: string; teamId: string }[];
  keywords: readonly { keyword: string; teamId: string }[];
}

export type RoutingState = 'none' | 'menu_sent' | 'routed';

export type RoutingDecision =
  | { action: 'none' }
  | { action: 'send_menu'; text: string }
  | { action: 'route'; teamId: string; reason: 'keyword' | 'menu' | 'human' | 'default' };

/** What a patient writes to reach a person (normalised as `normalizeRoutingText`), any language we ship. */
export const HUMAN_REQUESTS = [
  '0',
  'AGENT',
  'HUMAN',
  'PERSON',
  'OPERATOR',
  'TALK TO A HUMAN',
  'TALK TO A PERSON',
  'TALK TO SOMEONE',
  'AGENTE',
  'HUMANO',
  'PERSONA',
  'OPERADOR',
  'PESSOA',
  'MENSCH',
  'PERSONNE',
] as const;

export const MAX_MENU_OPTIONS = 9;
export const MAX_KEYWORDS = 100;
export const MAX_GREETING = 1024;

/** Upper case, accents and punctuation gone, single spaces. */
export function normalizeRoutingText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[\p{P}\p{S}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Whether `phrase` occurs in `text` as whole words (both normalised). */
function containsPhrase(text: string, phrase: string): boolean {
  if (phrase === '') return false;
  return ` ${text} `.includes(` ${phrase} `);
}

/** The menu's text: the greeting, one line per option, and the way to a person. */
export function menuText(config: RoutingConfig): string {
  const lines = config.menu.map((option) => `${option.key} – ${option.label}`);
  return [config.greeting.trim(), '', ...lines, '0 – Talk to a person'].join('\n').trim();
}

/**
 * What to do with a patient's message. `text` is the message's text (or the title or id of a
 * button/list reply); undefined for media and the like, which still route to the default team
 * once the menu was answered with something that is not an option.
 */
export function decideRouting(
  config: RoutingConfig | undefined,
  conversation: { routingState: RoutingState; teamId: string | null },
  text: string | undefined,
): RoutingDecision {
  if (config === undefined || !config.enabled) return { action: 'none' };
  if (conversation.routingState === 'routed' || conversation.teamId !== null) return { action: 'none' };
  const normalized = text === undefined ? '' : normalizeRoutingText(text);
  const toDefault = (reason: 'human' | 'default'): RoutingDecision =>
    config.defaultTeamId === null ? { action: 'none' } : { action: 'route', teamId: config.defaultTeamId, reason };

  if (normalized !== '' && HUMAN_REQUESTS.some((phrase) => normalized === phrase || (phrase.length > 1 && containsPhrase(normalized, phrase)))) {
    return toDefault('human');
  }
  if (conversation.routingState === 'menu_sent') {
    const option = config.menu.find(
      (o) => normalizeRoutingText(o.key) === normalized || (normalized !== '' && normalizeRoutingText(o.label) === normalized),
    );
    if (option !== undefined) return { action: 'route', teamId: option.teamId, reason: 'menu' };
  }
  const keyword = config.keywords.find((k) => containsPhrase(normalized, normalizeRoutingText(k.keyword)));
  if (keyword !== undefined) return { action: 'route', teamId: keyword.teamId, reason: 'keyword' };
  if (conversation.routingState === 'none' && config.menu.length > 0) return { action: 'send_menu', text: menuText(config) };
  // the menu was answered with something else, or there is no menu: a person sorts it out
  return toDefault('default');
}
