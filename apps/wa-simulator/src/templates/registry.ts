// The template registry: each WABA's templates, plus shared defaults (waba `*`) that every WABA
// sees unless it has its own template of that name and language. Changing a shared template for
// one WABA copies it into that WABA first, so the other WABAs keep theirs. A status change is
// announced the way Meta does, with a `message_template_status_update` webhook.
import type { IdGenerator } from '../ids';
import { templateKey, type Store } from '../store';
import { ControlError, notFound } from '../control/errors';
import type { Template, TemplateConfig, TemplatePatch, TemplateStatus } from './schema';

export interface TemplateStatusChange {
  template: Template;
  /** the WABA the change is for (a shared template changed for one WABA is copied there first) */
  wabaId: string;
  previous: TemplateStatus;
  reason: string | null;
}

export interface TemplateRegistry {
  /** the template a WABA sends under this name and language: its own, else the shared one */
  find(wabaId: string, name: string, language: string): Template | undefined;
  /** every template a WABA sees, or every registered template (shared ones with `waba_id: null`) */
  list(wabaId?: string): Template[];
  upsert(input: TemplateConfig): Template;
  patch(wabaId: string, name: string, language: string, patch: TemplatePatch): Template;
  /** removes the WABA's own template of that name and language */
  remove(wabaId: string, name: string, language: string): void;
}

/** A registered template from its configuration; Meta's ids are digits (15 here: JSON-number safe). */
export function toTemplate(input: TemplateConfig, ids: IdGenerator): Template {
  return {
    id: input.id ?? ids.graphId().slice(0, 15),
    waba_id: input.waba_id ?? null,
    name: input.name,
    language: input.language,
    category: input.category,
    status: input.status,
    components: input.components,
  };
}

export function createTemplateRegistry(deps: {
  store: Store;
  ids: IdGenerator;
  onStatusChange(change: TemplateStatusChange): void;
}): TemplateRegistry {
  const { store } = deps;

  function find(wabaId: string, name: string, language: string): Template | undefined {
    return (
      store.templates.get(templateKey(wabaId, name, language)) ??
      store.templates.get(templateKey(null, name, language))
    );
  }

  return {
    find,
    list(wabaId) {
      const all = [...store.templates.values()];
      if (wabaId === undefined) return all;
      const own = all.filter((t) => t.waba_id === wabaId);
      const shadowed = new Set(own.map((t) => `${t.name}:${t.language}`));
      return [...own, ...all.filter((t) => t.waba_id === null && !shadowed.has(`${t.name}:${t.language}`))];
    },
    upsert(input) {
      const template = toTemplate(input, deps.ids);
      const key = templateKey(template.waba_id, template.name, template.language);
      // replacing keeps Meta's id, so sends and webhooks keep referring to the same template
      const existing = store.templates.get(key);
      if (existing && input.id === undefined) template.id = existing.id;
      store.templates.set(key, template);
      return template;
    },
    patch(wabaId, name, language, patch) {
      const found = find(wabaId, name, language);
      if (!found) throw notFound('template');
      let template = found;
      if (template.waba_id === null) {
        template = { ...structuredClone(found), id: deps.ids.graphId().slice(0, 15), waba_id: wabaId };
        store.templates.set(templateKey(wabaId, name, language), template);
      }
      const previous = template.status;
      if (patch.category) template.category = patch.category;
      if (patch.status) template.status = patch.status;
      if (patch.status && patch.status !== previous)
        deps.onStatusChange({ template, wabaId, previous, reason: patch.reason ?? null });
      return template;
    },
    remove(wabaId, name, language) {
      const key = templateKey(wabaId, name, language);
      if (!store.templates.has(key)) {
        throw find(wabaId, name, language)
          ? new ControlError(
              409,
              'template_shared',
              'this WABA uses the shared template; change its status instead',
            )
          : notFound('template');
      }
      store.templates.delete(key);
    },
  };
}
