// The tenant's template registry: filled from Meta through the gateway (SyncTemplates, and by
// SendTemplate itself when a template is missing, at most once a minute per tenant), read by
// ListTemplates and by every template send. Templates hold no patient data; the staff calls are
// audited anyway (`template.list`, `template.sync`) so that every MessagingService call leaves one
// record.
import {
  type ListTemplatesRequest,
  type ListTemplatesResponse,
  type ListWabaTemplatesResponse,
  type SyncTemplatesRequest,
  type SyncTemplatesResponse,
  type Template,
  TemplateCategory,
  TemplateStatus,
} from '@careline/contracts';
import { type Queryable, withTenant } from '@careline/db';
import { type TemplateRow, getSettings, listTemplates, recordSync, replaceTemplates, type SyncedTemplate } from '../db/templates';
import { categoryName, parseComponents, statusName, type TemplateDefinition } from '../domain/templates';
import { AUDIT_ACTIONS, recordAudit } from './audit';
import { type TenantCaller } from './caller';
import { type UseCaseDeps } from './deps';

/** Meta's templates of one tenant, as the gateway lists them. */
export interface TemplateSource {
  list(tenantId: string): Promise<ListWabaTemplatesResponse>;
}

/** SendTemplate syncs by itself on a miss, but not more often than this per tenant. */
export const LAZY_SYNC_INTERVAL_MS = 60_000;

export interface TemplateRegistry {
  /** Fetches from the gateway and replaces the tenant's registry; the number of templates. */
  sync(tenantId: string): Promise<{ count: number; at: Date }>;
  /** Syncs unless the last sync is more recent than LAZY_SYNC_INTERVAL_MS; false when it did not. */
  syncIfStale(tenantId: string): Promise<boolean>;
}

export function createTemplateRegistry(deps: UseCaseDeps): TemplateRegistry {
  const sync = async (tenantId: string) => {
    const source = deps.templateSource;
    if (source === undefined) throw new Error('messaging was built without a template source');
    const listed = await source.list(tenantId);
    const at = deps.clock();
    const templates: SyncedTemplate[] = [];
    for (const t of listed.templates) {
      let components: unknown;
      try {
        components = JSON.parse(t.componentsJson) as unknown;
        parseComponents(components);
      } catch {
        // one unreadable template must not block the others; it names no patient data
        deps.logger.warn({ tenant_id: tenantId, template: t.name, language: t.language }, 'template components not readable; skipped');
        continue;
      }
      templates.push({
        wabaId: t.wabaId,
        name: t.name,
        language: t.language,
        metaId: t.id,
        category: categoryName(t.category),
        status: statusName(t.status),
        components,
        parameterFormat: t.parameterFormat,
      });
    }
    await withTenant(deps.pool, tenantId, async (client) => {
      await replaceTemplates(client, tenantId, templates, at);
      await recordSync(client, tenantId, { channels: listed.channels, at });
    });
    deps.logger.info({ tenant_id: tenantId, templates: templates.length }, 'templates synced');
    return { count: templates.length, at };
  };
  return {
    sync,
    async syncIfStale(tenantId) {
      if (deps.templateSource === undefined) return false;
      const settings = await withTenant(deps.pool, tenantId, (client) => getSettings(client, tenantId));
      const last = settings.templatesSyncedAt;
      if (last !== null && deps.clock().getTime() - last.getTime() < LAZY_SYNC_INTERVAL_MS) return false;
      await sync(tenantId);
      return true;
    },
  };
}

export function createSyncTemplates(deps: UseCaseDeps, registry: TemplateRegistry) {
  return async (caller: TenantCaller, _request: SyncTemplatesRequest): Promise<SyncTemplatesResponse> => {
    const result = await registry.sync(caller.tenantId);
    await withTenant(deps.pool, caller.tenantId, (client) =>
      recordAudit(client, caller, {
        action: AUDIT_ACTIONS.syncTemplates,
        resource: { type: 'template_registry', id: '' },
        outcome: 'success',
        detail: { count: String(result.count) },
        at: result.at,
      }),
    );
    return { templateCount: result.count, syncedAt: result.at };
  };
}

export function createListTemplates(deps: UseCaseDeps) {
  return async (caller: TenantCaller, request: ListTemplatesRequest): Promise<ListTemplatesResponse> =>
    withTenant(deps.pool, caller.tenantId, async (client) => {
      const rows = await listTemplates(client, caller.tenantId);
      const settings = await getSettings(client, caller.tenantId);
      const views = rows.filter((row) => !request.approvedOnly || row.status === 'approved').map(templateView);
      // no patient data, but every staff call of MessagingService leaves one record (audit coverage)
      await recordAudit(client, caller, {
        action: AUDIT_ACTIONS.listTemplates,
        resource: { type: 'template_registry', id: '' },
        outcome: 'success',
        detail: { count: String(views.length) },
        at: deps.clock(),
      });
      return { templates: views, syncedAt: settings.templatesSyncedAt ?? undefined };
    });
}

/** Names and languages of the approved templates, for the window refusal (what may be sent instead). */
export async function approvedTemplateSummary(db: Queryable, tenantId: string): Promise<{ name: string; languages: string[] }[]> {
  const byName = new Map<string, string[]>();
  for (const row of await listTemplates(db, tenantId)) {
    if (row.status !== 'approved') continue;
    byName.set(row.name, [...(byName.get(row.name) ?? []), row.language]);
  }
  return [...byName].map(([name, languages]) => ({ name, languages: [...new Set(languages)] }));
}

export function definitionOf(row: TemplateRow): TemplateDefinition {
  return parseComponents(row.components);
}

const CATEGORY: Record<TemplateRow['category'], TemplateCategory> = {
  marketing: TemplateCategory.TEMPLATE_CATEGORY_MARKETING,
  utility: TemplateCategory.TEMPLATE_CATEGORY_UTILITY,
  authentication: TemplateCategory.TEMPLATE_CATEGORY_AUTHENTICATION,
  unknown: TemplateCategory.TEMPLATE_CATEGORY_UNSPECIFIED,
};

const STATUS: Record<TemplateRow['status'], TemplateStatus> = {
  pending: TemplateStatus.TEMPLATE_STATUS_PENDING,
  approved: TemplateStatus.TEMPLATE_STATUS_APPROVED,
  rejected: TemplateStatus.TEMPLATE_STATUS_REJECTED,
  paused: TemplateStatus.TEMPLATE_STATUS_PAUSED,
  disabled: TemplateStatus.TEMPLATE_STATUS_DISABLED,
  deleted: TemplateStatus.TEMPLATE_STATUS_DELETED,
  unknown: TemplateStatus.TEMPLATE_STATUS_UNSPECIFIED,
};

export function templateView(row: TemplateRow): Template {
  const definition = definitionOf(row);
  return {
    name: row.name,
    languageCode: row.language,
    category: CATEGORY[row.category],
    status: STATUS[row.status],
    parameters: definition.parameters.map((p) => ({ name: p.name, component: p.component, example: p.example })),
    buttons: definition.buttons.map((b) => ({ index: b.index, type: b.type, text: b.text, needsValue: b.needsValue })),
    bodyText: definition.bodyText,
    headerFormat: definition.headerFormat,
    wabaId: row.waba_id,
    syncedAt: row.synced_at,
    statusReason: row.status_reason,
  };
}
