// The parts of FHIR R4 Patient and DocumentReference that records supports, as zod schemas (the
// source of truth for what an import must hold), their mapping to records' own fields, and the
// OperationOutcome a rejected resource gets. Fields outside these parts are ignored on import.
// Issues name paths and rules, never the submitted values (they may be patient data).
import { z } from 'zod';
import { isIsoDate } from '../domain/patient';

/** The identifier system of records' MRNs in exports; on import an identifier typed MR wins. */
export const MRN_SYSTEM = 'urn:careline:mrn';
const MR_TYPE = 'MR';

const coding = z.object({ system: z.string().optional(), code: z.string().optional() });
const identifier = z.object({
  system: z.string().optional(),
  value: z.string().min(1, 'must not be empty'),
  type: z.object({ coding: z.array(coding).optional() }).optional(),
});
const humanName = z.object({
  use: z.string().optional(),
  family: z.string().min(1, 'must not be empty'),
  given: z.array(z.string().min(1, 'must not be empty')).min(1, 'needs at least one given name'),
});
const contactPoint = z.object({
  system: z.string().optional(),
  value: z.string().optional(),
  use: z.string().optional(),
});

export const fhirPatientSchema = z.object({
  resourceType: z.literal('Patient'),
  id: z.string().optional(),
  identifier: z.array(identifier).min(1, 'needs the medical record number as an identifier'),
  name: z.array(humanName).min(1, 'needs a name with family and given'),
  birthDate: z.string().refine(isIsoDate, 'must be a full date YYYY-MM-DD'),
  telecom: z.array(contactPoint).optional(),
  communication: z
    .array(
      z.object({
        language: z.object({ coding: z.array(coding).optional() }),
        preferred: z.boolean().optional(),
      }),
    )
    .optional(),
});
export type FhirPatient = z.infer<typeof fhirPatientSchema>;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
export const fhirDocumentReferenceSchema = z.object({
  resourceType: z.literal('DocumentReference'),
  id: z.string().optional(),
  status: z.literal('current', 'only current documents are imported'),
  subject: z.object({
    reference: z.string().regex(/^Patient\/[0-9a-fA-F-]{36}$/, 'must be Patient/<Careline patient id>'),
  }),
  date: z.string().optional(),
  description: z.string().max(200).optional(),
  content: z
    .array(
      z.object({
        attachment: z.object({
          contentType: z.string().optional(),
          data: z.string().min(1, 'must hold the document as base64').regex(BASE64, 'must be base64'),
          title: z.string().max(200).optional(),
        }),
      }),
    )
    .min(1, 'needs one attachment with the document inline'),
});
export type FhirDocumentReference = z.infer<typeof fhirDocumentReferenceSchema>;

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: {
    severity: 'error';
    code: 'invalid' | 'not-supported';
    diagnostics: string;
    expression: string[];
  }[];
}

/** FHIRPath-like location of a zod issue, e.g. `Patient.name[0].family`. */
function expressionOf(resourceType: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, part) => (typeof part === 'number' ? `${out}[${part}]` : `${out}.${String(part)}`),
    resourceType,
  );
}

export function outcomeOf(resourceType: string, error: z.ZodError): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: error.issues.map((issue) => {
      const expression = expressionOf(resourceType, issue.path);
      return {
        severity: 'error',
        code: 'invalid',
        diagnostics: `${expression}: ${issue.message}`,
        expression: [expression],
      };
    }),
  };
}

export function notSupported(diagnostics: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'not-supported', diagnostics, expression: [] }],
  };
}

export type ParsedResource =
  | {
      ok: true;
      resource:
        { type: 'Patient'; value: FhirPatient } | { type: 'DocumentReference'; value: FhirDocumentReference };
    }
  | { ok: false; outcome: OperationOutcome };

/** Parses JSON text into a supported resource, or the OperationOutcome saying why not. */
export function parseResource(json: string): ParsedResource {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return { ok: false, outcome: notSupported('The resource is not valid JSON.') };
  }
  const type = z.object({ resourceType: z.string() }).safeParse(raw);
  if (!type.success) return { ok: false, outcome: notSupported('The resource has no resourceType.') };
  switch (type.data.resourceType) {
    case 'Patient': {
      const parsed = fhirPatientSchema.safeParse(raw);
      return parsed.success
        ? { ok: true, resource: { type: 'Patient', value: parsed.data } }
        : { ok: false, outcome: outcomeOf('Patient', parsed.error) };
    }
    case 'DocumentReference': {
      const parsed = fhirDocumentReferenceSchema.safeParse(raw);
      return parsed.success
        ? { ok: true, resource: { type: 'DocumentReference', value: parsed.data } }
        : { ok: false, outcome: outcomeOf('DocumentReference', parsed.error) };
    }
    default:
      return {
        ok: false,
        outcome: notSupported('Only Patient and DocumentReference resources are supported.'),
      };
  }
}

/** The patient fields a FHIR Patient carries (for CreatePatient/UpdatePatient's validation). */
export function patientFieldsOf(patient: FhirPatient) {
  const mrn =
    patient.identifier.find((id) => id.type?.coding?.some((c) => c.code === MR_TYPE)) ??
    patient.identifier.find((id) => id.system === MRN_SYSTEM) ??
    patient.identifier[0];
  const name = patient.name.find((n) => n.use === 'official') ?? patient.name[0];
  const phone =
    patient.telecom?.find((t) => t.system === 'phone' && t.use === 'mobile') ??
    patient.telecom?.find((t) => t.system === 'phone');
  const language =
    (patient.communication?.find((c) => c.preferred === true) ?? patient.communication?.[0])?.language
      .coding?.[0]?.code ?? '';
  return {
    mrn: mrn?.value ?? '',
    givenName: name?.given.join(' ') ?? '',
    familyName: name?.family ?? '',
    dateOfBirth: patient.birthDate,
    waId: phone?.value ?? '',
    preferredLanguage: language,
  };
}

export function patientResource(p: {
  id: string;
  mrn: string;
  givenName: string;
  familyName: string;
  dateOfBirth: string;
  waId: string;
  preferredLanguage: string;
}): FhirPatient & { id: string } {
  return {
    resourceType: 'Patient',
    id: p.id,
    identifier: [
      {
        system: MRN_SYSTEM,
        value: p.mrn,
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: MR_TYPE }] },
      },
    ],
    name: [
      { use: 'official', family: p.familyName, given: p.givenName.split(/\s+/).filter((g) => g !== '') },
    ],
    birthDate: p.dateOfBirth,
    ...(p.waId === '' ? {} : { telecom: [{ system: 'phone', value: `+${p.waId}`, use: 'mobile' }] }),
    ...(p.preferredLanguage === ''
      ? {}
      : {
          communication: [
            {
              language: { coding: [{ system: 'urn:ietf:bcp:47', code: p.preferredLanguage }] },
              preferred: true,
            },
          ],
        }),
  };
}

/**
 * A minimal DiagnosticReport for a released document: final, about the patient, dated, with the
 * report itself as `presentedForm` pointing at the DocumentReference (no content inline, no
 * coded results: Careline stores documents, not observations). `code` is the generic LOINC
 * "Laboratory report" with the document's title as its text.
 */
export function diagnosticReportResource(d: { id: string; patientId: string; title: string; contentType: string; sizeBytes: number; createdAt: Date }) {
  return {
    resourceType: 'DiagnosticReport' as const,
    id: d.id,
    status: 'final' as const,
    code: { coding: [{ system: 'http://loinc.org', code: '11502-2', display: 'Laboratory report' }], text: d.title },
    subject: { reference: `Patient/${d.patientId}` },
    effectiveDateTime: d.createdAt.toISOString(),
    issued: d.createdAt.toISOString(),
    presentedForm: [
      {
        contentType: d.contentType,
        size: d.sizeBytes,
        title: d.title,
        creation: d.createdAt.toISOString(),
        url: `DocumentReference/${d.id}`,
      },
    ],
  };
}

export function documentReferenceResource(d: {
  id: string;
  patientId: string;
  title: string;
  contentType: string;
  sizeBytes: number;
  createdAt: Date;
  content: Uint8Array;
}) {
  return {
    resourceType: 'DocumentReference' as const,
    id: d.id,
    status: 'current' as const,
    subject: { reference: `Patient/${d.patientId}` },
    date: d.createdAt.toISOString(),
    description: d.title,
    content: [
      {
        attachment: {
          contentType: d.contentType,
          size: d.sizeBytes,
          title: d.title,
          creation: d.createdAt.toISOString(),
          data: Buffer.from(d.content).toString('base64'),
        },
      },
    ],
  };
}
