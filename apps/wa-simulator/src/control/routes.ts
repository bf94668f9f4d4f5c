// The control API under `/_sim`: what tests and the dev tooling use to play the patients, set
// the simulator up and watch what Meta would have done. Not part of Meta's API; documented in the
// README. Lists answer `{ "data": [...] }`; errors are problem+json with a stable `code`.
import type { FastifyPluginCallback, FastifyReply } from 'fastify';
import { z } from 'zod';
import { BusinessSchema, PatientSchema } from '../config';
import type { SimClock } from '../clock';
import type { BusinessActions } from '../businesses';
import type { Faults } from '../faults';
import { LatencyFaultInputSchema, SendFaultInputSchema } from '../faults';
import type { Logger } from '../logger';
import type { MediaLibrary } from '../media/library';
import {
  MarketingPreferenceSchema,
  PatientMessageSchema,
  PatientReadSchema,
  type PatientActions,
  type PatientMessageRequest,
} from '../patients/actions';
import type { TemplateRegistry } from '../templates/registry';
import { TemplateInputSchema, TemplatePatchSchema } from '../templates/schema';
import { SettingsPatchSchema, type SettingsHolder } from '../settings';
import { pairKey, type Store } from '../store';
import { isWindowOpen } from '../outbound/window';
import type { WebhookDispatcher } from '../webhooks/dispatcher';
import { ControlError, problem } from './errors';

export interface ControlDeps {
  store: Store;
  businesses: BusinessActions;
  patients: PatientActions;
  dispatcher: WebhookDispatcher;
  faults: Faults;
  settings: SettingsHolder;
  clock: SimClock;
  logger: Logger;
  templates: TemplateRegistry;
  media: MediaLibrary;
  /** everything back to how the process started */
  reset(): void;
}

/** Patients' media arrive base64 in JSON: a 100 MB document is about 134 MB of it. */
const PATIENT_MESSAGE_BODY_LIMIT = 140 * 1024 * 1024;

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  throw new ControlError(400, 'invalid_request', `${where}${issue?.message ?? 'invalid request'}`);
}

function sendProblem(reply: FastifyReply, error: ControlError): FastifyReply {
  return reply
    .code(error.status)
    .type('application/problem+json')
    .send(problem(error.status, error.code, error.message));
}

const PhoneNumberParams = z.object({ phoneNumberId: z.string().regex(/^\d{1,32}$/, 'must be digits only') });
const WaIdParams = z.object({ waId: z.string().regex(/^\d{1,32}$/, 'must be digits only') });
const OptionalPhoneNumberQuery = z.object({ phone_number_id: z.string().min(1).optional() });
const BoolQuery = z.enum(['true', 'false']).transform((v) => v === 'true');
const RegisterBusinessQuery = z.object({ verify_webhook: BoolQuery.optional() });
const WabaParams = z.object({ wabaId: z.string().regex(/^\d{1,32}$/, 'must be digits only') });
const TemplateParams = WabaParams.extend({ name: z.string().min(1), language: z.string().min(1) });
const MediaParams = z.object({ mediaId: z.string().regex(/^\d{1,32}$/, 'must be digits only') });
const TemplateListQuery = z.object({
  waba_id: z
    .string()
    .regex(/^\d{1,32}$/)
    .optional(),
});
const WebhookQuery = z.object({
  phone_number_id: z.string().min(1).optional(),
  message_id: z.string().min(1).optional(),
  kind: z.enum(['message', 'status', 'user_preferences', 'template_status']).optional(),
  status: z.enum(['sent', 'delivered', 'read', 'failed']).optional(),
  state: z.enum(['pending', 'delivered', 'failed', 'skipped']).optional(),
});
const AdvanceClockBody = z.strictObject({ seconds: z.number().int().min(0) });

export function controlRoutes(deps: ControlDeps) {
  const { businesses, patients } = deps;

  const clockView = () => ({
    now: new Date(deps.clock.now()).toISOString(),
    offset_ms: deps.clock.offsetMs(),
    frozen: deps.clock.frozen(),
  });

  const register: FastifyPluginCallback = (scope, _options, done) => {
    // An empty body with a JSON content type is "no body" here (fetch clients send that header
    // on bodiless POSTs), rather than fastify's 400.
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, parsed) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.trim() === '') return parsed(null, undefined);
      try {
        parsed(null, JSON.parse(text) as unknown);
      } catch {
        parsed(new ControlError(400, 'invalid_json', 'the body is not valid JSON'), undefined);
      }
    });
    scope.setErrorHandler((error, request, reply) => {
      if (error instanceof ControlError) return sendProblem(reply, error);
      const status =
        typeof error === 'object' && error !== null && 'statusCode' in error ? Number(error.statusCode) : 500;
      if (status >= 400 && status < 500) {
        return sendProblem(
          reply,
          new ControlError(status, 'invalid_request', 'the request could not be read (JSON body expected)'),
        );
      }
      deps.logger.error(
        { err: error, route: request.routeOptions.url },
        'unexpected error in a control route',
      );
      return sendProblem(reply, new ControlError(500, 'internal', 'unexpected error'));
    });

    // --- businesses -------------------------------------------------------------------------
    scope.get('/businesses', () => ({ data: businesses.list() }));
    scope.post('/businesses', async (request, reply) => {
      const input = parse(BusinessSchema, request.body);
      const query = parse(RegisterBusinessQuery, request.query);
      const business = await businesses.upsert(input, { verify: query.verify_webhook ?? true });
      return reply.code(201).send(business);
    });
    scope.get('/businesses/:phoneNumberId', (request) =>
      businesses.get(parse(PhoneNumberParams, request.params).phoneNumberId),
    );
    scope.delete('/businesses/:phoneNumberId', (request, reply) => {
      businesses.remove(parse(PhoneNumberParams, request.params).phoneNumberId);
      return reply.code(204).send();
    });
    scope.post('/businesses/:phoneNumberId/verify-webhook', (request) =>
      businesses.verifyWebhook(parse(PhoneNumberParams, request.params).phoneNumberId),
    );

    // --- patients ---------------------------------------------------------------------------
    scope.get('/patients', () => ({ data: patients.list() }));
    scope.post('/patients', (request, reply) =>
      reply.code(201).send(patients.upsert(parse(PatientSchema, request.body))),
    );
    scope.get('/patients/:waId', (request) => {
      const { waId } = parse(WaIdParams, request.params);
      const patient = patients.get(waId);
      const settings = deps.settings.get();
      const windows = [...deps.store.businesses.keys()].map((phoneNumberId) => {
        const last = deps.store.lastInbound.get(pairKey(phoneNumberId, waId));
        return {
          phone_number_id: phoneNumberId,
          open: isWindowOpen(deps.store, deps.clock, settings.service_window_seconds, phoneNumberId, waId),
          last_inbound_at: last === undefined ? null : new Date(last).toISOString(),
        };
      });
      const marketing = [...deps.store.businesses.keys()].map((phoneNumberId) => {
        const since = deps.store.marketingStops.get(pairKey(phoneNumberId, waId));
        return {
          phone_number_id: phoneNumberId,
          stopped: since !== undefined,
          since: since === undefined ? null : new Date(since).toISOString(),
        };
      });
      return { ...patient, windows, marketing };
    });
    scope.post('/patients/:waId/messages', { bodyLimit: PATIENT_MESSAGE_BODY_LIMIT }, (request) => {
      const { waId } = parse(WaIdParams, request.params);
      // the schema checked every field; the union's type is wider than its members
      const body = parse(PatientMessageSchema, request.body) as PatientMessageRequest;
      return patients.sendMessage(waId, body);
    });
    scope.post('/patients/:waId/marketing', (request) => {
      const { waId } = parse(WaIdParams, request.params);
      return patients.setMarketing(waId, parse(MarketingPreferenceSchema, request.body));
    });
    scope.get('/patients/:waId/chat', (request) => {
      const { waId } = parse(WaIdParams, request.params);
      return { data: patients.chat(waId, parse(OptionalPhoneNumberQuery, request.query).phone_number_id) };
    });
    scope.post('/patients/:waId/read', (request) => {
      const { waId } = parse(WaIdParams, request.params);
      const body = parse(PatientReadSchema, request.body ?? {});
      return patients.readAll(waId, body.phone_number_id);
    });
    scope.get('/patients/:waId/inbox', (request) => {
      const { waId } = parse(WaIdParams, request.params);
      return { data: patients.inbox(waId, parse(OptionalPhoneNumberQuery, request.query).phone_number_id) };
    });
    scope.get('/patients/:waId/sent', (request) => ({
      data: patients.sent(parse(WaIdParams, request.params).waId),
    }));

    // --- templates ---------------------------------------------------------------------------
    scope.get('/templates', (request) => ({
      data: deps.templates.list(parse(TemplateListQuery, request.query).waba_id),
    }));
    scope.post('/templates', (request, reply) =>
      reply.code(201).send(deps.templates.upsert(parse(TemplateInputSchema, request.body))),
    );
    scope.get('/wabas/:wabaId/templates', (request) => ({
      data: deps.templates.list(parse(WabaParams, request.params).wabaId),
    }));
    scope.post('/wabas/:wabaId/templates', (request, reply) => {
      const { wabaId } = parse(WabaParams, request.params);
      const body: unknown = request.body;
      const input = parse(
        TemplateInputSchema,
        typeof body === 'object' && body !== null ? { ...body, waba_id: wabaId } : body,
      );
      return reply.code(201).send(deps.templates.upsert(input));
    });
    scope.patch('/wabas/:wabaId/templates/:name/:language', (request) => {
      const { wabaId, name, language } = parse(TemplateParams, request.params);
      return deps.templates.patch(wabaId, name, language, parse(TemplatePatchSchema, request.body));
    });
    scope.delete('/wabas/:wabaId/templates/:name/:language', (request, reply) => {
      const { wabaId, name, language } = parse(TemplateParams, request.params);
      deps.templates.remove(wabaId, name, language);
      return reply.code(204).send();
    });

    // --- media (the phone's side of it: no token) -------------------------------------------
    const mediaItem = (mediaId: string) => {
      const item = deps.media.get(mediaId);
      if (!item) throw new ControlError(404, 'media_not_found', 'no such media (or it expired)');
      return item;
    };
    scope.get('/media/:mediaId', (request) => {
      const { bytes: _bytes, ...item } = mediaItem(parse(MediaParams, request.params).mediaId);
      return {
        ...item,
        created_at: new Date(item.created_at).toISOString(),
        expires_at: new Date(item.expires_at).toISOString(),
      };
    });
    scope.get('/media/:mediaId/content', (request, reply) => {
      const item = mediaItem(parse(MediaParams, request.params).mediaId);
      return reply
        .code(200)
        .header('content-type', item.mime_type)
        .header('content-length', String(item.file_size))
        .header('cache-control', 'no-store')
        .send(item.bytes);
    });

    // --- observation ------------------------------------------------------------------------
    scope.get('/webhooks', (request) => {
      const q = parse(WebhookQuery, request.query);
      const data = deps.dispatcher
        .log()
        .filter(
          (r) =>
            (q.phone_number_id === undefined || r.phone_number_id === q.phone_number_id) &&
            (q.message_id === undefined || r.items.some((i) => i.message_id === q.message_id)) &&
            (q.kind === undefined || r.items.some((i) => i.kind === q.kind)) &&
            (q.status === undefined || r.items.some((i) => i.status === q.status)) &&
            (q.state === undefined || r.state === q.state),
        );
      return { data };
    });

    // --- behaviour, faults, time ------------------------------------------------------------
    scope.get('/settings', () => deps.settings.get());
    scope.patch('/settings', (request) => {
      const patch = parse(SettingsPatchSchema, request.body);
      try {
        return deps.settings.patch(patch);
      } catch {
        throw new ControlError(400, 'invalid_request', 'the settings would be invalid after this change');
      }
    });
    scope.get('/faults', () => ({ data: deps.faults.list() }));
    scope.post('/faults/send', (request, reply) =>
      reply.code(201).send(deps.faults.add(parse(SendFaultInputSchema, request.body))),
    );
    scope.post('/faults/latency', (request, reply) =>
      reply.code(201).send(deps.faults.addLatency(parse(LatencyFaultInputSchema, request.body))),
    );
    scope.delete('/faults', (_request, reply) => {
      deps.faults.clear();
      return reply.code(204).send();
    });
    scope.get('/clock', clockView);
    scope.post('/clock/advance', (request) => {
      deps.clock.advance(parse(AdvanceClockBody, request.body).seconds * 1000);
      return clockView();
    });
    // a frozen clock stands still (advance still moves it): rate limits can be counted exactly
    scope.post('/clock/freeze', () => {
      deps.clock.freeze();
      return clockView();
    });
    scope.post('/clock/unfreeze', () => {
      deps.clock.unfreeze();
      return clockView();
    });
    scope.post('/reset', (_request, reply) => {
      deps.reset();
      return reply.code(204).send();
    });
    done();
  };
  return register;
}
