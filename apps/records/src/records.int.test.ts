// RecordsService over gRPC against a real database: patients (create, read, update, search on
// blind indexes, link a contact), consent with history, documents (sniffed type, size limit,
// idempotent upload, staff download with the hash checked), tenant isolation, the role re-check,
// and what a database reader can do to a document (tamper, move it to another document or
// tenant): it never opens.
import { randomUUID } from 'node:crypto';
import { ConsentKind, ConsentSource } from '@careline/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, pdfWith, recordEventsOf, staff, startHarness } from './int-test-support';

const PNG = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
]);

describe('RecordsService', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const fields = (over: Partial<Record<string, string>> = {}) => ({
    mrn: `MRN-${randomUUID().slice(0, 8)}`,
    givenName: 'Ana María',
    familyName: 'García-López',
    dateOfBirth: '1975-03-02',
    waId: '',
    preferredLanguage: 'es',
    ...over,
  });

  it('registers, reads, updates and finds patients by MRN, number and normalised family name', async () => {
    const tenant = randomUUID();
    const create = h.api.createPatient;
    const search = h.api.searchPatients;
    const { patient } = await create(
      { patient: fields({ mrn: 'ab-100', waId: '+34 600 111 222' }) },
      staff(tenant),
    );
    expect(patient).toMatchObject({ mrn: 'ab-100', waId: '34600111222', familyName: 'García-López' });
    expect(patient?.waIdHash).toMatch(/^[0-9a-f]{64}$/);
    await create({ patient: fields({ givenName: 'Pedro', dateOfBirth: '1990-01-01' }) }, staff(tenant));
    await create({ patient: fields({ familyName: 'Other' }) }, staff(tenant));

    await expect(create({ patient: fields({ mrn: ' AB-100 ' }) }, staff(tenant))).rejects.toThrow(
      /medical record number/,
    );

    const byMrn = await search({ query: { $case: 'mrn', value: 'Ab-100' }, pageSize: 0 }, staff(tenant));
    expect(byMrn.patients.map((p) => p.id)).toEqual([patient?.id]);
    const byNumber = await search(
      { query: { $case: 'waId', value: '34600111222' }, pageSize: 0 },
      staff(tenant),
    );
    expect(byNumber.patients.map((p) => p.id)).toEqual([patient?.id]);
    const byName = await search(
      {
        query: { $case: 'name', value: { familyName: 'garcia lopez', dateOfBirth: '', givenNamePrefix: '' } },
        pageSize: 0,
      },
      staff(tenant),
    );
    expect(byName.patients).toHaveLength(2);
    const narrowed = await search(
      {
        query: {
          $case: 'name',
          value: { familyName: 'GARCIA-LOPEZ', dateOfBirth: '1975-03-02', givenNamePrefix: 'ana' },
        },
        pageSize: 0,
      },
      staff(tenant),
    );
    expect(narrowed.patients.map((p) => p.id)).toEqual([patient?.id]);
    // a substring of a family name is not a match: the database compares keyed hashes only
    const partial = await search(
      {
        query: { $case: 'name', value: { familyName: 'garcia', dateOfBirth: '', givenNamePrefix: '' } },
        pageSize: 0,
      },
      staff(tenant),
    );
    expect(partial.patients).toHaveLength(0);
    // another tenant finds nothing and cannot read the patient
    const elsewhere = await search(
      { query: { $case: 'mrn', value: 'AB-100' }, pageSize: 0 },
      staff(randomUUID()),
    );
    expect(elsewhere.patients).toHaveLength(0);
    await expect(h.api.getPatient({ patientId: patient!.id }, staff(randomUUID()))).rejects.toMatchObject({
      code: 5,
    });

    const { patient: updated } = await h.api.updatePatient(
      {
        patientId: patient!.id,
        patient: fields({ mrn: 'ab-100', familyName: 'Smith', waId: '34600111222' }),
      },
      staff(tenant),
    );
    expect(updated?.familyName).toBe('Smith');
    const oldName = await search(
      {
        query: {
          $case: 'name',
          value: { familyName: 'García López', dateOfBirth: '1975-03-02', givenNamePrefix: 'ana' },
        },
        pageSize: 0,
      },
      staff(tenant),
    );
    expect(oldName.patients).toHaveLength(0);
  });

  it('tells messaging the number of a registered or changed patient by its keyed hash (record.events.v1)', async () => {
    const tenant = randomUUID();
    const { patient } = await h.api.createPatient({ patient: fields({ waId: '34600333444' }) }, staff(tenant));
    const { patient: changed } = await h.api.updatePatient(
      { patientId: patient!.id, patient: fields({ mrn: patient!.mrn, waId: '34600555666' }) },
      staff(tenant),
    );
    expect(changed?.waIdHash).not.toBe(patient?.waIdHash);
    const events = await recordEventsOf(h.kafka, tenant, (all) => all.length >= 2);
    expect(events.map(({ event, key }) => [event.event, event.patientId, key])).toEqual([
      [{ $case: 'patientCreated', value: { waIdHash: patient!.waIdHash } }, patient!.id, `${tenant}:${patient!.id}`],
      [{ $case: 'patientUpdated', value: { waIdHash: changed!.waIdHash } }, patient!.id, `${tenant}:${patient!.id}`],
    ]);
    // ids and the keyed hash only, never the number
    for (const { event } of events) expect(JSON.stringify(event)).not.toMatch(/34600/);
  });

  it('links an unverified contact, and keeps consent history with the current decision per kind', async () => {
    const tenant = randomUUID();
    const { patient } = await h.api.createPatient({ patient: fields() }, staff(tenant));
    const hash = 'ab'.repeat(32);
    const conversationId = randomUUID();
    const { patient: linked } = await h.api.linkContact(
      { patientId: patient!.id, waIdHash: hash, conversationId },
      staff(tenant),
    );
    expect(linked?.waIdHash).toBe(hash);

    const consent = h.api.recordConsent;
    await consent(
      {
        patientId: patient!.id,
        kind: ConsentKind.CONSENT_KIND_MESSAGING,
        granted: true,
        source: ConsentSource.CONSENT_SOURCE_WHATSAPP,
      },
      staff(tenant),
    );
    await consent(
      {
        patientId: patient!.id,
        kind: ConsentKind.CONSENT_KIND_RESULT_RELEASE_WHATSAPP,
        granted: true,
        source: ConsentSource.CONSENT_SOURCE_PAPER_FORM,
      },
      staff(tenant),
    );
    await consent(
      {
        patientId: patient!.id,
        kind: ConsentKind.CONSENT_KIND_MESSAGING,
        granted: false,
        source: ConsentSource.CONSENT_SOURCE_STAFF,
      },
      staff(tenant),
    );
    const { history, current } = await h.api.listConsents({ patientId: patient!.id }, staff(tenant));
    expect(history.map((c) => [c.kind, c.granted])).toEqual([
      [ConsentKind.CONSENT_KIND_MESSAGING, false],
      [ConsentKind.CONSENT_KIND_RESULT_RELEASE_WHATSAPP, true],
      [ConsentKind.CONSENT_KIND_MESSAGING, true],
    ]);
    expect(current.map((c) => [c.kind, c.granted, c.source])).toEqual([
      [ConsentKind.CONSENT_KIND_MESSAGING, false, ConsentSource.CONSENT_SOURCE_STAFF],
      [ConsentKind.CONSENT_KIND_RESULT_RELEASE_WHATSAPP, true, ConsentSource.CONSENT_SOURCE_PAPER_FORM],
    ]);
    await expect(
      consent(
        {
          patientId: patient!.id,
          kind: ConsentKind.CONSENT_KIND_UNSPECIFIED,
          granted: true,
          source: ConsentSource.CONSENT_SOURCE_STAFF,
        },
        staff(tenant),
      ),
    ).rejects.toMatchObject({ code: 3 });

    // withdrawn messaging consent: no result notice; the linked conversation would otherwise be used
    const { document } = await h.api.uploadDocument(
      {
        patientId: patient!.id,
        title: 'X-ray',
        fileName: '',
        declaredContentType: '',
        content: PNG,
        idempotencyKey: randomUUID(),
      },
      staff(tenant),
    );
    const shareDocument = h.api.shareDocument;
    await expect(
      shareDocument(
        { documentId: document!.id, expiresInMinutes: 0, idempotencyKey: randomUUID() },
        staff(tenant),
      ),
    ).rejects.toThrow(/withdrew consent/);
    await consent(
      {
        patientId: patient!.id,
        kind: ConsentKind.CONSENT_KIND_MESSAGING,
        granted: true,
        source: ConsentSource.CONSENT_SOURCE_WHATSAPP,
      },
      staff(tenant),
    );
    const key = randomUUID();
    const sentBefore = h.messaging.sent.length;
    const { share } = await shareDocument(
      { documentId: document!.id, expiresInMinutes: 0, idempotencyKey: key },
      staff(tenant),
    );
    expect(h.messaging.sent.at(-1)?.request.recipient).toEqual({
      $case: 'conversationId',
      value: conversationId,
    });
    // a retry with the same key is the same share and sends nothing more
    const { share: again } = await shareDocument(
      { documentId: document!.id, expiresInMinutes: 0, idempotencyKey: key },
      staff(tenant),
    );
    expect(again?.id).toBe(share?.id);
    expect(h.messaging.sent.length).toBe(sentBefore + 1);
    // default lifetime 72 hours
    expect(share!.expiresAt!.getTime() - share!.createdAt!.getTime()).toBe(72 * 3_600_000);
  });

  it('stores documents by their sniffed type, within the size limit, idempotently, and serves them back to staff', async () => {
    const tenant = randomUUID();
    const { patient } = await h.api.createPatient({ patient: fields() }, staff(tenant));
    const upload = h.api.uploadDocument;
    const base = {
      patientId: patient!.id,
      title: 'Scan',
      fileName: 'scan.png',
      declaredContentType: 'application/pdf',
      idempotencyKey: randomUUID(),
    };
    const { document } = await upload({ ...base, content: PNG }, staff(tenant));
    expect(document).toMatchObject({ contentType: 'image/png', sizeBytes: PNG.length, fileName: 'scan.png' });
    expect((await upload({ ...base, content: PNG }, staff(tenant))).document?.id).toBe(document?.id);

    await expect(
      upload(
        { ...base, idempotencyKey: randomUUID(), content: Buffer.from('<html><script>x</script>') },
        staff(tenant),
      ),
    ).rejects.toThrow(/^3 .*not a PDF, PNG, JPEG or WebP/);
    await expect(
      upload(
        {
          ...base,
          idempotencyKey: randomUUID(),
          content: Buffer.concat([pdfWith('x'), Buffer.alloc(10 * 1024 * 1024)]),
        },
        staff(tenant),
      ),
    ).rejects.toMatchObject({ code: 8 });

    const { document: read, content } = await h.api.getDocument(
      { documentId: document!.id },
      staff(tenant, ['clinician'], 'user:dr'),
    );
    expect(Buffer.from(content).equals(PNG)).toBe(true);
    expect(read?.sha256).toMatch(/^[0-9a-f]{64}$/);
    // front desk may not read documents; the refusal is PERMISSION_DENIED
    await expect(
      h.api.getDocument({ documentId: document!.id }, staff(tenant, ['front_desk'])),
    ).rejects.toMatchObject({ code: 7 });
    const { documents } = await h.api.listDocuments(
      { patientId: patient!.id, pageSize: 0, pageToken: '' },
      staff(tenant),
    );
    expect(documents.map((d) => d.id)).toEqual([document?.id]);
  });

  it('never serves a document whose ciphertext was tampered with or moved to another document or tenant', async () => {
    const tenant = randomUUID();
    const { patient } = await h.api.createPatient({ patient: fields() }, staff(tenant));
    const upload = h.api.uploadDocument;
    const get = h.api.getDocument;
    const up = async () =>
      (
        await upload(
          {
            patientId: patient!.id,
            title: 'T',
            fileName: '',
            declaredContentType: '',
            content: pdfWith(randomUUID()),
            idempotencyKey: randomUUID(),
          },
          staff(tenant),
        )
      ).document!;
    const [a, b] = [await up(), await up()];
    const admin = h.db.adminPool;
    // moved: b's content now holds a's ciphertext
    await admin.query(
      `UPDATE records.document_blobs SET content_sealed = (SELECT content_sealed FROM records.document_blobs WHERE document_id = $1) WHERE document_id = $2`,
      [a.id, b.id],
    );
    await expect(get({ documentId: b.id }, staff(tenant))).rejects.toThrow(/^13 .*does not match/);
    // tampered: one byte of a's ciphertext flipped (the last bytes are the GCM tag region of the sealed box)
    await admin.query(
      `UPDATE records.document_blobs SET content_sealed = overlay(content_sealed placing decode(lpad(to_hex(get_byte(content_sealed, length(content_sealed) - 1) # 1), 2, '0'), 'hex') from length(content_sealed)) WHERE document_id = $1`,
      [a.id],
    );
    await expect(get({ documentId: a.id }, staff(tenant))).rejects.toMatchObject({ code: 13 });

    // moved to another tenant: the rows copied under tenant 2 (ids kept) do not open there
    const other = randomUUID();
    const { patient: otherPatient } = await h.api.createPatient({ patient: fields() }, staff(other));
    const c = await up();
    const newId = randomUUID();
    await admin.query(
      `INSERT INTO records.documents (id, tenant_id, patient_id, title_sealed, file_name_sealed, content_type, size_bytes, sha256, idempotency_key, uploaded_by, created_at)
       SELECT $2, $3, $4, title_sealed, file_name_sealed, content_type, size_bytes, sha256, idempotency_key, uploaded_by, created_at FROM records.documents WHERE id = $1`,
      [c.id, newId, other, otherPatient!.id],
    );
    await admin.query(
      `INSERT INTO records.document_blobs (document_id, tenant_id, content_sealed) SELECT $2, $3, content_sealed FROM records.document_blobs WHERE document_id = $1`,
      [c.id, newId, other],
    );
    await expect(get({ documentId: newId }, staff(other))).rejects.toThrow(/^13 /);
    // the original still opens where it belongs
    expect((await get({ documentId: c.id }, staff(tenant))).content.length).toBeGreaterThan(0);
  });
});
