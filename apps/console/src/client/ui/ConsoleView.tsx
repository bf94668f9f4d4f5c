// The signed-in console: header (hospital, role, live status, the sections the role may use),
// then a section: the inbox (the list on the left, the open conversation, the patient panel beside
// it), the appointments calendar, or the no-show dashboard. Owns the live state: the inbox list
// and the open thread, moved by the reducer in model/inbox-state.ts from REST loads and stream
// events; it stays alive while another section is shown, so coming back needs no reload.
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { type ApiClient, ApiError, createApiClient } from '../api';
import {
  type InboxFilter,
  type InboxState,
  DEFAULT_FILTER,
  EMPTY_STATE,
  applyEvent,
  filterQuery,
  forgetSeq,
  openThread,
  unreadTotal,
  upsertConversation,
  upsertMessage,
  withConversations,
} from '../model/inbox-state';
import type { Session } from '../model/session';
import type { ClientConfig, Conversation, Me, Message, Note, StreamEvent } from '../schemas';
import { type StreamStatus, openStream } from '../stream';
import { t } from '../messages';
import { type Section, sectionsFor, shownSection } from '../model/sections';
import { type Directory, EMPTY_DIRECTORY, calendarZone, nameOf } from '../model/calendar-directory';
import { InboxList } from './InboxList';
import { ConversationPane } from './ConversationPane';
import { type BookingPrefill, PatientPanel } from './PatientPanel';
import { AppointmentsView } from './AppointmentsView';
import { NoShowDashboard } from './NoShowDashboard';

const browserZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

interface Props {
  config: ClientConfig;
  session: Session;
  onSignOut: () => void;
  onExpired: () => void;
}

export function ConsoleView({ config, session, onSignOut, onExpired }: Props) {
  const api: ApiClient = useMemo(
    () => createApiClient({ apiUrl: config.apiUrl, token: session.token, onUnauthorized: onExpired }),
    [config.apiUrl, session.token, onExpired],
  );
  const [me, setMe] = useState<Me | null>(null);
  const [teams, setTeams] = useState<Map<string, string>>(new Map());
  const [hospitalName, setHospitalName] = useState<string | null>(null);
  const [state, setState] = useState<InboxState>(EMPTY_STATE);
  const [filter, setFilter] = useState<InboxFilter>(DEFAULT_FILTER);
  const [loading, setLoading] = useState(true);
  const [openId, setOpenId] = useState<string | null>(null);
  const [current, setCurrent] = useState<Conversation | null>(null);
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const [announcement, setAnnouncement] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [section, setSection] = useState<Section | null>(null);
  const [directory, setDirectory] = useState<Directory>(EMPTY_DIRECTORY);
  const [prefill, setPrefill] = useState<BookingPrefill | null>(null);
  // the patient panel re-reads the record each time the conversation is opened or the inbox shown
  // again (a visit booked meanwhile, a share that moved): nothing about patients is on the stream
  const [panelVersion, setPanelVersion] = useState(0);
  const showSection = useCallback((next: Section) => {
    setSection(next);
    if (next === 'inbox') setPanelVersion((v) => v + 1);
  }, []);

  const sections = me === null ? [] : sectionsFor(me.permissions);
  const shown = shownSection(section, sections);
  const [visited, setVisited] = useState<ReadonlySet<Section>>(new Set());
  useEffect(() => {
    if (shown !== null && !visited.has(shown)) setVisited(new Set([...visited, shown]));
  }, [shown, visited]);

  // The stream callbacks outlive renders: they read the latest filter/open id through refs.
  const filterRef = useRef(filter);
  filterRef.current = filter;
  const openRef = useRef(openId);
  openRef.current = openId;
  const seqRef = useRef<number | null>(null);
  seqRef.current = state.lastSeq;

  useEffect(() => {
    api.me().then(setMe, () => setError(t.errors.network));
  }, [api]);

  useEffect(() => {
    if (me === null) return;
    // the header names the hospital; its id stays the fallback (and the tooltip)
    api.hospital().then(
      (hospital) => setHospitalName(hospital.name),
      () => undefined,
    );
    // the calendar set-up, by name, for whoever reads appointments (the calendar, booking, the
    // panel's visits, the no-show report); re-read on sign-in, it changes rarely
    if (me.permissions.includes('appointments:read')) {
      Promise.all([api.sites(), api.clinics(), api.clinicians(), api.appointmentTypes()]).then(
        ([sites, clinics, clinicians, types]) => setDirectory({ sites, clinics, clinicians, types }),
        () => undefined,
      );
    }
    if (!me.permissions.includes('conversations:read')) return;
    api.teams().then(
      (list) => setTeams(new Map(list.items.map((team) => [team.id, team.name]))),
      () => undefined,
    );
  }, [api, me]);

  const reload = useCallback(async () => {
    if (me === null) return;
    setLoading(true);
    const loadedAfterSeq = seqRef.current;
    try {
      const page = await api.conversations(filterQuery(filterRef.current, me.subject));
      setState((s) => withConversations(s, page.items, filterRef.current, me.subject, loadedAfterSeq));
      setError(null);
    } catch {
      setError(t.errors.network);
    } finally {
      setLoading(false);
    }
  }, [api, me]);

  useEffect(() => {
    void reload();
  }, [reload, filter]);

  const onEvent = useCallback(
    (event: StreamEvent) => {
      if (me === null) return;
      setState((s) => applyEvent(s, event, filterRef.current, me.subject));
      if (event.conversation !== null && event.conversationId === openRef.current)
        setCurrent(event.conversation);
      // the nurse has this conversation open: a new patient message is seen as it arrives
      if (event.kind === 'message_received' && event.conversationId === openRef.current) {
        api.markRead(event.conversationId).then(
          (read) => setCurrent(read),
          () => undefined,
        );
      }
      if (event.kind === 'message_received') {
        const who =
          event.conversation?.patient.displayName ??
          event.conversation?.patient.phoneNumber ??
          t.inbox.unknownPatient;
        setAnnouncement(t.inbox.newMessageAnnouncement(who));
      }
    },
    [api, me],
  );

  useEffect(() => {
    if (me === null) return undefined;
    const stream = openStream({
      apiUrl: config.apiUrl,
      token: session.token,
      resumeAfter: () => seqRef.current,
      onEvent,
      onStatus: setStatus,
      onResumeLost: () => {
        setState(forgetSeq);
        void reload();
      },
      onAuthEnded: onExpired,
    });
    return () => stream.close();
  }, [me, config.apiUrl, session.token, onEvent, onExpired, reload]);

  const open = useCallback(
    async (conversation: Conversation) => {
      setOpenId(conversation.id);
      setPanelVersion((v) => v + 1);
      openRef.current = conversation.id;
      setError(null);
      setCurrent(conversation);
      // the nurse may open another conversation before this one has loaded: drop stale answers
      const stillOpen = () => openRef.current === conversation.id;
      try {
        const [page, notes] = await Promise.all([api.messages(conversation.id), api.notes(conversation.id)]);
        if (!stillOpen()) return;
        setState((s) => openThread(s, conversation.id, page.items, notes));
        // the console opened it: unread 0, and the patient sees blue ticks
        const read = await api.markRead(conversation.id);
        if (me !== null)
          setState((s) => ({
            ...s,
            conversations: upsertConversation(s.conversations, read, filterRef.current, me.subject),
          }));
        if (stillOpen()) setCurrent(read);
      } catch (caught) {
        if (!stillOpen()) return;
        setError(
          caught instanceof ApiError && caught.code === 'break_glass_required'
            ? t.conversation.breakGlassRequired
            : caught instanceof ApiError
              ? t.errors.generic(caught.message)
              : t.errors.network,
        );
      }
    },
    [api, me],
  );

  const onConversation = useCallback(
    (conversation: Conversation) => {
      setCurrent(conversation);
      if (me !== null)
        setState((s) => ({
          ...s,
          conversations: upsertConversation(s.conversations, conversation, filterRef.current, me.subject),
        }));
    },
    [me],
  );
  const onMessage = useCallback((message: Message) => {
    setState((s) =>
      s.thread?.conversationId === message.conversationId
        ? { ...s, thread: { ...s.thread, messages: upsertMessage(s.thread.messages, message) } }
        : s,
    );
  }, []);
  const onNote = useCallback((note: Note) => {
    setState((s) =>
      s.thread !== null && !s.thread.notes.some((n) => n.id === note.id)
        ? { ...s, thread: { ...s.thread, notes: [...s.thread.notes, note] } }
        : s,
    );
  }, []);

  const teamIds = useMemo(() => {
    const ids = new Set(teams.keys());
    for (const c of state.conversations) if (c.teamId !== null) ids.add(c.teamId);
    if (filter.teamId !== null) ids.add(filter.teamId);
    return [...ids].sort();
  }, [teams, state.conversations, filter.teamId]);

  const statusLabel =
    status === 'live' ? t.header.live : status === 'stopped' ? t.header.offline : t.header.reconnecting;

  return (
    <div class="console">
      <header class="topbar">
        <h1>{t.appName}</h1>
        {me !== null && (
          <dl class="who">
            <div>
              <dt>{t.header.tenant}</dt>
              <dd data-testid="tenant" data-tenant-id={me.tenantId} title={me.tenantId}>
                {hospitalName ?? me.tenantId}
              </dd>
            </div>
            <div>
              <dt>{t.header.role(me.roles)}</dt>
              <dd data-testid="roles">{me.roles.join(', ')}</dd>
            </div>
            <div>
              <dt class="visually-hidden">{me.name ?? me.subject}</dt>
              <dd>{me.name ?? me.subject}</dd>
            </div>
          </dl>
        )}
        {sections.length > 0 && (
          <nav class="sections" aria-label={t.nav.label}>
            {sections.map((name) => (
              <button
                key={name}
                type="button"
                aria-current={shown === name ? 'page' : undefined}
                onClick={() => showSection(name)}
              >
                {t.nav[name]}
              </button>
            ))}
          </nav>
        )}
        <span class={`stream stream-${status}`} data-testid="stream-status" role="status">
          {statusLabel}
        </span>
        <span class="unread-total">{t.header.unreadTotal(unreadTotal(state.conversations))}</span>
        <button type="button" onClick={onSignOut}>
          {t.header.signOut}
        </button>
      </header>
      {error !== null && (
        <p class="error banner" role="alert">
          {error}
        </p>
      )}
      {me !== null && shown === null && <p class="empty-section">{t.nav.nothingForRole}</p>}
      {/* mounted from the first visit on and then only hidden: the day, filters and a half-done
          booking survive a look at the inbox */}
      {me !== null && visited.has('appointments') && (
        <AppointmentsView
          api={api}
          me={me}
          active={shown === 'appointments'}
          directory={directory}
          fallbackZone={browserZone()}
          prefill={prefill}
        />
      )}
      {me !== null && shown === 'noShows' && (
        <NoShowDashboard api={api} directory={directory} fallbackZone={browserZone()} />
      )}
      <div
        class={`panes${current !== null && openId !== null ? ' with-panel' : ''}`}
        hidden={shown !== 'inbox'}
      >
        <InboxList
          conversations={state.conversations}
          filter={filter}
          onFilter={setFilter}
          teamIds={teamIds}
          teamName={(id) => teams.get(id) ?? id}
          loading={loading}
          openId={openId}
          onOpen={(c) => void open(c)}
        />
        {me !== null && current !== null && state.thread?.conversationId === current.id ? (
          <>
            <ConversationPane
              api={api}
              me={me}
              conversation={current}
              thread={state.thread}
              teamIds={teamIds}
              teamName={(id) => teams.get(id) ?? id}
              onConversation={onConversation}
              onMessage={onMessage}
              onNote={onNote}
            />
            <PatientPanel
              api={api}
              me={me}
              conversation={current}
              version={panelVersion}
              timeZone={calendarZone(directory, { clinicId: '', clinicianId: '' }, browserZone())}
              clinicianName={(id) => nameOf(directory, 'clinicians', id)}
              onBook={(next) => {
                setPrefill(next);
                setSection('appointments');
              }}
            />
          </>
        ) : (
          <main class="conversation empty" id="conversation">
            <p>{openId === null ? t.conversation.none : t.conversation.loading}</p>
          </main>
        )}
      </div>
      <div class="visually-hidden" aria-live="polite" data-testid="announcer">
        {announcement}
      </div>
    </div>
  );
}
