// The tenant's release policy (issue 8: onboarding sets it through api and the admin CLI).
// Only what records stores is exposed: whether the document may be sent in chat. Link lifetime
// and the attempt limit stay deployment settings (SHARE_TTL, RELEASE_MAX_ATTEMPTS): they are
// read in several places of the release flow, and a per-tenant value would need a migration and
// a policy read on every step; not worth it until a hospital asks.
import {
  type GetReleasePolicyRequest,
  type GetReleasePolicyResponse,
  type ReleasePolicy,
  type SetReleasePolicyRequest,
  type SetReleasePolicyResponse,
} from '@careline/contracts';
import { isPlatformOperator } from '@careline/auth';
import { withTenant } from '@careline/db';
import { getTenantPolicy, setTenantPolicy } from '../db/shares';
import { invalidRequest } from '../domain/errors';
import { AUDIT_ACTIONS, recordAudit } from './audit';
import { type Authorize } from './authorize';
import { type TenantCaller } from './caller';
import { type UseCaseDeps } from './deps';

function policyView(policy: { chatDelivery: boolean }): ReleasePolicy {
  return { allowDocumentInChat: policy.chatDelivery };
}

export function createPolicyUseCases(deps: UseCaseDeps, authorize: Authorize) {
  // The platform operator (tools/admin, over the cluster network; api never sends the role)
  // onboards hospitals, so it may set their policy too; anyone else needs `tenant:admin`.
  const allow: Authorize = (caller, permission, action, resource) =>
    isPlatformOperator(caller.roles) ? Promise.resolve() : authorize(caller, permission, action, resource);

  async function getReleasePolicy(
    caller: TenantCaller,
    _request: GetReleasePolicyRequest,
  ): Promise<GetReleasePolicyResponse> {
    const { tenantId } = caller;
    await allow(caller, 'tenant:admin', AUDIT_ACTIONS.readReleasePolicy, { type: 'tenant', id: tenantId });
    const policy = await withTenant(deps.pool, tenantId, (client) => getTenantPolicy(client, tenantId));
    return { policy: policyView(policy) };
  }

  async function setReleasePolicy(
    caller: TenantCaller,
    request: SetReleasePolicyRequest,
  ): Promise<SetReleasePolicyResponse> {
    const { tenantId } = caller;
    await allow(caller, 'tenant:admin', AUDIT_ACTIONS.changeReleasePolicy, { type: 'tenant', id: tenantId });
    // A replace without a policy would silently reset every rule to its default.
    if (request.policy === undefined) throw invalidRequest('policy', 'must be set');
    const policy = { chatDelivery: request.policy.allowDocumentInChat };
    const now = deps.clock();
    await withTenant(deps.pool, tenantId, async (client) => {
      await setTenantPolicy(client, tenantId, policy, caller.actor, now);
      await recordAudit(client, {
        tenantId,
        actor: { kind: 'caller', id: caller.actor, roles: caller.roles },
        action: AUDIT_ACTIONS.changeReleasePolicy,
        resource: { type: 'tenant', id: tenantId },
        outcome: 'success',
        detail: { allow_document_in_chat: String(policy.chatDelivery) },
        at: now,
      });
    });
    return { policy: policyView(policy) };
  }

  return { getReleasePolicy, setReleasePolicy };
}
