// Injected failures of the Graph API.
// Send faults: "the next N sends fail with code X" or "a share R of sends fails with code X",
// optionally for one business number (several ratio faults give an error rate per code). A fault
// is reported the way Meta usually reports that code (catalogue), or as asked: `sync` answers the
// HTTP request with the error, `async` accepts the message and sends a `failed` status webhook.
// Latency faults: the next N Graph requests (or a share R of them) answer `latency_ms` late, or,
// with `hang`, never: the caller's own timeout decides, and the request has no effect.
// Checked in the order added; the first that applies is used.
import { z } from 'zod';
import { errorSpec, type Delivery } from './graph/errors';

const selection = {
  /** the next `count` requests (default 1 when no ratio is given) */
  count: z.number().int().min(1).optional(),
  /** this share of requests, until the faults are cleared */
  ratio: z.number().gt(0).max(1).optional(),
  phone_number_id: z.string().min(1).optional(),
};
const oneSelection = <T extends { count?: number; ratio?: number }>(f: T) =>
  f.count === undefined || f.ratio === undefined;

export const SendFaultInputSchema = z
  .strictObject({
    code: z.number().int().min(0),
    delivery: z.enum(['sync', 'async']).optional(),
    ...selection,
    details: z.string().min(1).max(1000).optional(),
    http_status: z.number().int().min(400).max(599).optional(),
  })
  .refine(oneSelection, { message: 'give either count or ratio, not both' });
export type SendFaultInput = z.infer<typeof SendFaultInputSchema>;

export const LatencyFaultInputSchema = z
  .strictObject({
    latency_ms: z.number().int().min(1).max(600_000).optional(),
    /** no answer at all, until the caller gives up; the request then has no effect */
    hang: z.boolean().optional(),
    ...selection,
  })
  .refine(oneSelection, { message: 'give either count or ratio, not both' })
  .refine((f) => (f.latency_ms !== undefined) !== (f.hang === true), {
    message: 'give either latency_ms or hang: true',
  });
export type LatencyFaultInput = z.infer<typeof LatencyFaultInputSchema>;

interface Selection {
  id: string;
  /** requests left to affect; null for a ratio fault */
  remaining: number | null;
  ratio: number | null;
  phone_number_id: string | null;
}

export interface SendFault extends Selection {
  kind: 'send';
  code: number;
  delivery: Delivery;
  details: string | null;
  http_status: number | null;
}

export interface LatencyFault extends Selection {
  kind: 'latency';
  latency_ms: number | null;
  hang: boolean;
}

export interface Faults {
  add(input: SendFaultInput): SendFault;
  addLatency(input: LatencyFaultInput): LatencyFault;
  list(): readonly (SendFault | LatencyFault)[];
  clear(): void;
  /** the send fault that applies to this send, consuming one of its count */
  take(phoneNumberId: string): SendFault | undefined;
  /** the latency fault that applies to this Graph request (number unknown: only unscoped ones) */
  takeLatency(phoneNumberId: string | undefined): LatencyFault | undefined;
}

export function createFaults(random: () => number = Math.random): Faults {
  let faults: (SendFault | LatencyFault)[] = [];
  let sequence = 0;

  function selection(input: { count?: number; ratio?: number; phone_number_id?: string }): Selection {
    return {
      id: `flt_${++sequence}`,
      remaining: input.ratio === undefined ? (input.count ?? 1) : null,
      ratio: input.ratio ?? null,
      phone_number_id: input.phone_number_id ?? null,
    };
  }

  function takeOf<K extends (SendFault | LatencyFault)['kind']>(
    kind: K,
    phoneNumberId: string | undefined,
  ): Extract<SendFault | LatencyFault, { kind: K }> | undefined {
    for (const fault of faults) {
      if (fault.kind !== kind) continue;
      if (fault.phone_number_id !== null && fault.phone_number_id !== phoneNumberId) continue;
      if (fault.remaining !== null) {
        fault.remaining -= 1;
        if (fault.remaining <= 0) faults = faults.filter((f) => f !== fault);
        return fault as Extract<SendFault | LatencyFault, { kind: K }>;
      }
      if (fault.ratio !== null && random() < fault.ratio)
        return fault as Extract<SendFault | LatencyFault, { kind: K }>;
    }
    return undefined;
  }

  return {
    add(input) {
      const fault: SendFault = {
        kind: 'send',
        ...selection(input),
        code: input.code,
        delivery: input.delivery ?? errorSpec(input.code).usually,
        details: input.details ?? null,
        http_status: input.http_status ?? null,
      };
      faults.push(fault);
      return fault;
    },
    addLatency(input) {
      const fault: LatencyFault = {
        kind: 'latency',
        ...selection(input),
        latency_ms: input.latency_ms ?? null,
        hang: input.hang ?? false,
      };
      faults.push(fault);
      return fault;
    },
    list: () => faults,
    clear() {
      faults = [];
    },
    take: (phoneNumberId) => takeOf('send', phoneNumberId),
    takeLatency: (phoneNumberId) => takeOf('latency', phoneNumberId),
  };
}
