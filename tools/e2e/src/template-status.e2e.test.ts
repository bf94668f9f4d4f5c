// Meta's template verdict through every app, Meta played by the simulator: a template the
// hospital synced is rejected (then paused) in the simulator, whose `message_template_status_update`
// webhook (a WABA-level change) goes gateway → ingest (wa.template.status.v1) → messaging's
// registry, and the api shows the new status without anyone syncing again.
import { requestJson } from '@careline/stack';
import { waitFor } from '@careline/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { useStack } from './support/stack';

const stack = useStack('template-status', {
  apps: ['wa-simulator', 'gateway', 'ingest', 'messaging', 'api'],
});

const templatesSchema = z.object({ items: z.array(z.object({ name: z.string(), language: z.string(), status: z.string() })) });

describe("Meta's template verdicts", () => {
  it('reach the template registry without a sync', async () => {
    const s = stack();
    const admin = await s.mintToken({ roles: ['admin'] });
    expect((await requestJson('POST', `${s.urls.api}/v1/templates/sync`, { headers: { authorization: `Bearer ${admin}` } })).status).toBe(200);
    // listing is for those who send (messages:send)
    const headers = { authorization: `Bearer ${await s.mintToken({ roles: ['nurse'] })}` };
    const listed = templatesSchema.parse((await requestJson('GET', `${s.urls.api}/v1/templates`, { headers })).body).items;
    const target = listed.find((t) => t.status === 'approved');
    if (target === undefined) throw new Error('the demo WABA has no approved template');
    const statusOf = async () =>
      templatesSchema
        .parse((await requestJson('GET', `${s.urls.api}/v1/templates`, { headers })).body)
        .items.find((t) => t.name === target.name && t.language === target.language)?.status;

    const simulated = `${s.urls.simulator}/_sim/wabas/${s.seed.whatsapp.wabaId}/templates/${target.name}/${target.language}`;
    const rejected = await requestJson('PATCH', simulated, { body: { status: 'REJECTED', reason: 'INCORRECT_CATEGORY' } });
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
    await waitFor(async () => (await statusOf()) === 'rejected', { message: 'the rejection in the registry', timeoutMs: 30_000 });

    // back to approved (Meta's REINSTATED after a pause, APPROVED here): the registry follows again
    expect((await requestJson('PATCH', simulated, { body: { status: 'APPROVED' } })).status).toBe(200);
    await waitFor(async () => (await statusOf()) === 'approved', { message: 'the approval in the registry', timeoutMs: 30_000 });
  });
});
