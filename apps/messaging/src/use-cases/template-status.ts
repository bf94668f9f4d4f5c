// wa.template.status.v1 (Meta's `message_template_status_update`, from ingest) → the tenant's
// template registry, so a rejection, pause or disabling is known at once rather than at the next
// sync. Runs inside the consumer's transaction. Templates are the hospital's texts: no patient data.
import { type TemplateStatusChangedV1 } from '@careline/contracts';
import { type PoolClient } from '@careline/db';
import { applyTemplateVerdict } from '../db/templates';
import { invalidEvent } from '../domain/errors';
import { type TemplateStatusName, statusName } from '../domain/templates';
import { type EventContext, type UseCaseDeps } from './deps';

/**
 * The registry status of a webhook verdict; undefined leaves the status as it is (a FLAGGED
 * template is still sendable; a value Meta adds later is not guessed at). The reason is kept anyway.
 */
export function verdictStatus(metaEvent: string): TemplateStatusName | undefined {
  const upper = metaEvent.toUpperCase();
  if (upper === 'REINSTATED') return 'approved';
  if (upper === 'FLAGGED') return undefined;
  const name = statusName(upper);
  return name === 'unknown' ? undefined : name;
}

export function createApplyTemplateStatus(deps: UseCaseDeps) {
  return async (client: PoolClient, event: TemplateStatusChangedV1, context: EventContext): Promise<void> => {
    const tenantId = context.tenantId;
    if (event.tenantId.toLowerCase() !== tenantId.toLowerCase()) throw invalidEvent('tenant_id differs from the envelope tenant');
    if (event.wabaId === '' || event.templateName === '' || event.languageCode === '') throw invalidEvent('waba_id, template_name or language_code is empty');
    if (event.changedAt === undefined) throw invalidEvent('changed_at is missing');
    const status = verdictStatus(event.status);
    const applied = await applyTemplateVerdict(client, tenantId, {
      wabaId: event.wabaId,
      name: event.templateName,
      language: event.languageCode,
      status,
      reason: event.reason,
      at: event.changedAt,
    });
    deps.logger.info(
      { tenant_id: tenantId, event_id: context.id, waba_id: event.wabaId, template: event.templateName, language: event.languageCode, meta_status: event.status, applied },
      applied ? 'template status applied' : 'template status for a template not in the registry (or older) ignored',
    );
  };
}
