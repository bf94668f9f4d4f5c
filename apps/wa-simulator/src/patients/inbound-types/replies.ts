// Taps on what the business sent: an interactive reply button (`button_reply`), a list row
// (`list_reply`), or a template's quick-reply button (`type: "button"`, payload and text). Each
// must name a button the quoted message has; the title, description and payload come from it.
import { z } from 'zod';
import { ControlError } from '../../control/errors';
import type { OutboundMessage } from '../../store';
import type { InboundContext, InboundKind } from './types';

const noSuchButton = (what: string) =>
  new ControlError(422, 'unknown_button', `the quoted message has no such ${what}`);

interface ButtonsContent {
  type: 'button';
  action: { buttons: { reply: { id: string; title: string } }[] };
}
interface ListContent {
  type: 'list';
  action: { sections: { rows: { id: string; title: string; description?: string }[] }[] };
}

function interactiveContent(quoted: OutboundMessage | undefined): ButtonsContent | ListContent {
  if (quoted?.type !== 'interactive')
    throw new ControlError(422, 'not_interactive', 'context.message_id is not an interactive message');
  // stored as the business sent it, after the send API validated it
  return quoted.content as ButtonsContent | ListContent;
}

export const interactiveFields = {
  type: z.literal('interactive'),
  interactive: z.strictObject({
    type: z.enum(['button_reply', 'list_reply']),
    /** the id of the tapped button or list row */
    id: z.string().min(1),
  }),
};

export const interactiveKind: InboundKind<z.infer<z.ZodObject<typeof interactiveFields>>> = {
  type: 'interactive',
  fields: interactiveFields,
  needsContext: true,
  build(request, context: InboundContext) {
    const content = interactiveContent(context.quoted);
    const { id } = request.interactive;
    if (request.interactive.type === 'button_reply') {
      if (content.type !== 'button') throw noSuchButton('reply button');
      const button = content.action.buttons.find((b) => b.reply.id === id);
      if (!button) throw noSuchButton('reply button');
      return {
        type: 'interactive',
        interactive: { type: 'button_reply', button_reply: { id, title: button.reply.title } },
      };
    }
    if (content.type !== 'list') throw noSuchButton('list row');
    const row = content.action.sections.flatMap((s) => s.rows).find((r) => r.id === id);
    if (!row) throw noSuchButton('list row');
    return {
      type: 'interactive',
      interactive: {
        type: 'list_reply',
        list_reply: {
          id,
          title: row.title,
          ...(row.description === undefined ? {} : { description: row.description }),
        },
      },
    };
  },
};

export const buttonFields = {
  type: z.literal('button'),
  /** the template's quick-reply button, by its index or by its text */
  button: z
    .strictObject({ index: z.number().int().min(0).max(9).optional(), text: z.string().min(1).optional() })
    .refine((b) => b.index !== undefined || b.text !== undefined, 'give the button index or text'),
};

export const buttonKind: InboundKind<z.infer<z.ZodObject<typeof buttonFields>>> = {
  type: 'button',
  fields: buttonFields,
  needsContext: true,
  build(request, context) {
    const template = context.quoted?.template;
    if (!template)
      throw new ControlError(422, 'not_template', 'context.message_id is not a template message');
    const button = template.buttons.find(
      (b) =>
        b.type === 'QUICK_REPLY' &&
        (request.button.index === undefined || b.index === request.button.index) &&
        (request.button.text === undefined || b.text === request.button.text),
    );
    if (button?.type !== 'QUICK_REPLY') throw noSuchButton('quick-reply button');
    return { type: 'button', button: { payload: button.payload, text: button.text } };
  },
};
