import { z } from 'zod';
import { locationKind, reactionKind } from './location';
import { mediaKinds } from './media';
import { buttonKind, interactiveKind } from './replies';
import { textKind } from './text';
import type { InboundKind } from './types';

export type { InboundContext, InboundKind } from './types';

/** Every kind a simulated patient can send, by its `type`. */
export const INBOUND_KINDS: ReadonlyMap<string, InboundKind<never>> = new Map(
  (
    [textKind, interactiveKind, buttonKind, ...mediaKinds, locationKind, reactionKind] as InboundKind<never>[]
  ).map((k) => [k.type, k]),
);

const common = {
  phone_number_id: z.string().min(1),
  /** the business message this one replies to (shown as a quote; webhook `context`) */
  context: z.strictObject({ message_id: z.string().min(1) }).optional(),
  /** creates the patient with this profile name if they were not registered */
  profile_name: z.string().min(1).max(256).optional(),
};

/** The request of `POST /_sim/patients/:waId/messages`; `type` defaults to text, as in the first version. */
export const PatientMessageSchema = z.preprocess(
  (v) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) && !('type' in v) ? { ...v, type: 'text' } : v,
  z.discriminatedUnion(
    'type',
    [...INBOUND_KINDS.values()].map((k) => z.strictObject({ ...common, ...k.fields })) as unknown as [
      z.ZodObject<typeof common & { type: z.ZodLiteral<string> }>,
      ...z.ZodObject<typeof common & { type: z.ZodLiteral<string> }>[],
    ],
  ),
);
export type PatientMessageRequest = z.infer<z.ZodObject<typeof common>> & { type: string } & Record<
    string,
    unknown
  >;
