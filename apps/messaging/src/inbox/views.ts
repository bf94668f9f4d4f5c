// Inbox rows → MessagingService messages, and the routing rules' validation. Notes are sealed at
// rest under their own context; responses carry them in clear by contract (messaging.proto).
import { type Note, type RoutingRules } from '@careline/contracts';
import { isUuid } from '@careline/db';
import { invalidArgument } from '@careline/runtime';
import { type NoteRow, type StoredRoutingRules } from '../db/inbox';
import { MAX_GREETING, MAX_KEYWORDS, MAX_MENU_OPTIONS, normalizeRoutingText } from '../domain/routing';
import { type AtRest } from '../domain/sealing';

export const noteContext = (noteId: string): string => `messaging:note:${noteId}:body`;

export async function noteView(atRest: AtRest, row: NoteRow): Promise<Note> {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    author: row.author,
    body: await atRest.openString(row.tenant_id, row.body_sealed, noteContext(row.id)),
    createdAt: row.created_at,
  };
}

export function routingRulesView(stored: StoredRoutingRules | undefined, slas: readonly { teamId: string; minutes: number }[]): RoutingRules {
  return {
    enabled: stored?.enabled ?? false,
    defaultTeamId: stored?.defaultTeamId ?? '',
    greeting: stored?.greeting ?? '',
    menu: (stored?.menu ?? []).map((o) => ({ key: o.key, label: o.label, teamId: o.teamId })),
    keywords: (stored?.keywords ?? []).map((k) => ({ keyword: k.keyword, teamId: k.teamId })),
    teamSlas: slas.map((s) => ({ teamId: s.teamId, firstResponseMinutes: s.minutes })),
    updatedAt: stored?.updatedAt,
  };
}

export interface RoutingRulesInput {
  rules: StoredRoutingRules;
  /** minutes null: the team's target is cleared */
  slas: { teamId: string; minutes: number | null }[];
}

function refuse(field: string, message: string): never {
  throw invalidArgument('invalid_routing_rules', message, { details: { field } });
}

function teamIdOf(value: string, field: string): string {
  if (!isUuid(value)) refuse(field, 'A team id is required and must be a UUID.');
  return value.toLowerCase();
}

/** The rules as stored, or INVALID_ARGUMENT `invalid_routing_rules` naming the first bad field. */
export function checkRoutingRules(rules: RoutingRules | undefined): RoutingRulesInput {
  if (rules === undefined) refuse('rules', 'rules are required.');
  if ([...rules.greeting].length > MAX_GREETING) refuse('greeting', `The greeting is at most ${MAX_GREETING} characters.`);
  if (rules.menu.length > MAX_MENU_OPTIONS) refuse('menu', `At most ${MAX_MENU_OPTIONS} menu options.`);
  if (rules.keywords.length > MAX_KEYWORDS) refuse('keywords', `At most ${MAX_KEYWORDS} keywords.`);
  const keys = new Set<string>();
  const menu = rules.menu.map((option, index) => {
    const key = normalizeRoutingText(option.key);
    // "0" is the way to a person on every menu (domain/routing.ts)
    if (key === '' || key.length > 20 || key === '0') refuse(`menu.${index}.key`, 'A menu key is 1 to 20 characters and not "0".');
    if (keys.has(key)) refuse(`menu.${index}.key`, 'Menu keys must be unique.');
    keys.add(key);
    const label = option.label.trim();
    if (label === '' || [...label].length > 60) refuse(`menu.${index}.label`, 'A menu label is 1 to 60 characters.');
    return { key: option.key.trim(), label, teamId: teamIdOf(option.teamId, `menu.${index}.team_id`) };
  });
  if (menu.length > 0 && rules.greeting.trim() === '') refuse('greeting', 'A menu needs a greeting.');
  const keywords = rules.keywords.map((entry, index) => {
    const keyword = entry.keyword.trim();
    if (normalizeRoutingText(keyword) === '' || [...keyword].length > 60) refuse(`keywords.${index}.keyword`, 'A keyword is 1 to 60 characters.');
    return { keyword, teamId: teamIdOf(entry.teamId, `keywords.${index}.team_id`) };
  });
  const defaultTeamId = rules.defaultTeamId === '' ? null : teamIdOf(rules.defaultTeamId, 'default_team_id');
  if (rules.enabled && defaultTeamId === null) refuse('default_team_id', 'Routing needs a default team (the way to a person).');
  const slas = rules.teamSlas.map((sla, index) => {
    if (!Number.isInteger(sla.firstResponseMinutes) || sla.firstResponseMinutes < 0 || sla.firstResponseMinutes > 10_080) {
      refuse(`team_slas.${index}.first_response_minutes`, 'A first-response target is 0 (none) to 10080 minutes.');
    }
    return { teamId: teamIdOf(sla.teamId, `team_slas.${index}.team_id`), minutes: sla.firstResponseMinutes === 0 ? null : sla.firstResponseMinutes };
  });
  return { rules: { enabled: rules.enabled, defaultTeamId, greeting: rules.greeting.trim(), menu, keywords }, slas };
}
