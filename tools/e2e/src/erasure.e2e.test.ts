// Erasure of a patient's messaging data (issue 7) through real processes: a patient writes, the
// hospital's admin erases the conversation's patient through the api, the conversation and its
// messages are gone through the api, the audit trail (audit service, through the api) shows
// `patient.erased` with ids and counts only, a repeated erase answers the same, a nurse may not
// erase, and the patient writing again starts a fresh conversation with only the new message.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { WA_ID_HASH_PURPOSE } from '@careline/contracts';
import { createLocalKeyProvider, createSealer, parseMasterKey } from '@careline/crypto';
import { expectStatus, requestJson } from '@careline/stack';
import { waitFor } from '@careline/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { problemCode, staffClient, textOf } from './support/api';
import { useStack } from './support/stack';
import { randomWaId } from './support/webhooks';

const stack = useStack('erasure');

const FIRST_TEXT = 'Erase me: my very private symptom';
const REASON = 'Patient asked to be forgotten, ticket E2E-7';

const ErasureSchema = z.object({
  erasureId: z.string(),
  conversationIds: z.array(z.string()),
  messagesErased: z.number(),
  keyDestroyed: z.boolean(),
  erasedAt: z.string(),
});
const EntrySchema = z.looseObject({
  action: z.string(),
  actor: z.object({ type: z.string(), id: z.string() }),
  patient: z.object({ id: z.string().nullable(), waIdHash: z.string().nullable() }),
  resource: z.object({ type: z.string().nullable(), id: z.string().nullable() }),
  outcome: z.string(),
});
const PageSchema = z.object({ items: z.array(EntrySchema), nextCursor: z.string().nullable() });

describe("erasure of a patient's messaging data", () => {
  it('erases through the api, is audited, answers a repeat the same, and a new message starts afresh', async () => {
    const s = stack();
    const adminSubject = `admin-${randomUUID().slice(0, 8)}`;
    const nurse = await staffClient(s, { subject: `nurse-${randomUUID().slice(0, 8)}`, roles: ['nurse'] });
    const admin = await staffClient(s, { subject: adminSubject, roles: ['admin'] });
    const erase = (id: string, token: string, reason = REASON) =>
      requestJson('POST', `${s.urls.api}/v1/conversations/${id}/erase`, { headers: { authorization: `Bearer ${token}` }, body: { reason } });

    const waId = randomWaId();
    const neighbourWaId = randomWaId();
    await s.patientSays(waId, FIRST_TEXT, { profileName: 'Erin Erasable' });
    await s.patientSays(neighbourWaId, 'I stay', { profileName: 'Nora Neighbour' });
    const conversation = await waitFor(() => nurse.conversationWith(waId), { message: 'the conversation to be listed', timeoutMs: 20_000 });
    const neighbour = await waitFor(() => nurse.conversationWith(neighbourWaId), { message: "the neighbour's conversation", timeoutMs: 20_000 });
    await waitFor(async () => ((await nurse.messages(conversation.id)).some((m) => textOf(m) === FIRST_TEXT) ? true : undefined), {
      message: 'the message to be stored',
      timeoutMs: 20_000,
    });

    // a nurse may not erase; a reason is required
    const refused = await erase(conversation.id, nurse.token);
    expect(refused.status).toBe(403);
    expect(problemCode(refused)).toBe('permission_denied');
    expect((await erase(conversation.id, admin.token, 'short')).status).toBe(400);

    const erased = expectStatus(await erase(conversation.id, admin.token), 200, ErasureSchema, 'erase');
    expect(erased).toMatchObject({ conversationIds: [conversation.id], messagesErased: 1, keyDestroyed: true });
    expect(JSON.stringify(erased)).not.toContain('Erase me');

    // gone through the api; the neighbour is not
    const gone = await nurse.getConversation(conversation.id);
    expect(gone.status).toBe(404);
    expect(problemCode(gone)).toBe('conversation_not_found');
    expect((await nurse.listMessages(conversation.id)).status).toBe(404);
    expect((await nurse.conversations()).map((c) => c.id)).not.toContain(conversation.id);
    expect((await nurse.messages(neighbour.id)).map(textOf)).toContain('I stay');

    // a repeat answers the first erasure
    expect(expectStatus(await erase(conversation.id, admin.token), 200, ErasureSchema, 'erase again')).toEqual(erased);

    // the audit trail (the admin reads it: audit:read) holds patient.erased, ids only
    const masterKey = parseMasterKey(await readFile(s.files.masterKey, 'utf8'));
    const waIdHash = await createSealer(createLocalKeyProvider({ masterKey })).blindIndex(s.seed.tenant.id, WA_ID_HASH_PURPOSE, waId);
    const trail = await waitFor(
      async () => {
        const response = await requestJson('GET', `${s.urls.api}/v1/audit/events?action=patient.erased&actorId=user:${adminSubject}`, {
          headers: { authorization: `Bearer ${admin.token}` },
        });
        const page = expectStatus(response, 200, PageSchema, 'audit events');
        return page.items.length > 0 ? { page, text: response.text } : undefined;
      },
      { message: 'patient.erased to be chained', timeoutMs: 30_000 },
    );
    expect(trail.page.items).toHaveLength(1);
    expect(trail.page.items[0]).toMatchObject({
      action: 'patient.erased',
      actor: { id: `user:${adminSubject}` },
      patient: { waIdHash },
      resource: { type: 'patient_erasure', id: erased.erasureId },
      outcome: 'success',
    });
    for (const secret of ['Erase me', 'Erin Erasable', waId, 'E2E-7']) expect(trail.text).not.toContain(secret);

    // the patient writes again: a new conversation, with only the new message
    await s.patientSays(waId, 'Hello again', { profileName: 'Erin Erasable' });
    const fresh = await waitFor(() => nurse.conversationWith(waId), { message: 'a new conversation', timeoutMs: 20_000 });
    expect(fresh.id).not.toBe(conversation.id);
    const messages = await waitFor(async () => {
      const list = await nurse.messages(fresh.id);
      return list.length > 0 ? list : undefined;
    }, { message: 'the new message', timeoutMs: 20_000 });
    expect(messages.map(textOf)).toEqual(['Hello again']);
  });
});
