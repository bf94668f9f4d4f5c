// The care team's inbox through every real process, Meta played by the simulator: the hospital's
// routing rules (api → messaging) send the greeting menu to a new patient and route the answer to a
// team, a keyword routes at once; staff assign, reply, park and annotate; the console's WebSocket
// (api /v1/stream, token as a subprotocol) receives the tenant's events in order, and after a
// reconnect with ?after=<seq> exactly the ones it missed; a second hospital's socket receives
// nothing; opening the conversation marks the patient's messages read on their phone.
import { randomUUID } from 'node:crypto';
import { type JsonResponse, type Stack, requestJson } from '@careline/stack';
import { waitFor } from '@careline/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type StaffClient, staffClient } from './support/api';
import { type InboxStream, type StreamEvent, openInboxStream } from './support/inbox-stream';
import { useStack } from './support/stack';
import { randomWaId } from './support/webhooks';

const stack = useStack('inbox');

const SimInboxEntry = z.looseObject({ id: z.string(), type: z.string(), content: z.unknown() });
const SimSentEntry = z.looseObject({ id: z.string(), read_at: z.string().nullable() });

async function simulatorInbox(s: Stack, waId: string) {
  const response = await requestJson('GET', `${s.urls.simulator}/_sim/patients/${encodeURIComponent(waId)}/inbox`);
  return response.status === 404 ? [] : z.object({ data: z.array(SimInboxEntry) }).parse(response.body).data;
}

async function patientSent(s: Stack, waId: string) {
  const response = await requestJson('GET', `${s.urls.simulator}/_sim/patients/${encodeURIComponent(waId)}/sent`);
  return z.object({ data: z.array(SimSentEntry) }).parse(response.body).data;
}

function bodyOf(response: JsonResponse): Record<string, unknown> {
  return z.record(z.string(), z.unknown()).parse(response.body);
}

function api(s: Stack, token: string) {
  const base = `${s.urls.api}/v1`;
  const headers = { authorization: `Bearer ${token}` };
  return {
    post: (path: string, body?: unknown) => requestJson('POST', `${base}${path}`, { headers, ...(body === undefined ? {} : { body }) }),
    put: (path: string, body: unknown) => requestJson('PUT', `${base}${path}`, { headers, body }),
    get: (path: string) => requestJson('GET', `${base}${path}`, { headers }),
  };
}

async function conversationIdOf(staff: StaffClient, waId: string): Promise<string> {
  const conversation = await waitFor(() => staff.conversationWith(waId), { message: `the conversation with ${waId}`, timeoutMs: 20_000 });
  return conversation.id;
}

/** Events of one conversation, in the order received. */
const of = (stream: InboxStream, conversationId: string): StreamEvent[] => stream.events().filter((e) => e.conversationId === conversationId);

describe('the care team inbox through every app', () => {
  it('routes by menu and keyword, pushes events to the tenant only, resumes exactly after a reconnect, and marks read on the phone', async () => {
    const s = stack();
    const admin = api(s, await s.mintToken({ roles: ['admin'] }));
    const staff = await staffClient(s);
    const nurse = api(s, staff.token);

    // the hospital's departments and its rules
    const team = async (name: string) => z.object({ id: z.string() }).parse((await admin.post('/admin/teams', { name })).body).id;
    const lab = await team(`Lab ${randomUUID().slice(0, 6)}`);
    const frontDesk = await team(`Front desk ${randomUUID().slice(0, 6)}`);
    const appointments = await team(`Appointments ${randomUUID().slice(0, 6)}`);
    const rules = await admin.put('/admin/routing', {
      enabled: true,
      defaultTeamId: frontDesk,
      greeting: 'Welcome to Demo Hospital. Reply with a number:',
      menu: [
        { key: '1', label: 'Appointments', teamId: appointments },
        { key: '2', label: 'Results', teamId: lab },
      ],
      keywords: [{ keyword: 'results', teamId: lab }],
      teamSlas: [{ teamId: lab, firstResponseMinutes: 15 }],
    });
    expect(rules.status, JSON.stringify(rules.body)).toBe(200);

    // the console of hospital A, and one of another hospital, connected before anything happens
    const live = await openInboxStream(s.urls.api, staff.token);
    expect(live.protocol).toBe('careline.inbox.v1');
    const stranger = await openInboxStream(s.urls.api, await s.mintToken({ tenantId: randomUUID(), roles: ['nurse'] }));

    // 1. a new patient gets the menu and answers "2": routed to the lab
    const waId = randomWaId();
    await s.patientSays(waId, 'Hello, I have a question');
    const menu = await waitFor(async () => (await simulatorInbox(s, waId)).find((m) => JSON.stringify(m.content).includes('1 – Appointments')), {
      message: 'the greeting menu on the phone',
      timeoutMs: 20_000,
    });
    expect(JSON.stringify(menu.content)).toContain('0 – Talk to a person');
    const conversationId = await conversationIdOf(staff, waId);
    await s.patientSays(waId, '2');
    await waitFor(() => of(live, conversationId).find((e) => e.kind === 'conversation_assigned'), {
      message: 'the routing to the lab on the stream',
      timeoutMs: 20_000,
    });
    const routed = bodyOf(await nurse.get(`/conversations/${conversationId}`));
    expect(routed).toMatchObject({ teamId: lab, status: 'open', slaBreached: false });
    expect(routed['firstResponseDueAt']).toEqual(expect.any(String));

    // 2. a keyword routes at once, without a menu
    const keywordWaId = randomWaId();
    await s.patientSays(keywordWaId, 'Are my test results ready?');
    const keywordConversation = await conversationIdOf(staff, keywordWaId);
    await waitFor(async () => bodyOf(await nurse.get(`/conversations/${keywordConversation}`))['teamId'] === lab, {
      message: 'the keyword conversation routed to the lab',
      timeoutMs: 20_000,
    });
    expect((await simulatorInbox(s, keywordWaId)).filter((m) => JSON.stringify(m.content).includes('Appointments'))).toEqual([]);
    const labOnly = z.object({ items: z.array(z.object({ id: z.string() })) }).parse((await nurse.get(`/conversations?teamId=${lab}`)).body);
    expect(labOnly.items.map((c) => c.id).sort()).toEqual([conversationId, keywordConversation].sort());

    // 3. assignment to the nurse, seen live
    const assigned = await nurse.post(`/conversations/${conversationId}/assign`, { assignee: s.seed.staff.subject });
    expect(assigned.status, JSON.stringify(assigned.body)).toBe(200);
    const assignment = await waitFor(
      () => of(live, conversationId).find((e) => e.kind === 'conversation_assigned' && e.facts['assigned_to'] === s.seed.staff.subject),
      { message: 'the assignment on the stream', timeoutMs: 20_000 },
    );
    expect(assignment.conversation).toMatchObject({ assignedTo: s.seed.staff.subject, teamId: lab });

    // the order on the stream: the patient's hello, the menu, the answer, the routing, the assignment
    const firstKinds = of(live, conversationId)
      .filter((e) => e.kind !== 'message_status')
      .map((e) => (e.kind === 'message_received' ? `received:${e.message?.content.text ?? ''}` : e.kind));
    expect(firstKinds).toEqual([
      'received:Hello, I have a question',
      'message_sent',
      'received:2',
      'conversation_assigned',
      'conversation_assigned',
    ]);
    const seqs = live.events().map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);

    // 4. the console goes away; meanwhile the nurse replies, parks the conversation and notes something
    await waitFor(() => live.events().length > 0, { message: 'events' });
    await live.close();
    const lastSeen = live.events().at(-1)!.seq;
    expect((await nurse.post(`/conversations/${conversationId}/messages`, { text: 'Your results are ready', idempotencyKey: randomUUID() })).status).toBe(202);
    expect((await nurse.post(`/conversations/${conversationId}/state`, { status: 'pending' })).status).toBe(200);
    expect((await nurse.post(`/conversations/${conversationId}/notes`, { body: 'Call back tomorrow' })).status).toBe(201);

    // 5. back with ?after: exactly what was missed, from lastSeen + 1, no gap, nothing twice
    const resumed = await openInboxStream(s.urls.api, staff.token, { after: lastSeen });
    await waitFor(() => resumed.events().some((e) => e.kind === 'note_added'), { message: 'the missed events', timeoutMs: 20_000 });
    const full = await openInboxStream(s.urls.api, staff.token, { after: 0 });
    const latest = resumed.events().at(-1)!.seq;
    await waitFor(() => full.events().some((e) => e.seq === latest), { message: 'the full replay', timeoutMs: 20_000 });
    const missed = resumed.events().filter((e) => e.seq <= latest);
    expect(missed[0]?.seq).toBe(lastSeen + 1);
    expect(missed.map((e) => e.seq)).toEqual(Array.from({ length: missed.length }, (_, i) => lastSeen + 1 + i));
    // the same events the full replay has after lastSeen
    expect(missed.map((e) => [e.seq, e.kind])).toEqual(full.events().filter((e) => e.seq > lastSeen && e.seq <= latest).map((e) => [e.seq, e.kind]));
    expect(full.events().filter((e) => e.seq <= lastSeen).map((e) => e.seq)).toEqual(live.events().map((e) => e.seq));
    const missedKinds = missed.filter((e) => e.conversationId === conversationId && e.kind !== 'message_status').map((e) => e.kind);
    expect(missedKinds).toEqual(['message_sent', 'conversation_state', 'note_added']);
    expect(missed.find((e) => e.kind === 'conversation_state')?.facts).toMatchObject({ status: 'pending' });
    await full.close();

    // 6. opening the conversation: unread 0, and the patient sees their messages read
    expect(bodyOf(await nurse.get(`/conversations/${conversationId}`))['firstResponseSeconds']).toEqual(expect.any(Number));
    const opened = await nurse.post(`/conversations/${conversationId}/read`);
    expect(opened.status, JSON.stringify(opened.body)).toBe(200);
    expect(bodyOf(opened)['unreadCount']).toBe(0);
    await waitFor(async () => (await patientSent(s, waId)).every((m) => m.read_at !== null), {
      message: "the patient's messages marked read on the phone",
      timeoutMs: 20_000,
    });
    await waitFor(() => resumed.events().some((e) => e.kind === 'conversation_read' && e.conversationId === conversationId), {
      message: 'the read on the stream',
      timeoutMs: 20_000,
    });
    await resumed.close();

    // the other hospital's console saw nothing of any of it
    expect(stranger.events()).toEqual([]);
    expect(stranger.frames).toHaveLength(1);
    await stranger.close();
  });
});
