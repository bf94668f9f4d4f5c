// FHIR R4 through RecordsService: a Patient and a DocumentReference imported, exported back, an
// import of the same MRN updating the patient, and an invalid resource refused with an
// OperationOutcome in the error's details (x-careline-error-details-bin).
import { randomUUID } from 'node:crypto';
import { type ServiceError } from '@grpc/grpc-js';
import { fromGrpcError } from '@careline/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, pdfWith, staff, startHarness } from './int-test-support';

describe('FHIR import and export', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('imports a Patient and a DocumentReference, exports them back, and updates by MRN', async () => {
    const tenant = randomUUID();
    const clinician = staff(tenant, ['clinician'], 'user:dr');
    const patient = {
      resourceType: 'Patient',
      identifier: [{ system: 'urn:hospital:mrn', value: 'EHR-7', type: { coding: [{ code: 'MR' }] } }],
      name: [{ family: 'Nightingale', given: ['Florence'] }],
      birthDate: '1920-05-12',
      telecom: [{ system: 'phone', value: '+44 7700 900123', use: 'mobile' }],
    };
    const imported = await h.api.importFhirResource(
      { resourceJson: JSON.stringify(patient), idempotencyKey: '' },
      clinician,
    );
    expect(imported).toMatchObject({ resourceType: 'Patient', created: true });
    const { patient: stored } = await h.api.getPatient({ patientId: imported.id }, clinician);
    expect(stored).toMatchObject({
      mrn: 'EHR-7',
      familyName: 'Nightingale',
      givenName: 'Florence',
      waId: '447700900123',
    });

    const again = await h.api.importFhirResource(
      { resourceJson: JSON.stringify({ ...patient, birthDate: '1920-05-13' }), idempotencyKey: '' },
      clinician,
    );
    expect(again).toMatchObject({ id: imported.id, created: false });

    const content = pdfWith('ECG normal sinus rhythm');
    const documentReference = {
      resourceType: 'DocumentReference',
      status: 'current',
      subject: { reference: `Patient/${imported.id}` },
      description: 'ECG report',
      content: [{ attachment: { contentType: 'application/pdf', data: content.toString('base64') } }],
    };
    const doc = await h.api.importFhirResource(
      { resourceJson: JSON.stringify(documentReference), idempotencyKey: randomUUID() },
      clinician,
    );
    expect(doc.resourceType).toBe('DocumentReference');

    const exportedPatient = JSON.parse(
      (await h.api.exportFhirResource({ resourceType: 'Patient', id: imported.id }, clinician)).resourceJson,
    ) as Record<string, unknown>;
    expect(exportedPatient).toMatchObject({
      resourceType: 'Patient',
      id: imported.id,
      birthDate: '1920-05-13',
      name: [{ family: 'Nightingale', given: ['Florence'] }],
      identifier: [{ value: 'EHR-7' }],
      telecom: [{ system: 'phone', value: '+447700900123' }],
    });
    const exportedDoc = JSON.parse(
      (await h.api.exportFhirResource({ resourceType: 'DocumentReference', id: doc.id }, clinician))
        .resourceJson,
    ) as {
      subject: { reference: string };
      description: string;
      content: { attachment: { contentType: string; data: string } }[];
    };
    expect(exportedDoc.subject.reference).toBe(`Patient/${imported.id}`);
    expect(exportedDoc.description).toBe('ECG report');
    expect(exportedDoc.content[0]?.attachment.contentType).toBe('application/pdf');
    expect(Buffer.from(exportedDoc.content[0]?.attachment.data ?? '', 'base64').equals(content)).toBe(true);
  });

  it('refuses an invalid resource with a clear OperationOutcome', async () => {
    const tenant = randomUUID();
    const invalid = {
      resourceType: 'Patient',
      identifier: [{ value: 'X' }],
      name: [{ family: 'Doe', given: ['Jo'] }],
      birthDate: 'yesterday',
    };
    const error = await h.api
      .importFhirResource({ resourceJson: JSON.stringify(invalid), idempotencyKey: '' }, staff(tenant))
      .then(
        () => undefined,
        (caught: ServiceError) => caught,
      );
    expect(error?.code).toBe(3);
    const domain = fromGrpcError(error);
    expect(domain.code).toBe('invalid_fhir_resource');
    expect(domain.details).toEqual({
      operationOutcome: {
        resourceType: 'OperationOutcome',
        issue: [
          {
            severity: 'error',
            code: 'invalid',
            diagnostics: 'Patient.birthDate: must be a full date YYYY-MM-DD',
            expression: ['Patient.birthDate'],
          },
        ],
      },
    });
  });
});
