// The inbox routes in-process (app.inject) against the in-memory MessagingService: each request
// mapped to its call (tenant from the token, never the body), the answers shaped as documented,
// refusals passed on with their codes; and the WebSocket /v1/stream (injectWS): auth before the
// upgrade, events pushed in order with their seq, resume with ?after, another tenant's socket
// receives nothing, messaging ending the stream is invisible to the client, token expiry closes.
import { type TestAuth, createTestAuth } from '@careline/auth/testing';
import { ConversationStatus, InboxEventKind } from '@careline/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { problemSchema } from '../schemas/common';
import { conversationPageSchema, conversationSchema } from '../schemas/conversations';
import { noteListSchema, noteSchema, routingRulesViewSchema } from '../schemas/inbox';
import { streamEventSchema } from '../schemas/inbox-stream';
import { type TestApp, buildTestApp, testConfig } from '../testing/app';
import { type FakeMessaging, createFakeMessaging, sampleConversation } from '../testing/fake-messaging';
import { CLOSE_CODES, STREAM_PROTOCOL } from './stream';

let auth: TestAuth;
let fake: FakeMessaging;
let app: TestApp;
let token: string;

beforeAll(async () => {
  auth = await createTestAuth();
  fake = createFakeMessaging();
  app = await buildTestApp(testConfig(), { verifier: auth.verifier, messaging: fake.client });
  token = await auth.mint({ roles: ['nurse'] });
});

afterAll(() => app.close());

function call(method: 'GET' | 'POST' | 'PUT', url: string, payload?: Record<string, unknown>, bearer = token) {
  return app.http.app.inject({ method, url, headers: { authorization: `Bearer ${bearer}` }, ...(payload ? { payload } : {}) });
}

describe('inbox routes', () => {
  it('assigns to a member of staff and a team; an unknown assignee is 400 unknown_assignee', async () => {
    const conversation = fake.add(sampleConversation({ tenantId: auth.tenantId }));
    const response = await call('POST', `/v1/conversations/${conversation.id}/assign`, { assignee: 'nurse-2', teamId: 'team-lab' });
    expect(response.statusCode, response.body).toBe(200);
    expect(conversationSchema.parse(response.json())).toMatchObject({ assignedTo: 'nurse-2', teamId: 'team-lab' });
    expect(fake.calls.at(-1)).toMatchObject({
      method: 'assignConversation',
      caller: { tenantId: auth.tenantId },
      request: { conversationId: conversation.id, assignedTo: 'nurse-2', teamId: 'team-lab' },
    });
    const refused = await call('POST', `/v1/conversations/${conversation.id}/assign`, { assignee: 'someone-else' });
    expect(refused.statusCode).toBe(400);
    expect(problemSchema.parse(refused.json()).code).toBe('unknown_assignee');
    // a tenant in the body is refused, never used
    expect((await call('POST', `/v1/conversations/${conversation.id}/assign`, { assignee: 'nurse-1', tenantId: 'x' })).statusCode).toBe(400);
  });

  it('closes a conversation (resolution time shown) and filters the list by status, assignee, team and unread', async () => {
    const conversation = fake.add(sampleConversation({ tenantId: auth.tenantId }));
    const closed = await call('POST', `/v1/conversations/${conversation.id}/state`, { status: 'closed' });
    expect(closed.statusCode, closed.body).toBe(200);
    const view = conversationSchema.parse(closed.json());
    expect(view.status).toBe('closed');
    expect(view.resolutionSeconds).toBeGreaterThanOrEqual(3599);
    expect(fake.calls.at(-1)?.request).toEqual({ conversationId: conversation.id, status: ConversationStatus.CONVERSATION_STATUS_CLOSED });
    expect((await call('POST', `/v1/conversations/${conversation.id}/state`, { status: 'archived' })).statusCode).toBe(400);

    const listed = await call('GET', '/v1/conversations?status=pending&assignee=nurse-1&teamId=team-lab&unread=true&limit=5');
    expect(listed.statusCode, listed.body).toBe(200);
    conversationPageSchema.parse(listed.json());
    expect(fake.calls.at(-1)?.request).toEqual({
      pageSize: 5,
      pageToken: '',
      filter: { status: ConversationStatus.CONVERSATION_STATUS_PENDING, assignedTo: 'nurse-1', teamId: 'team-lab', unreadOnly: true, patientId: '' },
    });
    await call('GET', '/v1/conversations');
    expect(fake.calls.at(-1)?.request).toEqual({ pageSize: 50, pageToken: '', filter: undefined });
  });

  it('adds and lists notes; a blank note is 400 before messaging is called', async () => {
    const conversation = fake.add(sampleConversation({ tenantId: auth.tenantId }));
    const added = await call('POST', `/v1/conversations/${conversation.id}/notes`, { body: 'Prefers mornings' });
    expect(added.statusCode, added.body).toBe(201);
    expect(noteSchema.parse(added.json())).toMatchObject({ body: 'Prefers mornings', conversationId: conversation.id });
    const listed = noteListSchema.parse((await call('GET', `/v1/conversations/${conversation.id}/notes`)).json());
    expect(listed.items.map((n) => n.body)).toEqual(['Prefers mornings']);
    const before = fake.calls.length;
    expect((await call('POST', `/v1/conversations/${conversation.id}/notes`, { body: '   ' })).statusCode).toBe(400);
    expect(fake.calls.length).toBe(before);
  });

  it('marks a conversation read (unread 0); another tenant\'s conversation is 404', async () => {
    const conversation = fake.add(sampleConversation({ tenantId: auth.tenantId, unreadCount: 3 }));
    const read = await call('POST', `/v1/conversations/${conversation.id}/read`);
    expect(read.statusCode, read.body).toBe(200);
    expect(conversationSchema.parse(read.json()).unreadCount).toBe(0);
    const other = fake.add(sampleConversation({ tenantId: '00000000-0000-4000-8000-000000000001' }));
    const refused = await call('POST', `/v1/conversations/${other.id}/read`);
    expect(refused.statusCode).toBe(404);
  });

  it('reads and replaces the routing rules (admin only)', async () => {
    const admin = await auth.mint({ roles: ['admin'] });
    const rules = {
      enabled: true,
      defaultTeamId: 'team-front',
      greeting: 'Welcome. Reply with a number:',
      menu: [{ key: '1', label: 'Appointments', teamId: 'team-appointments' }],
      keywords: [{ keyword: 'results', teamId: 'team-lab' }],
      teamSlas: [{ teamId: 'team-lab', firstResponseMinutes: 30 }],
    };
    const put = await call('PUT', '/v1/admin/routing', rules, admin);
    expect(put.statusCode, put.body).toBe(200);
    expect(routingRulesViewSchema.parse(put.json())).toMatchObject(rules);
    expect(routingRulesViewSchema.parse((await call('GET', '/v1/admin/routing', undefined, admin)).json())).toMatchObject(rules);
    expect((await call('PUT', '/v1/admin/routing', rules)).statusCode).toBe(403);
  });
});

/** A WebSocket on the in-process app; frames collected as they come. */
async function connect(query: string, headers: Record<string, string>) {
  const frames: Record<string, unknown>[] = [];
  let closed: Promise<{ code: number; reason: string }> | undefined;
  // listeners attached before the handshake completes: the server's first frame comes at once
  const socket: WebSocket = await app.http.app.injectWS(
    `/v1/stream${query}`,
    { headers },
    {
      onInit(ws) {
        closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
        ws.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString()) as Record<string, unknown>));
      },
    },
  );
  if (closed === undefined) throw new Error('onInit did not run');
  return { socket, frames, closed };
}

async function until(predicate: () => boolean, message: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const events = (frames: Record<string, unknown>[]) => frames.filter((f) => f['type'] === 'event').map((f) => streamEventSchema.parse(f));

describe('GET /v1/stream', () => {
  it('refuses the upgrade without a token or the permission (401/403 problem), before any call to messaging', async () => {
    const auditor = await auth.mint({ roles: ['auditor'] });
    const before = fake.calls.length;
    expect((await app.http.app.inject({ method: 'GET', url: '/v1/stream' })).statusCode).toBe(401);
    const forbidden = await app.http.app.inject({ method: 'GET', url: '/v1/stream', headers: { authorization: `Bearer ${auditor}` } });
    expect(forbidden.statusCode).toBe(403);
    expect(problemSchema.parse(forbidden.json()).code).toBe('permission_denied');
    expect((await call('GET', '/v1/stream?after=-1')).statusCode).toBe(400);
    expect(fake.calls.length).toBe(before);
  });

  it('pushes the tenant\'s events in order, resumes after a seq with exactly the missed ones, and another tenant gets nothing', async () => {
    const conversation = fake.add(sampleConversation({ tenantId: auth.tenantId }));
    // a nurse of another hospital, connected all along
    const otherToken = await auth.mint({ roles: ['nurse'], tenantId: '00000000-0000-4000-8000-0000000000b2' });
    const stranger = await connect('', { authorization: `Bearer ${otherToken}` });

    // the browser's way: the token as a subprotocol (a plain GET passing auth is told to upgrade)
    const viaProtocol = await app.http.app.inject({ method: 'GET', url: '/v1/stream', headers: { 'sec-websocket-protocol': `${STREAM_PROTOCOL}, bearer.${token}` } });
    expect(viaProtocol.statusCode).toBe(426);
    expect(viaProtocol.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(viaProtocol.json()).toMatchObject({ code: 'upgrade_required', status: 426 });
    // from now on (the earlier tests' changes are in the log too, and would be replayed from 0)
    const start = fake.inbox.lastSeq(auth.tenantId);
    const live = await connect(`?after=${start}`, { authorization: `Bearer ${token}` });
    await until(() => live.frames.length >= 1, 'the hello frame');
    expect(live.frames[0]).toMatchObject({ type: 'hello', after: start });

    fake.inbox.emit(auth.tenantId, { kind: InboxEventKind.INBOX_EVENT_KIND_MESSAGE_RECEIVED, conversationId: conversation.id, conversation, actor: 'patient' });
    await call('POST', `/v1/conversations/${conversation.id}/assign`, { assignee: 'nurse-1' });
    await call('POST', `/v1/conversations/${conversation.id}/state`, { status: 'pending' });
    await until(() => events(live.frames).length >= 3, 'three events');
    const seen = events(live.frames);
    expect(seen.map((e) => e.kind)).toEqual(['message_received', 'conversation_assigned', 'conversation_state']);
    expect(seen.map((e) => e.seq)).toEqual([start + 1, start + 2, start + 3]);
    expect(seen[1]?.conversation?.assignedTo).toBe('nurse-1');
    live.socket.close();
    await live.closed;

    // while disconnected
    await call('POST', `/v1/conversations/${conversation.id}/notes`, { body: 'call back' });
    await call('POST', `/v1/conversations/${conversation.id}/state`, { status: 'open' });
    const resumed = await connect(`?after=${seen[2]!.seq}`, { authorization: `Bearer ${token}` });
    await until(() => events(resumed.frames).length >= 2, 'the missed events');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(events(resumed.frames).map((e) => [e.kind, e.seq])).toEqual([
      ['note_added', seen[2]!.seq + 1],
      ['conversation_state', seen[2]!.seq + 2],
    ]);
    expect(events(resumed.frames)[0]?.note?.body).toBe('call back');

    // messaging ends the stream (a restart): the socket stays, the api re-opens from the last seq
    const opened = () => fake.calls.filter((c) => c.method === 'watchInbox').length;
    const before = opened();
    fake.inbox.endStreams();
    await until(() => opened() > before, 'the stream re-opened');
    await call('POST', `/v1/conversations/${conversation.id}/read`);
    fake.inbox.emit(auth.tenantId, { kind: InboxEventKind.INBOX_EVENT_KIND_MESSAGE_SENT, conversationId: conversation.id });
    await until(() => events(resumed.frames).length >= 3, 'the event after the re-open');
    const all = events(resumed.frames).map((e) => e.seq);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toEqual([...all].sort((a, b) => a - b));
    resumed.socket.close();

    expect(stranger.frames).toHaveLength(1);
    expect(stranger.frames[0]).toMatchObject({ type: 'hello', after: 0 });
    stranger.socket.close();
  });

  it('closes 4410 when resuming after events that are not kept, and 4401 when the token expires', async () => {
    const stale = await connect('?after=999999', { authorization: `Bearer ${token}` });
    expect((await stale.closed).code).toBe(CLOSE_CODES.resumeExpired);
    const shortLived = await auth.mint({ roles: ['nurse'], ttlSeconds: 1 });
    const expiring = await connect('', { authorization: `Bearer ${shortLived}` });
    expect(await expiring.closed).toEqual({ code: CLOSE_CODES.tokenExpired, reason: 'token_expired' });
  });
});
