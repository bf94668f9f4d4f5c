// FHIR R4 over REST for integrations (an EHR pushing patients and results in, reading what was
// shared): JSON bodies as `application/fhir+json` (plain `application/json` accepted too).
// One route per resource type rather than `{resourceType}`, so the document names each one and an
// unknown type is simply an unknown route (404). Errors stay problem+json like every api error:
// an invalid resource is 400 `invalid_fhir_resource` with a FHIR OperationOutcome in
// `details.operationOutcome` (its issues name the failing paths, never values), so a FHIR client
// finds the outcome and every other client the usual `code`.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Router } from '../http/router';
import { resourceId } from '../schemas/common';
import { idempotencyHeadersSchema } from '../schemas/records';
import type { FhirResourceType, RecordsUseCases } from '../use-cases/records';

export const FHIR_CONTENT_TYPE = 'application/fhir+json';

const fhirResourceSchema = z
  .looseObject({ resourceType: z.string().min(1).max(64) })
  .meta({ id: 'FhirResource', description: 'A FHIR R4 resource as JSON.' });

const fhirImportResultSchema = z
  .object({
    created: z.boolean().meta({ description: 'True when a new patient or document was stored; false for an update or a repeated import.' }),
    resource: fhirResourceSchema.meta({ description: 'The stored resource as exported, with its Careline id.' }),
  })
  .meta({ id: 'FhirImportResult' });

const INVALID_RESOURCE = {
  status: 400,
  description:
    '`invalid_fhir_resource`: the resource does not validate; `details.operationOutcome` is a FHIR OperationOutcome whose issues name the failing paths. `bad_request`: the body is not JSON.',
};

/** Lets fastify read `application/fhir+json` bodies with its own JSON parser (limits, proto-poisoning checks). */
export function acceptFhirJson(app: FastifyInstance): void {
  if (!app.hasContentTypeParser(FHIR_CONTENT_TYPE)) {
    app.addContentTypeParser(FHIR_CONTENT_TYPE, { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
  }
}

export function registerFhirRoutes(router: Router, records: RecordsUseCases): void {
  const imports: { type: 'Patient' | 'DocumentReference'; permission: 'patients:write' | 'documents:share'; what: string }[] = [
    { type: 'Patient', permission: 'patients:write', what: 'Created, or updated when the hospital already has its MRN (identifier system `urn:careline:mrn`).' },
    {
      type: 'DocumentReference',
      permission: 'documents:share',
      what: "Stored as a document of the patient named by `subject` (`Patient/<id>`), with one attachment whose `data` is the base64 content (type sniffed from the bytes). Idempotent by the `Idempotency-Key` header.",
    },
  ];
  for (const { type, permission, what } of imports) {
    router.route({
      method: 'POST',
      path: `/v1/fhir/${type}`,
      operationId: `importFhir${type}`,
      summary: `Import a FHIR ${type}`,
      description: `${what} The same checks and audit events as the REST calls apply.`,
      tags: ['fhir'],
      access: { permission },
      upstream: true,
      headers: idempotencyHeadersSchema,
      body: fhirResourceSchema,
      bodyContentType: FHIR_CONTENT_TYPE,
      problems: [
        INVALID_RESOURCE,
        ...(type === 'DocumentReference'
          ? [{ status: 404, description: '`patient_not_found`: the subject is not a patient of the caller\'s tenant.' }]
          : []),
      ],
      response: { status: 200, description: 'What was stored (`created` tells a new resource from an update or a repeat; `Location` names it).', schema: fhirImportResultSchema },
      handler: async ({ principal, headers, body, reply }) => {
        const result = await records.importFhir(principal, type, body, headers['idempotency-key']);
        const id = result.resource['id'];
        if (typeof id === 'string') void reply.header('location', `/v1/fhir/${type}/${encodeURIComponent(id)}`);
        return result;
      },
    });
  }

  const exports: { type: FhirResourceType; permission: 'patients:read' | 'documents:read'; what: string; notFound: string }[] = [
    { type: 'Patient', permission: 'patients:read', what: 'The patient (audited as a read).', notFound: 'patient_not_found' },
    {
      type: 'DocumentReference',
      permission: 'documents:read',
      what: 'The document with its content inline (base64; audited as a staff download).',
      notFound: 'document_not_found',
    },
    {
      type: 'DiagnosticReport',
      permission: 'documents:read',
      what: 'A minimal report for a document (the id is the document id): status `final`, the patient, the date, and `presentedForm` pointing at the DocumentReference (no content inline; audited as a read of the document).',
      notFound: 'document_not_found',
    },
  ];
  for (const { type, permission, what, notFound } of exports) {
    router.route({
      method: 'GET',
      path: `/v1/fhir/${type}/{id}`,
      operationId: `exportFhir${type}`,
      summary: `Export a FHIR ${type}`,
      description: what,
      tags: ['fhir'],
      access: { permission },
      upstream: true,
      params: z.object({ id: resourceId().meta({ description: type === 'Patient' ? 'The patient id.' : 'The document id.' }) }),
      problems: [{ status: 404, description: `\`${notFound}\`: no such ${type === 'Patient' ? 'patient' : 'document'} in the caller's tenant.` }],
      response: { status: 200, description: `The ${type} as FHIR R4 JSON.`, schema: fhirResourceSchema, contentType: FHIR_CONTENT_TYPE },
      handler: ({ principal, params }) => records.exportFhir(principal, type, params.id),
    });
  }
}
