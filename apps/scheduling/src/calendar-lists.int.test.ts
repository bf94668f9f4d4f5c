// Listing the calendar set-up against the real Postgres and gRPC: sites, clinics, clinicians and
// types come back by name, the filters narrow them, another hospital's rows never appear (the
// tenant is the caller's, forced RLS underneath), and only roles that may read appointments list
// them (a refusal is an audit event).
import { randomUUID } from 'node:crypto';
import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { AppointmentMode, AuditOutcome, TOPICS, auditEvent } from '@careline/contracts';
import { type TopicRecord, readTopic } from '@careline/bus/testing';
import { metadataForCaller } from '@careline/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, createClinic, frontDesk, startHarness } from './int-test-support';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ consumer: false });
});
afterAll(async () => {
  await h?.close();
});

/** Upsert through the raw client (the set-up RPCs are not in the test client's short list). */
function upsert<Res>(call: (md: ReturnType<typeof frontDesk>, cb: (error: ServiceError | null, response: Res) => void) => unknown, tenantId: string): Promise<Res> {
  return new Promise((resolve, reject) => {
    call(frontDesk(tenantId), (error, response) => (error === null ? resolve(response) : reject(error)));
  });
}

describe('calendar lists', () => {
  it('lists sites, clinics, clinicians and types by name, filtered by site and clinic', async () => {
    const base = await createClinic(h, { clinicians: 2, timeZone: 'Europe/Madrid' });
    const { tenantId } = base;
    const raw = h.client.raw;
    const north = await upsert<{ site?: { id: string } }>((md, cb) => raw.upsertSite({ site: { id: '', name: 'Annex', timeZone: 'America/Argentina/Buenos_Aires' } }, md, cb), tenantId);
    const annexId = north.site!.id;
    const dermatology = await upsert<{ clinic?: { id: string } }>((md, cb) => raw.upsertClinic({ clinic: { id: '', siteId: annexId, name: 'Allergy' } }, md, cb), tenantId);
    const allergyId = dermatology.clinic!.id;
    await upsert((md, cb) => raw.upsertClinician({ clinician: { id: '', clinicId: allergyId, displayName: 'Dr Abbott' } }, md, cb), tenantId);

    const sites = await h.client.listSites(frontDesk(tenantId));
    expect(sites.sites).toEqual([
      { id: annexId, name: 'Annex', timeZone: 'America/Argentina/Buenos_Aires' },
      { id: base.siteId, name: 'Central', timeZone: 'Europe/Madrid' },
    ]);

    const all = await h.client.listClinics({}, frontDesk(tenantId));
    expect(all.clinics.map((c) => c.name)).toEqual(['Allergy', 'Cardiology']);
    const central = await h.client.listClinics({ siteId: base.siteId }, frontDesk(tenantId));
    expect(central.clinics).toEqual([{ id: base.clinicId, siteId: base.siteId, name: 'Cardiology' }]);

    const everyone = await h.client.listClinicians({}, frontDesk(tenantId));
    expect(everyone.clinicians.map((c) => c.displayName)).toEqual(['Dr Abbott', 'Dr Example 1', 'Dr Example 2']);
    const cardiology = await h.client.listClinicians({ clinicId: base.clinicId }, frontDesk(tenantId));
    expect(cardiology.clinicians.map((c) => c.id)).toEqual(base.clinicianIds);
    expect(cardiology.clinicians.every((c) => c.clinicId === base.clinicId)).toBe(true);

    const types = await h.client.listAppointmentTypes(frontDesk(tenantId));
    expect(types.appointmentTypes).toEqual([
      { id: base.typeId, name: 'Follow-up', mode: AppointmentMode.APPOINTMENT_MODE_IN_PERSON, durationMinutes: 30 },
      { id: base.videoTypeId, name: 'Video follow-up', mode: AppointmentMode.APPOINTMENT_MODE_VIDEO, durationMinutes: 30 },
    ]);
  });

  it("never shows another hospital's set-up, not even when filtering by its ids", async () => {
    const a = await createClinic(h);
    const b = randomUUID();
    expect((await h.client.listSites(frontDesk(b))).sites).toEqual([]);
    expect((await h.client.listClinics({}, frontDesk(b))).clinics).toEqual([]);
    expect((await h.client.listClinics({ siteId: a.siteId }, frontDesk(b))).clinics).toEqual([]);
    expect((await h.client.listClinicians({}, frontDesk(b))).clinicians).toEqual([]);
    expect((await h.client.listClinicians({ clinicId: a.clinicId }, frontDesk(b))).clinicians).toEqual([]);
    expect((await h.client.listAppointmentTypes(frontDesk(b))).appointmentTypes).toEqual([]);
    // and A still sees its own
    expect((await h.client.listSites(frontDesk(a.tenantId))).sites.map((s) => s.id)).toEqual([a.siteId]);
  });

  it('refuses a malformed filter naming the field', async () => {
    const error = (await h.client.listClinics({ siteId: 'not-a-uuid' }, frontDesk(randomUUID())).catch((e: unknown) => e)) as ServiceError;
    expect(error.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(error.metadata.get('x-careline-error-code')).toEqual(['invalid_request']);
    expect(error.message).toContain('site_id');
  });

  it('lets clinicians, nurses, the front desk and integrations list; refuses an auditor, audited', async () => {
    const clinic = await createClinic(h);
    for (const role of ['clinician', 'nurse', 'front_desk', 'integration']) {
      const md = metadataForCaller({ tenantId: clinic.tenantId, actor: `user:${role}`, roles: [role] });
      expect((await h.client.listClinicians({ clinicId: clinic.clinicId }, md)).clinicians, role).toHaveLength(1);
    }
    const auditor = metadataForCaller({ tenantId: clinic.tenantId, actor: 'user:auditor-1', roles: ['auditor'] });
    for (const call of [
      () => h.client.listSites(auditor),
      () => h.client.listClinics({}, auditor),
      () => h.client.listClinicians({}, auditor),
      () => h.client.listAppointmentTypes(auditor),
    ]) {
      const error = (await call().catch((e: unknown) => e)) as ServiceError;
      expect(error.code).toBe(GrpcStatus.PERMISSION_DENIED);
      expect(error.metadata.get('x-careline-error-code')).toEqual(['permission_denied']);
    }
    const decode = (record: TopicRecord) => auditEvent.decode(new Uint8Array(record.value ?? Buffer.alloc(0)));
    const refusals = (records: readonly TopicRecord[]) =>
      records.map(decode).filter((e) => e.tenantId === clinic.tenantId && e.action === 'scheduling.calendar_read' && e.outcome === AuditOutcome.AUDIT_OUTCOME_DENIED);
    const records = await readTopic(h.kafka, TOPICS.auditEvents, { until: (got) => refusals(got).length >= 4, timeoutMs: 20_000 });
    expect(refusals(records).every((e) => e.actor?.id === 'user:auditor-1')).toBe(true);
  });
});
