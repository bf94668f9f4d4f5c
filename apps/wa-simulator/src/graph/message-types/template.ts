// Template messages: checked against the WABA's template registry (templates/hydrate.ts) and
// allowed outside the customer service window; priced by the template's category.
import { z } from 'zod';
import { hydrateTemplate, templateMedia, TemplateSendSchema } from '../../templates/hydrate';
import type { PricingCategory } from '../../store';
import type { TemplateCategory } from '../../templates/schema';
import { parseParams } from '../params';
import type { OutboundType } from './types';

const TemplateRequest = z.object({ template: TemplateSendSchema });

const CATEGORY: Readonly<Record<TemplateCategory, PricingCategory>> = {
  MARKETING: 'marketing',
  UTILITY: 'utility',
  AUTHENTICATION: 'authentication',
};

export const templateMessage: OutboundType = {
  type: 'template',
  needsOpenWindow: false,
  parse(body, context) {
    const { template } = parseParams(TemplateRequest, body);
    const registered = context.findTemplate(template.name, template.language.code);
    const rendered = hydrateTemplate(template, registered);
    return {
      content: (body as Record<string, unknown>).template,
      template: rendered,
      media: templateMedia(rendered),
      category: CATEGORY[rendered.category],
    };
  },
};
