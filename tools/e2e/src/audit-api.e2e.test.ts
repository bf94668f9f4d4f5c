// The audit log as an auditor sees it through the api, every app a real process: a patient writes,
// a nurse reads the conversation (messaging emits `conversation.read`, audit chains it), and the
// tenant's auditor finds that read by patient and by actor, sees the chain verify, exports FHIR
// AuditEvent NDJSON that holds it, and finds their own reads recorded too. Another tenant's
// auditor sees none of it. Everything over the api's REST → audit's gRPC edge.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { WA_ID_HASH_PURPOSE } from '@careline/contracts';
import { createLocalKeyProvider, createSealer, parseMasterKey } from '@careline/crypto';
import { type JsonResponse, expectStatus, requestJson } from '@careline/stack';
import { waitFor } from '@careline/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { staffClient } from './support/api';
import { useStack } from './support/stack';
import { randomWaId } from './support/webhooks';

const stack = useStack('audit-api');

const PATIENT_TEXT = 'Audit api: my private question';
const PROFILE_NAME = 'Petra Private';

const EntrySchema = z.object({
  seq: z.number().int(),
  eventId: z.string(),
  source: z.string(),
  action: z.string(),
  actor: z.object({ type: z.string(), id: z.string() }),
  patient: z.object({ id: z.string().nullable(), waIdHash: z.string().nullable() }),
  resource: z.object({ type: z.string().nullable(), id: z.string().nullable() }),
  outcome: z.string(),
});
const PageSchema = z.object({ items: z.array(EntrySchema), nextCursor: z.string().nullable() });
const StatusSchema = z.object({
  ok: z.boolean(),
  count: z.number().nullable(),
  brokenSeq: z.number().nullable(),
  reason: z.string().nullable(),
});
const FhirAuditEventSchema = z.looseObject({
  resourceType: z.literal('AuditEvent'),
  id: z.string(),
  type: z.looseObject({ code: z.string() }),
  recorded: z.string(),
  agent: z.array(z.looseObject({ who: z.object({ identifier: z.looseObject({ value: z.string() }) }) })).length(1),
});

describe('the audit log through the api', () => {
  it("shows a tenant's auditor who read a patient's conversation, verifies, exports; another tenant sees nothing", async () => {
    const s = stack();
    const nurseSubject = `nurse-${randomUUID().slice(0, 8)}`;
    const auditorSubject = `auditor-${randomUUID().slice(0, 8)}`;
    const nurse = await staffClient(s, { subject: nurseSubject, roles: ['nurse'] });
    const auditorToken = await s.mintToken({ subject: auditorSubject, roles: ['auditor'] });
    const otherAuditorToken = await s.mintToken({ subject: auditorSubject, tenantId: randomUUID(), roles: ['auditor'] });
    const get = (path: string, token = auditorToken): Promise<JsonResponse> =>
      requestJson('GET', `${s.urls.api}/v1/audit${path}`, { headers: { authorization: `Bearer ${token}` } });

    // A patient writes; the nurse opens the conversation (messaging audits the read).
    const waId = randomWaId();
    await s.patientSays(waId, PATIENT_TEXT, { profileName: PROFILE_NAME });
    const conversation = await waitFor(() => nurse.conversationWith(waId), {
      message: 'the conversation to be listed',
      timeoutMs: 20_000,
    });
    expect((await nurse.getConversation(conversation.id)).status).toBe(200);

    const masterKey = parseMasterKey(await readFile(s.files.masterKey, 'utf8'));
    const sealer = createSealer(createLocalKeyProvider({ masterKey }));
    const waIdHash = await sealer.blindIndex(s.seed.tenant.id, WA_ID_HASH_PURPOSE, waId);

    // By actor: the nurse's read, once audit consumed and chained it.
    const byActor = await waitFor(
      async () => {
        const page = expectStatus(await get(`/events?actorId=user:${nurseSubject}&action=conversation.read`), 200, PageSchema, 'events by actor');
        return page.items.length > 0 ? page : undefined;
      },
      { message: "the nurse's read to be chained", timeoutMs: 30_000 },
    );
    expect(byActor.items).toHaveLength(1);
    const read = byActor.items[0]!;
    expect(read).toMatchObject({
      source: '/careline/messaging',
      action: 'conversation.read',
      actor: { type: 'staff', id: `user:${nurseSubject}` },
      patient: { waIdHash },
      resource: { type: 'conversation', id: conversation.id },
      outcome: 'success',
    });

    // By patient: the same read is among the patient's entries (with the auditor's first read).
    const byPatient = expectStatus(
      await get(`/events?patientWaIdHash=${waIdHash}&limit=200`),
      200,
      PageSchema,
      'events by patient',
    );
    expect(byPatient.items.map((entry) => entry.eventId)).toContain(read.eventId);
    expect(byPatient.items.every((entry) => entry.patient.waIdHash === waIdHash)).toBe(true);

    // Reading the audit log is itself audited: the auditor's queries, naming the patient looked up.
    const ownReads = expectStatus(await get(`/events?actorId=user:${auditorSubject}&action=audit.read`), 200, PageSchema, 'own reads');
    expect(ownReads.items.length).toBeGreaterThanOrEqual(2);
    expect(ownReads.items).toContainEqual(
      expect.objectContaining({ source: '/careline/audit', actor: { type: 'staff', id: `user:${auditorSubject}` }, patient: { id: null, waIdHash } }),
    );

    // The chain verifies.
    const status = expectStatus(await get('/verify'), 200, StatusSchema, 'verify');
    expect(status).toMatchObject({ ok: true, brokenSeq: null, reason: null });
    expect(status.count).toBeGreaterThanOrEqual(byPatient.items.length + ownReads.items.length);

    // The export: FHIR AuditEvent per line, the nurse's read among them, its own record last.
    const exported = await get('/export');
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toMatch(/^application\/fhir\+ndjson/);
    const events = exported.text
      .trimEnd()
      .split('\n')
      .map((line) => FhirAuditEventSchema.parse(JSON.parse(line)));
    expect(events.length).toBeGreaterThanOrEqual(status.count ?? 0);
    expect(events.map((event) => event.id)).toContain(read.eventId);
    expect(events.at(-1)).toMatchObject({ type: { code: 'audit.export' }, agent: [{ who: { identifier: { value: `user:${auditorSubject}` } } }] });
    // ids only: nothing of the patient in clear
    for (const secret of [waId, PATIENT_TEXT, PROFILE_NAME]) expect(exported.text).not.toContain(secret);

    // Another tenant's auditor (same subject, same role): nothing of tenant A anywhere.
    const theirs = expectStatus(await get(`/events?patientWaIdHash=${waIdHash}`, otherAuditorToken), 200, PageSchema, 'B by patient');
    expect(theirs.items).toEqual([]);
    const theirsByActor = expectStatus(await get(`/events?actorId=user:${nurseSubject}`, otherAuditorToken), 200, PageSchema, 'B by actor');
    expect(theirsByActor.items).toEqual([]);
    expect(expectStatus(await get('/verify', otherAuditorToken), 200, StatusSchema, 'B verify')).toMatchObject({ ok: true });
    // B's export holds only what B's own auditor did (their filters included), none of A's entries.
    const theirExport = await get('/export', otherAuditorToken);
    expect(theirExport.status).toBe(200);
    const theirEvents = theirExport.text
      .trimEnd()
      .split('\n')
      .map((line) => FhirAuditEventSchema.parse(JSON.parse(line)));
    // (the api may chain its own sign-in record for B's auditor too: still only B's own caller)
    expect(theirEvents.map((event) => event.type.code)).toEqual(expect.arrayContaining(['audit.read', 'audit.export']));
    expect(new Set(theirEvents.map((event) => event.agent[0]?.who.identifier.value))).toEqual(new Set([`user:${auditorSubject}`]));
    for (const secret of [read.eventId, conversation.id, s.seed.tenant.id, ...events.map((event) => event.id)]) {
      expect(theirExport.text).not.toContain(secret);
    }
    const theirCheckpoints = expectStatus(
      await get('/checkpoints', otherAuditorToken),
      200,
      z.object({ checkpoints: z.array(z.object({ tenantId: z.string() })), publicKeyPem: z.string() }),
      'B checkpoints',
    );
    expect(theirCheckpoints.checkpoints.filter((cp) => cp.tenantId === s.seed.tenant.id)).toEqual([]);

    // The nurse may not read the audit log at all.
    expect((await get('/events', nurse.token)).status).toBe(403);
  });
});
