// Injected failures of the Graph send API: "the next N sends fail with code X" or "a share R of
// sends fails with code X", optionally for one business number. A fault is reported the way Meta
// usually reports that code (catalogue), or as asked: `sync` answers the HTTP request with the
// error, `async` accepts the message and sends a `failed` status webhook. Checked in the order
// added; the first that applies is used.
import { z } from 'zod';
import { errorSpec, type Delivery } from './graph/errors';

export const SendFaultInputSchema = z
  .strictObject({
    code: z.number().int().min(0),
    delivery: z.enum(['sync', 'async']).optional(),
    /** fail the next `count` sends (default 1 when no ratio is given) */
    count: z.number().int().min(1).optional(),
    /** fail this share of sends, until the faults are cleared */
    ratio: z.number().gt(0).max(1).optional(),
    phone_number_id: z.string().min(1).optional(),
    details: z.string().min(1).max(1000).optional(),
    http_status: z.number().int().min(400).max(599).optional(),
  })
  .refine((f) => f.count === undefined || f.ratio === undefined, {
    message: 'give either count or ratio, not both',
  });
export type SendFaultInput = z.infer<typeof SendFaultInputSchema>;

export interface SendFault {
  id: string;
  code: number;
  delivery: Delivery;
  /** sends left to fail; null for a ratio fault */
  remaining: number | null;
  ratio: number | null;
  phone_number_id: string | null;
  details: string | null;
  http_status: number | null;
}

export interface Faults {
  add(input: SendFaultInput): SendFault;
  list(): readonly SendFault[];
  clear(): void;
  /** the fault that applies to this send, consuming one of its count */
  take(phoneNumberId: string): SendFault | undefined;
}

export function createFaults(random: () => number = Math.random): Faults {
  let faults: SendFault[] = [];
  let sequence = 0;
  return {
    add(input) {
      const fault: SendFault = {
        id: `flt_${++sequence}`,
        code: input.code,
        delivery: input.delivery ?? errorSpec(input.code).usually,
        remaining: input.ratio === undefined ? (input.count ?? 1) : null,
        ratio: input.ratio ?? null,
        phone_number_id: input.phone_number_id ?? null,
        details: input.details ?? null,
        http_status: input.http_status ?? null,
      };
      faults.push(fault);
      return fault;
    },
    list: () => faults,
    clear() {
      faults = [];
    },
    take(phoneNumberId) {
      for (const fault of faults) {
        if (fault.phone_number_id !== null && fault.phone_number_id !== phoneNumberId) continue;
        if (fault.remaining !== null) {
          fault.remaining -= 1;
          if (fault.remaining <= 0) faults = faults.filter((f) => f !== fault);
          return fault;
        }
        if (fault.ratio !== null && random() < fault.ratio) return fault;
      }
      return undefined;
    },
  };
}
