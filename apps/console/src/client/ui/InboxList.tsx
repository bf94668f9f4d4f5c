// The inbox: filters, then one row per conversation (patient, preview, state, unread count, SLA
// timer). Keyboard: j / ↓ and k / ↑ move between rows, Enter (the row is a button) opens one.
import { useRef } from 'preact/hooks';
import type { Conversation } from '../schemas';
import type { InboxFilter } from '../model/inbox-state';
import { slaView } from '../model/sla';
import { t } from '../messages';
import { useNow } from './useNow';

interface Props {
  conversations: readonly Conversation[];
  filter: InboxFilter;
  onFilter: (filter: InboxFilter) => void;
  teamIds: readonly string[];
  teamName: (id: string) => string;
  loading: boolean;
  openId: string | null;
  onOpen: (conversation: Conversation) => void;
}

export function patientLabel(conversation: Conversation): string {
  if (conversation.restricted) return t.inbox.restricted;
  return conversation.patient.displayName ?? conversation.patient.phoneNumber ?? t.inbox.unknownPatient;
}

export function InboxList({
  conversations,
  filter,
  onFilter,
  teamIds,
  teamName,
  loading,
  openId,
  onOpen,
}: Props) {
  const now = useNow(15_000);
  const listRef = useRef<HTMLUListElement>(null);

  const onKeyDown = (event: KeyboardEvent) => {
    const buttons = [...(listRef.current?.querySelectorAll<HTMLButtonElement>('button.row') ?? [])];
    if (buttons.length === 0) return;
    const index = buttons.findIndex((button) => button === document.activeElement);
    let next: number | undefined;
    if (event.key === 'j' || event.key === 'ArrowDown') next = Math.min(buttons.length - 1, index + 1);
    else if (event.key === 'k' || event.key === 'ArrowUp') next = Math.max(0, index === -1 ? 0 : index - 1);
    if (next !== undefined) {
      event.preventDefault();
      buttons[next]?.focus();
    }
  };

  return (
    <nav class="inbox" aria-labelledby="inbox-title">
      <h2 id="inbox-title">{t.inbox.title}</h2>
      <fieldset class="filters">
        <legend class="visually-hidden">{t.inbox.filters}</legend>
        <label>
          {t.inbox.team}
          <select
            name="team"
            value={filter.teamId ?? ''}
            onChange={(e) => onFilter({ ...filter, teamId: e.currentTarget.value || null })}
          >
            <option value="">{t.inbox.anyTeam}</option>
            {teamIds.map((id) => (
              <option key={id} value={id}>
                {teamName(id)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t.inbox.assignee}
          <select
            name="assignee"
            value={filter.assignee ?? ''}
            onChange={(e) => {
              const value = e.currentTarget.value;
              onFilter({ ...filter, assignee: value === 'me' || value === 'unassigned' ? value : null });
            }}
          >
            <option value="">{t.inbox.anyone}</option>
            <option value="me">{t.inbox.me}</option>
            <option value="unassigned">{t.inbox.unassigned}</option>
          </select>
        </label>
        <label>
          {t.inbox.state}
          <select
            name="state"
            value={filter.status ?? ''}
            onChange={(e) => {
              const value = e.currentTarget.value;
              onFilter({
                ...filter,
                status: value === 'open' || value === 'pending' || value === 'closed' ? value : null,
              });
            }}
          >
            <option value="">{t.inbox.anyState}</option>
            <option value="open">{t.status.open}</option>
            <option value="pending">{t.status.pending}</option>
            <option value="closed">{t.status.closed}</option>
          </select>
        </label>
        <label class="inline">
          <input
            type="checkbox"
            name="unread"
            checked={filter.unreadOnly}
            onChange={(e) => onFilter({ ...filter, unreadOnly: e.currentTarget.checked })}
          />
          {t.inbox.unreadOnly}
        </label>
      </fieldset>
      <p class="hint" id="inbox-keys">
        {t.inbox.keyboardHint}
      </p>
      {loading && conversations.length === 0 ? (
        <p>{t.inbox.loading}</p>
      ) : conversations.length === 0 ? (
        <p>{t.inbox.empty}</p>
      ) : (
        <ul
          class="rows"
          ref={listRef}
          onKeyDown={onKeyDown}
          aria-describedby="inbox-keys"
          data-testid="inbox"
        >
          {conversations.map((conversation) => {
            const sla = slaView(conversation, now);
            return (
              <li key={conversation.id}>
                <button
                  type="button"
                  class={`row${conversation.id === openId ? ' open' : ''}${conversation.unreadCount > 0 ? ' unread' : ''}`}
                  aria-current={conversation.id === openId ? 'true' : undefined}
                  data-conversation-id={conversation.id}
                  onClick={() => onOpen(conversation)}
                >
                  <span class="patient">{patientLabel(conversation)}</span>
                  {conversation.unreadCount > 0 && (
                    <span class="badge" aria-label={t.inbox.unread(conversation.unreadCount)}>
                      {conversation.unreadCount}
                    </span>
                  )}
                  <span class="row-preview">
                    {conversation.restricted ? '' : (conversation.lastMessagePreview ?? '')}
                  </span>
                  <span class={`state state-${conversation.status}`}>{t.status[conversation.status]}</span>
                  <span class={`sla sla-${sla.tone}`}>{sla.label}</span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </nav>
  );
}
