// The reminder clock's dispatcher. One tick fires a small batch of due timers across tenants in
// one transaction: a single set-based statement claims them (FOR UPDATE SKIP LOCKED on the clock,
// indexed by due_at), deletes them and writes a send request per reminder; then the no-show checks
// among them mark unconfirmed, unattended appointments no_show. Commit = fired exactly once;
// rollback or crash = due again. Any number of instances may run it: SKIP LOCKED hands each row
// to one of them. A clock row exists only while its reminder must still go out (cancellations
// and moves delete it in their own transaction), so firing needs no look at the appointment.
import { type Queryable, withTransaction } from '@careline/db';
import { type Logger } from '@careline/runtime';
import { getAppointment, updateAppointment } from '../db/appointments';
import { type FiredTimer, fireDueTimers, useTenant } from '../db/reminders';
import { AUDIT_ACTIONS, recordAudit } from '../use-cases/audit';
import { type UseCaseDeps } from '../use-cases/deps';
import { emitAppointmentEvent } from '../use-cases/events';

export interface DispatcherMetrics {
  /** due time → send request written, per reminder */
  observeLag(seconds: number): void;
  dispatched(count: number): void;
}

export interface Dispatcher {
  /** One batch; returns how many timers it fired. */
  tick(): Promise<number>;
  /** Batches until nothing is due. */
  drain(): Promise<number>;
}

export function createDispatcher(
  deps: Pick<UseCaseDeps, 'pool' | 'clock' | 'sealer' | 'atRest'> & { logger: Logger; batchSize: number; metrics?: DispatcherMetrics },
): Dispatcher {
  const { pool, clock, batchSize } = deps;

  async function noShow(client: Queryable, timer: FiredTimer, now: Date): Promise<void> {
    await useTenant(client, timer.tenant);
    const appointment = await getAppointment(client, timer.tenant, timer.appointment_id, { forUpdate: true });
    // Confirmed appointments are left alone (the patient said they would come: staff decide), as
    // are those already attended, marked or cancelled.
    if (appointment === undefined || (appointment.state !== 'booked' && appointment.state !== 'rescheduled')) return;
    const row = await updateAppointment(client, timer.tenant, appointment.id, { state: 'no_show', noShowAutomatic: true, at: now });
    await emitAppointmentEvent(deps, client, row, { $case: 'noShow', value: { automatic: true } }, 'system', now);
    await recordAudit(client, timer.tenant, { system: true }, {
      action: AUDIT_ACTIONS.noShow,
      resource: { type: 'appointment', id: row.id },
      patient: { waIdHash: row.wa_id_hash, patientId: row.patient_id },
      outcome: 'success',
      at: now,
    });
  }

  async function tick(): Promise<number> {
    return withTransaction(pool, async (client) => {
      const now = clock();
      const fired = await fireDueTimers(client, now, batchSize);
      let reminders = 0;
      for (const timer of fired) {
        if (timer.kind === 'no_show') {
          await noShow(client, timer, now);
        } else {
          reminders += 1;
          deps.metrics?.observeLag((now.getTime() - timer.due_at.getTime()) / 1000);
        }
      }
      deps.metrics?.dispatched(reminders);
      return fired.length;
    });
  }

  return {
    tick,
    async drain() {
      let total = 0;
      for (;;) {
        const fired = await tick();
        total += fired;
        if (fired < batchSize) return total;
      }
    },
  };
}
