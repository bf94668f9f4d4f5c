// records' use-cases, built from their dependencies (factory functions, no container).
import { createAuthorize } from './authorize';
import { createConsentUseCases } from './consents';
import { type UseCaseDeps } from './deps';
import { createDocumentUseCases } from './documents';
import { createFhirUseCases } from './fhir';
import { createPatientUseCases } from './patients';
import { createPolicyUseCases } from './policies';
import { createReleaseUseCases } from './release';
import { DEFAULT_KEYWORDS, parseKeywords } from '../domain/self-service';
import { createSelfService } from './self-service';
import { createShareUseCases } from './shares';

export { requireTenantCaller, type TenantCaller } from './caller';
export { type UseCaseDeps } from './deps';
export { type ReleaseUseCases } from './release';

export function createRecordsUseCases(deps: UseCaseDeps) {
  const authorize = createAuthorize(deps);
  const { readPatient: _internal, ...patients } = createPatientUseCases(deps, authorize);
  const documents = createDocumentUseCases(deps, authorize);
  const { issueShare, ...shares } = createShareUseCases(deps, authorize);
  return {
    ...patients,
    ...createConsentUseCases(deps, authorize),
    ...documents,
    ...shares,
    ...createFhirUseCases({ ...patients, ...documents }),
    ...createPolicyUseCases(deps, authorize),
    release: createReleaseUseCases(deps),
    selfService: createSelfService(deps, { keywords: deps.selfServiceKeywords ?? parseKeywords(DEFAULT_KEYWORDS), issueShare }),
  };
}

export type RecordsUseCases = ReturnType<typeof createRecordsUseCases>;
