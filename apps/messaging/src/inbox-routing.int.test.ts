// The care team's inbox against the real Postgres and Kafka: routing by keyword, menu answer and
// "talk to a human"; assignment, states (closing, reopening by a patient message), first-response
// time and the SLA; notes sealed at rest; opening a conversation (unread reset + a mark-as-read
// command); the list filters; and WatchInbox — in order, resumable after a seq with exactly the
// missed events, nothing for another tenant, refused when resuming after pruned events.
import { randomUUID } from 'node:crypto';
import { type ClientReadableStream, type Metadata, type ServiceError, credentials, status as GrpcStatus } from '@grpc/grpc-js';
import {
  type AddNoteRequest,
  type AddNoteResponse,
  type AssignConversationRequest,
  type AssignConversationResponse,
  type Conversation,
  ConversationStatus,
  type InboxEvent,
  InboxEventKind,
  type ListConversationsRequest,
  type ListConversationsResponse,
  type ListNotesRequest,
  type ListNotesResponse,
  type MarkReadRequest,
  type MarkReadResponse,
  MessagingServiceClient,
  type RoutingRules,
  type SetConversationStateRequest,
  type SetConversationStateResponse,
  type SetRoutingRulesRequest,
  type SetRoutingRulesResponse,
  type WatchInboxResponse,
} from '@careline/contracts';
import { metadataForCaller } from '@careline/runtime';
import { waitFor } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, nurse, publishPatientText, randomWaId, startHarness } from './int-test-support';

let h: Harness;
let client: MessagingServiceClient;

type Unary<Req, Res> = (request: Req, metadata: Metadata, cb: (error: ServiceError | null, response: Res) => void) => unknown;
function rpc<Req, Res>(method: Unary<Req, Res>) {
  return (request: Req, metadata: Metadata): Promise<Res> =>
    new Promise((resolve, reject) => method.call(client, request, metadata, (error, response) => (error ? reject(error) : resolve(response))));
}
const admin = (tenantId: string) => metadataForCaller({ tenantId, actor: 'user:admin-1', roles: ['admin'] });
const auditor = (tenantId: string) => metadataForCaller({ tenantId, actor: 'user:auditor-1', roles: ['auditor'] });

const api = () => ({
  setRules: (tenantId: string, rules: Partial<RoutingRules>) =>
    rpc<SetRoutingRulesRequest, SetRoutingRulesResponse>(client.setRoutingRules)(
      { rules: { enabled: true, defaultTeamId: '', greeting: '', menu: [], keywords: [], teamSlas: [], updatedAt: undefined, ...rules } },
      admin(tenantId),
    ),
  assign: (request: Partial<AssignConversationRequest> & { conversationId: string }, metadata: Metadata) =>
    rpc<AssignConversationRequest, AssignConversationResponse>(client.assignConversation)({ assignedTo: '', teamId: '', ...request }, metadata),
  setState: rpc<SetConversationStateRequest, SetConversationStateResponse>(client.setConversationState),
  addNote: rpc<AddNoteRequest, AddNoteResponse>(client.addNote),
  listNotes: rpc<ListNotesRequest, ListNotesResponse>(client.listNotes),
  markRead: rpc<MarkReadRequest, MarkReadResponse>(client.markRead),
  list: (request: Partial<ListConversationsRequest>, metadata: Metadata) =>
    rpc<ListConversationsRequest, ListConversationsResponse>(client.listConversations)({ pageSize: 0, pageToken: '', ...request }, metadata),
});

async function failure(promise: Promise<unknown>): Promise<{ code: number; errorCode: unknown }> {
  try {
    await promise;
  } catch (error) {
    const e = error as ServiceError;
    return { code: e.code, errorCode: e.metadata.get('x-careline-error-code')[0] };
  }
  throw new Error('expected the call to fail');
}

/** A WatchInbox stream collecting what it receives. */
function watch(metadata: Metadata, afterSeq = 0) {
  const events: InboxEvent[] = [];
  const stream: ClientReadableStream<WatchInboxResponse> = client.watchInbox({ afterSeq }, metadata);
  const ended = new Promise<ServiceError | undefined>((resolve) => {
    stream.on('error', (error: ServiceError) => resolve(error));
    stream.on('end', () => resolve(undefined));
  });
  stream.on('data', (response: WatchInboxResponse) => {
    if (response.event !== undefined) events.push(response.event);
  });
  return {
    events,
    ended,
    close: () => {
      stream.cancel();
    },
  };
}

/** A tenant with two teams (appointments, lab), a front desk as default, and a nurse in the directory. */
async function tenantWithTeams() {
  const tenantId = randomUUID();
  const teams = { appointments: randomUUID(), lab: randomUUID(), frontDesk: randomUUID() };
  const sql = h.db.adminPool;
  await sql.query(`INSERT INTO messaging.tenants (tenant_id, name, time_zone, default_language) VALUES ($1, 'General', 'UTC', 'en_US')`, [tenantId]);
  for (const [name, id] of Object.entries(teams)) {
    await sql.query(`INSERT INTO messaging.teams (tenant_id, id, name) VALUES ($1, $2, $3)`, [tenantId, id, name]);
  }
  await sql.query(`INSERT INTO messaging.staff (tenant_id, id, subject, display_name, roles) VALUES ($1, $2, 'nurse-1', 'N', '{nurse}')`, [
    tenantId,
    randomUUID(),
  ]);
  return { tenantId, teams };
}

async function conversationOf(tenantId: string, waIdCount: number): Promise<Conversation[]> {
  return waitFor(
    async () => {
      const { conversations } = await api().list({}, nurse(tenantId));
      return conversations.length >= waIdCount ? conversations : undefined;
    },
    { message: 'the conversations', timeoutMs: 15_000 },
  );
}

beforeAll(async () => {
  h = await startHarness();
  client = new MessagingServiceClient(`127.0.0.1:${h.app.grpc.port()}`, credentials.createInsecure());
}, 60_000);

afterAll(async () => {
  client.close();
  await h.close();
});

describe('routing', () => {
  it('sends the greeting menu to a new conversation, routes the answer to its team, keywords route at once, "agent" reaches the default team', async () => {
    const { tenantId, teams } = await tenantWithTeams();
    await api().setRules(tenantId, {
      defaultTeamId: teams.frontDesk,
      greeting: 'Welcome to General. Reply with a number:',
      menu: [
        { key: '1', label: 'Appointments', teamId: teams.appointments },
        { key: '2', label: 'Results', teamId: teams.lab },
      ],
      keywords: [{ keyword: 'test results', teamId: teams.lab }],
      teamSlas: [{ teamId: teams.lab, firstResponseMinutes: 30 }],
    });

    const menuPatient = randomWaId();
    await publishPatientText(h, { tenantId, waId: menuPatient, text: 'Hello', sentAt: h.now() });
    const menu = await waitFor(
      () => h.commands.find((c) => c.tenantId === tenantId && c.payload.content?.$case === 'text'),
      { message: 'the menu command', timeoutMs: 15_000 },
    );
    const [first] = await conversationOf(tenantId, 1);
    expect(first?.teamId).toBe('');
    expect(menu.payload.content?.$case).toBe('text');
    await publishPatientText(h, { tenantId, waId: menuPatient, text: ' 2 ', sentAt: h.now() });
    const routed = await waitFor(async () => (await api().list({}, nurse(tenantId))).conversations.find((c) => c.teamId === teams.lab), {
      message: 'the menu answer to route the conversation to the lab',
      timeoutMs: 15_000,
    });
    // the lab's SLA target applies from the opening
    expect(routed.firstResponseDueAt?.getTime()).toBe(routed.openedAt!.getTime() + 30 * 60_000);

    const keywordPatient = randomWaId();
    await publishPatientText(h, { tenantId, waId: keywordPatient, text: 'Are my TEST results ready?', sentAt: h.now() });
    const humanPatient = randomWaId();
    await publishPatientText(h, { tenantId, waId: humanPatient, text: 'agent', sentAt: h.now() });
    const all = await waitFor(
      async () => {
        const { conversations } = await api().list({}, nurse(tenantId));
        return conversations.length === 3 && conversations.every((c) => c.teamId !== '') ? conversations : undefined;
      },
      { message: 'every conversation routed', timeoutMs: 15_000 },
    );
    expect(all.filter((c) => c.teamId === teams.lab)).toHaveLength(2);
    expect(all.filter((c) => c.teamId === teams.frontDesk)).toHaveLength(1);
    // one menu only: the keyword and "agent" conversations got none
    expect(h.commands.filter((c) => c.tenantId === tenantId && c.payload.content?.$case === 'text')).toHaveLength(1);

    // the list filters
    const lab = await api().list({ filter: { status: ConversationStatus.CONVERSATION_STATUS_UNSPECIFIED, assignedTo: '', teamId: teams.lab, unreadOnly: false, patientId: '' } }, nurse(tenantId));
    expect(lab.conversations.map((c) => c.teamId)).toEqual([teams.lab, teams.lab]);
    const closed = await api().list({ filter: { status: ConversationStatus.CONVERSATION_STATUS_CLOSED, assignedTo: '', teamId: '', unreadOnly: false, patientId: '' } }, nurse(tenantId));
    expect(closed.conversations).toEqual([]);
  });

  it('refuses rules naming another tenant\'s team, rules without a default team, and callers without tenant:admin', async () => {
    const { tenantId, teams } = await tenantWithTeams();
    const other = await tenantWithTeams();
    expect(await failure(api().setRules(tenantId, { defaultTeamId: other.teams.lab }))).toEqual({ code: GrpcStatus.INVALID_ARGUMENT, errorCode: 'unknown_team' });
    expect(await failure(api().setRules(tenantId, { defaultTeamId: '' }))).toEqual({ code: GrpcStatus.INVALID_ARGUMENT, errorCode: 'invalid_routing_rules' });
    expect(
      await failure(
        rpc<SetRoutingRulesRequest, SetRoutingRulesResponse>(client.setRoutingRules)(
          { rules: { enabled: true, defaultTeamId: teams.lab, greeting: '', menu: [], keywords: [], teamSlas: [], updatedAt: undefined } },
          nurse(tenantId),
        ),
      ),
    ).toEqual({ code: GrpcStatus.PERMISSION_DENIED, errorCode: 'permission_denied' });
  });
});

describe('assignment, states, notes, read receipts', () => {
  it('assigns, closes, reopens on a patient message, measures the first response, seals notes and marks the patient\'s message read once', async () => {
    const { tenantId, teams } = await tenantWithTeams();
    await api().setRules(tenantId, { enabled: false, teamSlas: [{ teamId: teams.appointments, firstResponseMinutes: 1 }] });
    const waId = randomWaId();
    const opened = h.now();
    const first = await publishPatientText(h, { tenantId, waId, text: 'I need to move my appointment', sentAt: opened });
    const [conversation] = await conversationOf(tenantId, 1);
    if (conversation === undefined) throw new Error('no conversation');
    const id = conversation.id;
    expect(conversation.status).toBe(ConversationStatus.CONVERSATION_STATUS_OPEN);

    expect(await failure(api().assign({ conversationId: id, assignedTo: 'nobody' }, nurse(tenantId)))).toEqual({
      code: GrpcStatus.INVALID_ARGUMENT,
      errorCode: 'unknown_assignee',
    });
    const assigned = await api().assign({ conversationId: id, assignedTo: 'nurse-1', teamId: teams.appointments }, nurse(tenantId));
    expect(assigned.conversation).toMatchObject({ assignedTo: 'nurse-1', teamId: teams.appointments, slaBreached: false });
    // the SLA (1 minute) passes unanswered: breached, visibly
    h.setNow(new Date(opened.getTime() + 2 * 60_000));
    const late = (await api().list({}, nurse(tenantId))).conversations[0];
    expect(late?.slaBreached).toBe(true);
    h.setNow(undefined);

    // notes: readable by the team, sealed at rest
    const note = await api().addNote({ conversationId: id, body: 'Patient prefers mornings (NOTEMARKER)' }, nurse(tenantId));
    expect(note.note?.body).toBe('Patient prefers mornings (NOTEMARKER)');
    expect((await api().listNotes({ conversationId: id }, nurse(tenantId))).notes.map((n) => n.body)).toEqual(['Patient prefers mornings (NOTEMARKER)']);
    const { rows } = await h.db.adminPool.query(`SELECT body_sealed::text AS raw FROM messaging.conversation_notes WHERE id = $1`, [note.note?.id]);
    expect(JSON.stringify(rows)).not.toContain('NOTEMARKER');
    expect(await failure(api().addNote({ conversationId: id, body: '   ' }, nurse(tenantId)))).toEqual({ code: GrpcStatus.INVALID_ARGUMENT, errorCode: 'invalid_note' });

    // opening it: unread 0, one mark-as-read command for the patient's message, none the second time
    const read = await api().markRead({ conversationId: id }, nurse(tenantId));
    expect(read.conversation?.unreadCount).toBe(0);
    expect(read.markedWamid).toBe(first.wamid);
    await waitFor(() => h.commands.find((c) => c.payload.content?.$case === 'markAsRead' && c.payload.content.value.wamid === first.wamid), {
      message: 'the mark-as-read command',
      timeoutMs: 15_000,
    });
    expect((await api().markRead({ conversationId: id }, nurse(tenantId))).markedWamid).toBe('');

    // close, then the patient writes again: reopened as a new episode
    const closed = await api().setState({ conversationId: id, status: ConversationStatus.CONVERSATION_STATUS_CLOSED }, nurse(tenantId));
    expect(closed.conversation?.status).toBe(ConversationStatus.CONVERSATION_STATUS_CLOSED);
    expect(closed.conversation?.closedAt).toBeDefined();
    expect(await failure(api().setState({ conversationId: id, status: ConversationStatus.CONVERSATION_STATUS_UNSPECIFIED }, nurse(tenantId)))).toEqual({
      code: GrpcStatus.INVALID_ARGUMENT,
      errorCode: 'invalid_state',
    });
    const again = h.now();
    await publishPatientText(h, { tenantId, waId, text: 'Hello again', sentAt: again });
    const reopened = await waitFor(
      async () => (await api().list({}, nurse(tenantId))).conversations.find((c) => c.status === ConversationStatus.CONVERSATION_STATUS_OPEN),
      { message: 'the conversation to reopen', timeoutMs: 15_000 },
    );
    expect(reopened).toMatchObject({ assignedTo: 'nurse-1', teamId: teams.appointments, closedAt: undefined, firstResponseAt: undefined });
    expect(reopened.openedAt?.getTime()).toBe(again.getTime());

    // the first reply of the episode is its first response
    await h.client.sendText({ conversationId: id, text: 'Of course', idempotencyKey: randomUUID() }, nurse(tenantId));
    const answered = (await api().list({}, nurse(tenantId))).conversations[0];
    expect(answered?.firstResponseAt).toBeDefined();
    expect(answered?.slaBreached).toBe(false);
  });
});

describe('WatchInbox', () => {
  it('streams the tenant\'s events in order, resumes after a seq with exactly the missed ones, and shows another tenant nothing', async () => {
    const { tenantId, teams } = await tenantWithTeams();
    const other = await tenantWithTeams();
    const otherStream = watch(nurse(other.tenantId));
    const live = watch(nurse(tenantId));

    const waId = randomWaId();
    await publishPatientText(h, { tenantId, waId, text: 'Hi (STREAMMARKER)', sentAt: h.now() });
    const received = await waitFor(() => live.events.find((e) => e.kind === InboxEventKind.INBOX_EVENT_KIND_MESSAGE_RECEIVED), {
      message: 'the message_received event',
      timeoutMs: 15_000,
    });
    expect(received.message?.content).toEqual({ $case: 'text', value: { body: 'Hi (STREAMMARKER)' } });
    const conversationId = received.conversationId;
    await api().assign({ conversationId, assignedTo: 'nurse-1', teamId: teams.lab }, nurse(tenantId));
    await waitFor(() => live.events.find((e) => e.kind === InboxEventKind.INBOX_EVENT_KIND_CONVERSATION_ASSIGNED), { message: 'the assignment event' });
    live.close();
    const seen = live.events.at(-1)!.seq;

    // while disconnected
    await api().setState({ conversationId, status: ConversationStatus.CONVERSATION_STATUS_PENDING }, nurse(tenantId));
    await api().addNote({ conversationId, body: 'call back' }, nurse(tenantId));
    await h.client.sendText({ conversationId, text: 'We will call you', idempotencyKey: randomUUID() }, nurse(tenantId));

    const resumed = watch(nurse(tenantId), seen);
    await waitFor(() => resumed.events.length >= 3, { message: 'the missed events' });
    // a moment for anything extra (a duplicate would show here)
    await new Promise((resolve) => setTimeout(resolve, 800));
    resumed.close();
    expect(resumed.events.map((e) => e.kind)).toEqual([
      InboxEventKind.INBOX_EVENT_KIND_CONVERSATION_STATE,
      InboxEventKind.INBOX_EVENT_KIND_NOTE_ADDED,
      InboxEventKind.INBOX_EVENT_KIND_MESSAGE_SENT,
    ]);
    expect(resumed.events.map((e) => e.seq)).toEqual([seen + 1, seen + 2, seen + 3]);
    expect(resumed.events[0]?.facts).toEqual({ status: 'pending', previous: 'open' });
    expect(resumed.events[1]?.note?.body).toBe('call back');

    // from 0: everything, strictly increasing
    const replay = watch(nurse(tenantId));
    await waitFor(() => replay.events.length >= seen + 3, { message: 'the full replay' });
    replay.close();
    expect(replay.events.map((e) => e.seq)).toEqual(Array.from({ length: seen + 3 }, (_, i) => i + 1));

    otherStream.close();
    expect(otherStream.events).toEqual([]);
    expect(h.logs.text()).not.toContain('STREAMMARKER');
  });

  it('refuses a resume point this tenant never had, and callers without conversations:read', async () => {
    const { tenantId } = await tenantWithTeams();
    const future = watch(nurse(tenantId), 1000);
    const error = await future.ended;
    expect(error?.code).toBe(GrpcStatus.FAILED_PRECONDITION);
    expect(error?.metadata.get('x-careline-error-code')[0]).toBe('inbox_resume_expired');
    const denied = await watch(auditor(tenantId)).ended;
    expect(denied?.code).toBe(GrpcStatus.PERMISSION_DENIED);
  });
});
