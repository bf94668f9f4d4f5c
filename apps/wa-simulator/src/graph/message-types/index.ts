import { interactiveMessage } from './interactive';
import { locationMessage } from './location';
import { mediaMessages } from './media';
import { reactionMessage } from './reaction';
import { templateMessage } from './template';
import { textMessage } from './text';
import type { OutboundType } from './types';

export type { OutboundType, ParsedOutbound, SendContext } from './types';

/** The message types the simulator carries, by the request's `type`. */
export const OUTBOUND_TYPES: ReadonlyMap<string, OutboundType> = new Map(
  [textMessage, templateMessage, ...mediaMessages, interactiveMessage, locationMessage, reactionMessage].map(
    (t) => [t.type, t],
  ),
);

/**
 * Types Meta accepts that the simulator does not carry yet; a send of one is refused with 131051
 * and details that say so, rather than silently pretending to deliver it.
 */
export const NOT_YET_SIMULATED: ReadonlySet<string> = new Set(['contacts']);
