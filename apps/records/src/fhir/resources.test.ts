import { describe, expect, it } from 'vitest';
import { MRN_SYSTEM, parseResource, patientFieldsOf, patientResource } from './resources';

const patient = {
  resourceType: 'Patient',
  identifier: [
    { system: 'urn:oid:1.2.3', value: 'NHS-999' },
    { system: 'urn:hospital:mrn', value: 'H-42', type: { coding: [{ code: 'MR' }] } },
  ],
  name: [{ use: 'official', family: 'Curie', given: ['Marie', 'Salomea'] }],
  birthDate: '1967-11-07',
  telecom: [
    { system: 'email', value: 'x@example.org' },
    { system: 'phone', value: '+33 6 12 34 56 78', use: 'mobile' },
  ],
  communication: [{ language: { coding: [{ code: 'fr' }] }, preferred: true }],
  gender: 'female',
};

describe('FHIR resources', () => {
  it('maps a Patient to records fields (the MR identifier, the mobile phone, the preferred language)', () => {
    const parsed = parseResource(JSON.stringify(patient));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok || parsed.resource.type !== 'Patient') return;
    expect(patientFieldsOf(parsed.resource.value)).toEqual({
      mrn: 'H-42',
      givenName: 'Marie Salomea',
      familyName: 'Curie',
      dateOfBirth: '1967-11-07',
      waId: '+33 6 12 34 56 78',
      preferredLanguage: 'fr',
    });
  });

  it('exports what it imports', () => {
    const exported = patientResource({
      id: 'p1',
      mrn: 'H-42',
      givenName: 'Marie Salomea',
      familyName: 'Curie',
      dateOfBirth: '1967-11-07',
      waId: '33612345678',
      preferredLanguage: 'fr',
    });
    expect(exported.identifier[0]?.system).toBe(MRN_SYSTEM);
    const again = parseResource(JSON.stringify(exported));
    if (!again.ok || again.resource.type !== 'Patient') throw new Error('export does not validate');
    expect(patientFieldsOf(again.resource.value)).toMatchObject({
      mrn: 'H-42',
      givenName: 'Marie Salomea',
      waId: '+33612345678',
    });
  });

  it('rejects an invalid resource with an OperationOutcome naming the paths, never the values', () => {
    const bad = {
      ...patient,
      birthDate: '1967',
      name: [{ family: 'SECRETNAME', given: [] }],
      identifier: [],
    };
    const parsed = parseResource(JSON.stringify(bad));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.outcome.resourceType).toBe('OperationOutcome');
    expect(parsed.outcome.issue.map((i) => i.expression[0]).sort()).toEqual([
      'Patient.birthDate',
      'Patient.identifier',
      'Patient.name[0].given',
    ]);
    expect(JSON.stringify(parsed.outcome)).not.toMatch(/SECRETNAME|1967/);
  });

  it('refuses other resource types, and text that is not JSON', () => {
    const observation = parseResource(JSON.stringify({ resourceType: 'Observation' }));
    expect(observation.ok || observation.outcome.issue[0]?.code).toBe('not-supported');
    const garbage = parseResource('{not json');
    expect(garbage.ok || garbage.outcome.issue[0]?.diagnostics).toMatch(/not valid JSON/);
  });

  it('checks a DocumentReference: current status, a Patient subject, inline base64 data', () => {
    const doc = {
      resourceType: 'DocumentReference',
      status: 'superseded',
      subject: { reference: 'Organization/1' },
      content: [{ attachment: { data: 'not base64!' } }],
    };
    const parsed = parseResource(JSON.stringify(doc));
    if (parsed.ok) throw new Error('accepted an invalid DocumentReference');
    expect(parsed.outcome.issue.map((i) => i.expression[0]).sort()).toEqual([
      'DocumentReference.content[0].attachment.data',
      'DocumentReference.status',
      'DocumentReference.subject.reference',
    ]);
  });
});
