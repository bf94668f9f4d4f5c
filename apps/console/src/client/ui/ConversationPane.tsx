// One conversation: who and what state, the actions (assign, close/reopen), the thread, and the
// composer that knows the 24-hour window: free text while it is open (with a countdown), the
// template picker once it has closed. Internal notes beside the thread.
import { useEffect, useRef, useState } from 'preact/hooks';
import { type ApiClient, ApiError } from '../api';
import type { Thread } from '../model/inbox-state';
import { canSendFreeText, windowState } from '../model/window';
import type { Conversation, Me, Message, Note } from '../schemas';
import { t } from '../messages';
import { patientLabel } from './InboxList';
import { MessageItem } from './MessageItem';
import { TemplatePicker } from './TemplatePicker';
import { useNow } from './useNow';

interface Props {
  api: ApiClient;
  me: Me;
  conversation: Conversation;
  thread: Thread;
  teamIds: readonly string[];
  teamName: (id: string) => string;
  onConversation: (conversation: Conversation) => void;
  onMessage: (message: Message) => void;
  onNote: (note: Note) => void;
}

const newKey = (): string => crypto.randomUUID();

export function ConversationPane({
  api,
  me,
  conversation,
  thread,
  teamIds,
  teamName,
  onConversation,
  onMessage,
  onNote,
}: Props) {
  const now = useNow(1_000);
  const replyWindow = windowState(conversation.windowOpenUntil, now);
  const [error, setError] = useState<string | null>(null);
  const [forceTemplates, setForceTemplates] = useState(false);
  const threadRef = useRef<HTMLOListElement>(null);
  const can = (permission: string) => me.permissions.includes(permission);

  useEffect(() => setForceTemplates(false), [conversation.id]);
  useEffect(() => {
    const list = threadRef.current;
    if (list !== null) list.scrollTop = list.scrollHeight;
  }, [thread.messages.length, conversation.id]);

  const act = async (action: () => Promise<void>) => {
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(caught instanceof ApiError ? t.errors.generic(caught.message) : t.errors.network);
    }
  };

  const freeText = canSendFreeText(replyWindow) && !forceTemplates;

  return (
    <main
      class="conversation"
      id="conversation"
      aria-labelledby="conversation-title"
      data-conversation-id={conversation.id}
    >
      <header class="conversation-head">
        <h2 id="conversation-title">{patientLabel(conversation)}</h2>
        <p class="meta">
          {conversation.patient.phoneNumber !== null && !conversation.restricted && (
            <span>{conversation.patient.phoneNumber}</span>
          )}
          <span class={`state state-${conversation.status}`}>{t.status[conversation.status]}</span>
          <span data-testid="assignee">
            {conversation.assignedTo === null
              ? t.conversation.notAssigned
              : t.conversation.assignedTo(
                  conversation.assignedTo === me.subject ? t.inbox.me : conversation.assignedTo,
                )}
          </span>
          {conversation.teamId !== null && <span>{teamName(conversation.teamId)}</span>}
        </p>
        {can('conversations:assign') && (
          <div class="actions" role="group" aria-label={t.inbox.assignee}>
            {conversation.assignedTo !== me.subject ? (
              <button
                type="button"
                onClick={() =>
                  void act(async () =>
                    onConversation(await api.assign(conversation.id, { assignee: me.subject })),
                  )
                }
              >
                {t.conversation.assignToMe}
              </button>
            ) : (
              <button
                type="button"
                onClick={() => void act(async () => onConversation(await api.assign(conversation.id, {})))}
              >
                {t.conversation.unassign}
              </button>
            )}
            {teamIds.length > 0 && (
              <label>
                {t.conversation.assignTeam}
                <select
                  name="assign-team"
                  value={conversation.teamId ?? ''}
                  onChange={(e) => {
                    const teamId = e.currentTarget.value;
                    if (teamId !== '')
                      void act(async () =>
                        onConversation(
                          await api.assign(conversation.id, { assignee: conversation.assignedTo, teamId }),
                        ),
                      );
                  }}
                >
                  <option value="">–</option>
                  {teamIds.map((id) => (
                    <option key={id} value={id}>
                      {teamName(id)}
                    </option>
                  ))}
                </select>
              </label>
            )}
            {conversation.status === 'closed' ? (
              <button
                type="button"
                onClick={() =>
                  void act(async () => onConversation(await api.setState(conversation.id, 'open')))
                }
              >
                {t.conversation.reopen}
              </button>
            ) : (
              <button
                type="button"
                onClick={() =>
                  void act(async () => onConversation(await api.setState(conversation.id, 'closed')))
                }
              >
                {t.conversation.close}
              </button>
            )}
          </div>
        )}
        {conversation.optedOut && <p class="warning">{t.conversation.optedOut}</p>}
      </header>

      <div class="conversation-body">
        <section class="thread" aria-label={t.conversation.thread}>
          <ol ref={threadRef} data-testid="thread">
            {thread.messages.map((message) => (
              <MessageItem key={message.id} api={api} message={message} />
            ))}
          </ol>
        </section>
        <Notes
          api={api}
          conversationId={conversation.id}
          notes={thread.notes}
          canWrite={can('messages:send')}
          onNote={onNote}
        />
      </div>

      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}

      {can('messages:send') && (
        <section class="composer" aria-label={t.composer.region}>
          <p
            class={`window window-${replyWindow.kind}${replyWindow.kind === 'open' && replyWindow.closingSoon ? ' closing' : ''}`}
            data-testid="window"
            role="status"
          >
            {replyWindow.label}
          </p>
          {freeText ? (
            <ReplyBox
              onSend={async (text) => {
                try {
                  onMessage(await api.reply(conversation.id, text, newKey()));
                } catch (caught) {
                  // the window closed between the countdown and the send: switch to templates
                  if (caught instanceof ApiError && caught.code === 'window_closed') {
                    setForceTemplates(true);
                    setError(t.composer.windowClosedRefused);
                    return false;
                  }
                  throw caught;
                }
                return true;
              }}
              onError={(message) => setError(message)}
            />
          ) : (
            <TemplatePicker
              api={api}
              onSend={async (body) =>
                onMessage(await api.sendTemplate(conversation.id, { ...body, idempotencyKey: newKey() }))
              }
            />
          )}
        </section>
      )}
    </main>
  );
}

function ReplyBox({
  onSend,
  onError,
}: {
  onSend: (text: string) => Promise<boolean>;
  onError: (message: string) => void;
}) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (text.trim() === '') return;
    setBusy(true);
    try {
      if (await onSend(text)) setText('');
    } catch (caught) {
      onError(caught instanceof ApiError ? t.errors.generic(caught.message) : t.errors.network);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="reply" onSubmit={(event) => void submit(event)}>
      <label for="reply-text" class="visually-hidden">
        {t.composer.label}
      </label>
      <textarea
        id="reply-text"
        name="reply"
        rows={3}
        maxLength={4096}
        placeholder={t.composer.placeholder}
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          // Ctrl/⌘ + Enter sends; Enter alone is a new line (replies are often several lines)
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void submit(e);
        }}
      />
      <button type="submit" disabled={busy || text.trim() === ''}>
        {busy ? t.composer.sending : t.composer.send}
      </button>
    </form>
  );
}

function Notes({
  api,
  conversationId,
  notes,
  canWrite,
  onNote,
}: {
  api: ApiClient;
  conversationId: string;
  notes: readonly Note[];
  canWrite: boolean;
  onNote: (note: Note) => void;
}) {
  const [body, setBody] = useState('');
  const submit = async (event: Event) => {
    event.preventDefault();
    if (body.trim() === '') return;
    onNote(await api.addNote(conversationId, body.trim()));
    setBody('');
  };
  return (
    <aside class="notes" aria-labelledby="notes-title">
      <h3 id="notes-title">{t.conversation.notes}</h3>
      {notes.length === 0 ? (
        <p class="hint">{t.conversation.noNotes}</p>
      ) : (
        <ul>
          {notes.map((note) => (
            <li key={note.id}>
              <p>{note.body}</p>
              <small>
                {note.author.replace(/^user:/, '')}
                {note.createdAt !== null && ` · ${new Date(note.createdAt).toLocaleString()}`}
              </small>
            </li>
          ))}
        </ul>
      )}
      {canWrite && (
        <form onSubmit={(event) => void submit(event).catch(() => undefined)}>
          <label for="note-body">{t.conversation.addNote}</label>
          <textarea
            id="note-body"
            name="note"
            rows={2}
            maxLength={4096}
            placeholder={t.conversation.notePlaceholder}
            value={body}
            onInput={(e) => setBody(e.currentTarget.value)}
          />
          <button type="submit" disabled={body.trim() === ''}>
            {t.conversation.addNote}
          </button>
        </form>
      )}
    </aside>
  );
}
