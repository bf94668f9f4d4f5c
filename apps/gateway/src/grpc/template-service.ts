// gRPC edge of WabaTemplateService: the message templates Meta holds for the caller tenant's
// WhatsApp Business Accounts, read with the channels' own tokens. messaging fills its template
// registry from this (it never calls Meta itself). The answer holds template texts and ids only:
// no credential, no patient data. A token Meta refuses is `channel_credentials_rejected` and a
// blocked account `whatsapp_account_unavailable` (an administrator must act; retrying cannot help);
// any other Graph failure is `graph_unavailable` (never Meta's text, which could echo a
// token-bearing URL).
import {
  type ListWabaTemplatesResponse,
  type WabaTemplate,
  type WabaTemplateServiceHandlers,
} from '@careline/contracts';
import { type Logger, failedPrecondition, grpcUnary, invalidArgument, unavailable } from '@careline/runtime';
import { GraphApiError, type GraphClient } from '@careline/whatsapp';
import { requireTenantCaller } from '../channels/caller';
import { type Channel, type ChannelRegistry } from '../channels/registry';

/** Meta pages at most this many templates per call; more pages are followed. */
const PAGE_SIZE = 100;
/** A bound on pages per WABA (6,000 templates is Meta's cap for a verified business). */
const MAX_PAGES = 60;

export function createTemplateServiceHandlers(deps: {
  registry: ChannelRegistry;
  graph: Pick<GraphClient, 'listMessageTemplates'>;
  logger: Logger;
}): WabaTemplateServiceHandlers {
  const options = { logger: deps.logger };
  return {
    listWabaTemplates: grpcUnary(async (request, { caller }) => {
      const { tenantId } = requireTenantCaller(caller);
      const channels = deps.registry.all().filter((channel) => channel.tenantId === tenantId);
      if (request.wabaId !== '' && !channels.some((channel) => channel.wabaId === request.wabaId)) {
        throw invalidArgument('unknown_waba', 'The WhatsApp Business Account is not one of the tenant’s.');
      }
      // One token per WABA is enough: every number's token of a WABA reads the WABA's templates.
      const byWaba = new Map<string, Channel>();
      for (const channel of channels) {
        if (request.wabaId === '' || channel.wabaId === request.wabaId) byWaba.set(channel.wabaId, byWaba.get(channel.wabaId) ?? channel);
      }
      const templates: WabaTemplate[] = [];
      for (const [wabaId, channel] of byWaba) {
        templates.push(...(await listWaba(deps, wabaId, channel.accessToken, tenantId)));
      }
      const response: ListWabaTemplatesResponse = {
        templates,
        channels: channels.map((channel) => ({ phoneNumberId: channel.phoneNumberId, wabaId: channel.wabaId })),
      };
      return response;
    }, options),
  };
}

async function listWaba(
  deps: { graph: Pick<GraphClient, 'listMessageTemplates'>; logger: Logger },
  wabaId: string,
  accessToken: string,
  tenantId: string,
): Promise<WabaTemplate[]> {
  const templates: WabaTemplate[] = [];
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    let result;
    try {
      result = await deps.graph.listMessageTemplates(wabaId, accessToken, { limit: PAGE_SIZE, ...(after === undefined ? {} : { after }) });
    } catch (error) {
      if (!(error instanceof GraphApiError)) throw error;
      deps.logger.warn({ tenant_id: tenantId, waba_id: wabaId, kind: error.kind }, 'template list failed');
      // A refused token or a blocked account is not cured by trying again: say what to fix.
      if (error.kind === 'auth') {
        throw failedPrecondition(
          'channel_credentials_rejected',
          "WhatsApp refused the number's access token: an administrator must update it (PATCH /v1/admin/channels/{phoneNumberId}).",
          { details: { wabaId } },
        );
      }
      if (error.kind === 'account') {
        throw failedPrecondition('whatsapp_account_unavailable', 'WhatsApp refused access to the business account; check it in Meta Business Manager.', {
          details: { wabaId },
        });
      }
      throw unavailable('graph_unavailable', 'WhatsApp did not return the templates; try again shortly.', {
        details: { wabaId },
      });
    }
    for (const t of result.templates) {
      templates.push({
        wabaId,
        id: t.id,
        name: t.name,
        language: t.language,
        status: t.status.toUpperCase(),
        category: t.category.toUpperCase(),
        componentsJson: JSON.stringify(t.components),
        parameterFormat: (t.parameterFormat ?? '').toUpperCase(),
      });
    }
    if (result.after === undefined) break;
    after = result.after;
  }
  return templates;
}
