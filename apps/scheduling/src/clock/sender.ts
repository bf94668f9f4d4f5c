// The sender: hands send requests to messaging. A tick claims a small batch (FOR UPDATE SKIP
// LOCKED, locks held through the calls, so a concurrent cancellation waits for an in-flight send
// rather than racing it, and other instances skip these rows), builds each message from the
// current rows, calls messaging with the request's id as the idempotency key (a retry after a
// crash or a timeout cannot send twice), and in the same transaction records the outcome: done
// (row deleted, reminder `sent`, AppointmentReminderSent event), retry later with backoff
// (messaging down or slow), or given up (a refusal that retrying cannot fix, e.g. opted_out).
import { withTransaction } from '@careline/db';
import { type DomainError, type Logger, fromGrpcError } from '@careline/runtime';
import { getAppointment } from '../db/appointments';
import {
  type SendRequestRow,
  claimSendRequests,
  deleteSendRequest,
  getReminder,
  markReminderFailed,
  markReminderSent,
  retrySendRequest,
  useTenant,
} from '../db/reminders';
import { markChatMessageSent } from '../db/booking-chat';
import { markReplySent } from '../db/replies';
import { type MessagingPort } from '../edges/messaging-client';
import { AUDIT_ACTIONS, recordAudit } from '../use-cases/audit';
import { type UseCaseDeps } from '../use-cases/deps';
import { emitAppointmentEvent } from '../use-cases/events';
import { type Outgoing, chatMessage, reminderMessage, replyMessage } from '../use-cases/outgoing';

export interface SenderOptions {
  batchSize: number;
  /** first retry delay; doubles per attempt up to maxBackoffMs */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface Sender {
  tick(): Promise<number>;
}

type Result = { ok: true; messageId: string; conversationId: string } | { ok: false; error: DomainError };

export function createSender(
  deps: Pick<UseCaseDeps, 'pool' | 'clock' | 'sealer' | 'atRest'> & { logger: Logger; messaging: MessagingPort },
  options: SenderOptions,
): Sender {
  const { pool, clock, logger, messaging } = deps;
  const initial = options.initialBackoffMs ?? 1000;
  const max = options.maxBackoffMs ?? 5 * 60_000;

  async function call(tenantId: string, outgoing: Outgoing): Promise<Result> {
    try {
      switch (outgoing.kind) {
        case 'template': {
          const response = await messaging.sendTemplate(tenantId, outgoing.request);
          return { ok: true, messageId: response.message?.id ?? '', conversationId: response.conversationId };
        }
        case 'interactive': {
          const response = await messaging.sendInteractive(tenantId, outgoing.request);
          return { ok: true, messageId: response.message?.id ?? '', conversationId: outgoing.request.conversationId };
        }
        case 'obsolete':
          return { ok: true, messageId: '', conversationId: '' };
      }
    } catch (error) {
      return { ok: false, error: fromGrpcError(error) };
    }
  }

  async function complete(client: Parameters<typeof useTenant>[0], request: SendRequestRow, outgoing: Outgoing, result: Result, now: Date): Promise<void> {
    await useTenant(client, request.tenant);
    if (!result.ok) {
      const error = result.error;
      if (error.retryable || error.kind === 'internal' || error.kind === 'unavailable') {
        const delay = Math.min(max, initial * 2 ** Math.min(request.attempts, 20));
        await retrySendRequest(client, request.id, new Date(now.getTime() + delay), error.code);
        logger.warn({ send_request_id: request.id, tenant_id: request.tenant, code: error.code, attempts: request.attempts + 1 }, 'send to messaging failed; will retry');
        return;
      }
      await deleteSendRequest(client, request.id);
      if (request.kind === 'reminder') await markReminderFailed(client, request.tenant, request.id, error.code);
      logger.warn({ send_request_id: request.id, tenant_id: request.tenant, code: error.code }, 'messaging refused the message; not retried');
      return;
    }
    await deleteSendRequest(client, request.id);
    if (outgoing.kind === 'obsolete') return;
    if (request.kind === 'reply') {
      if (result.messageId !== '') await markReplySent(client, request.tenant, request.id, result.messageId);
      return;
    }
    if (request.kind === 'chat') {
      if (result.messageId !== '') await markChatMessageSent(client, request.tenant, request.id, result.messageId);
      return;
    }
    const marked = await markReminderSent(client, request.tenant, request.id, { messageId: result.messageId, conversationId: result.conversationId, at: now });
    if (!marked) return;
    const appointment = await getAppointment(client, request.tenant, request.appointment_id);
    if (appointment === undefined) return;
    const reminder = await getReminder(client, request.tenant, request.id);
    await emitAppointmentEvent(
      deps,
      client,
      appointment,
      { $case: 'reminderSent', value: { reminderId: request.id, stage: reminder?.stage ?? '', messageId: result.messageId, dueAt: reminder?.due_at } },
      'system',
      now,
    );
    await recordAudit(client, request.tenant, { system: true }, {
      action: AUDIT_ACTIONS.reminderSent,
      resource: { type: 'appointment', id: appointment.id },
      patient: { waIdHash: appointment.wa_id_hash, patientId: appointment.patient_id },
      outcome: 'success',
      at: now,
      detail: { reminder_id: request.id, message_id: result.messageId },
    });
  }

  return {
    async tick() {
      return withTransaction(pool, async (client) => {
        const requests = await claimSendRequests(client, clock(), options.batchSize);
        if (requests.length === 0) return 0;
        const built: { request: SendRequestRow; outgoing: Outgoing }[] = [];
        for (const request of requests) {
          await useTenant(client, request.tenant);
          const outgoing =
            request.kind === 'reminder'
              ? await reminderMessage(deps, client, request.tenant, request.id)
              : request.kind === 'chat'
                ? await chatMessage(client, request.tenant, request.id)
                : await replyMessage(client, request.tenant, request.id);
          built.push({ request, outgoing });
        }
        // the calls run concurrently; the database work around them stays on this one client
        const results = await Promise.all(built.map(({ request, outgoing }) => call(request.tenant, outgoing)));
        const now = clock();
        for (const [index, { request, outgoing }] of built.entries()) {
          await complete(client, request, outgoing, results[index] ?? { ok: false, error: fromGrpcError(new Error('missing result')) }, now);
        }
        return requests.length;
      });
    },
  };
}
