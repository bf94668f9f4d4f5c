// Outside the 24-hour window WhatsApp accepts only approved templates: pick one (and its
// language), fill its placeholders and button values (checked against WhatsApp's rules as you
// type), see the message as the patient will read it, send it through the api.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { type ApiClient, ApiError } from '../api';
import {
  type SendTemplateBody,
  type TemplateValues,
  fieldsOf,
  preview,
  sendBody,
  templatesByName,
  validate,
} from '../model/template-form';
import type { Template } from '../schemas';
import { t } from '../messages';

interface Props {
  api: ApiClient;
  onSend: (body: Omit<SendTemplateBody, 'idempotencyKey'>) => Promise<void>;
}

export function TemplatePicker({ api, onSend }: Props) {
  const [templates, setTemplates] = useState<Template[] | null>(null);
  const [name, setName] = useState('');
  const [language, setLanguage] = useState('');
  const [values, setValues] = useState<TemplateValues>({});
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api.templates().then(
      (list) => setTemplates(list.items.filter((template) => template.status === 'approved')),
      () => setError(t.errors.network),
    );
  }, [api]);

  const byName = useMemo(() => templatesByName(templates ?? []), [templates]);
  const languages = byName.get(name) ?? [];
  const template = languages.find((candidate) => candidate.language === language) ?? languages[0];
  const problems = template === undefined ? {} : validate(template, values);
  const valid = template !== undefined && Object.keys(problems).length === 0;

  if (templates === null) return <p>{error ?? t.conversation.loading}</p>;
  if (templates.length === 0) return <p class="hint">{t.templates.none}</p>;

  const submit = async (event: Event) => {
    event.preventDefault();
    setTouched(true);
    if (!valid || template === undefined) return;
    setBusy(true);
    setError(null);
    try {
      const { idempotencyKey: _unused, ...body } = sendBody(template, values, '');
      await onSend(body);
      setValues({});
      setTouched(false);
    } catch (caught) {
      setError(caught instanceof ApiError ? t.errors.generic(caught.message) : t.errors.network);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="template-picker" onSubmit={(event) => void submit(event)} aria-labelledby="template-title">
      <h3 id="template-title">{t.templates.title}</h3>
      <div class="row-fields">
        <div class="field">
          <label for="tpl-name">{t.templates.choose}</label>
          <select
            id="tpl-name"
            name="template"
            value={name}
            onChange={(e) => {
              setName(e.currentTarget.value);
              setLanguage('');
              setValues({});
              setTouched(false);
            }}
          >
            <option value="">{t.templates.chooseOne}</option>
            {[...byName.keys()].map((templateName) => (
              <option key={templateName} value={templateName}>
                {templateName}
              </option>
            ))}
          </select>
        </div>
        {languages.length > 0 && (
          <div class="field">
            <label for="tpl-language">{t.templates.language}</label>
            <select
              id="tpl-language"
              name="language"
              value={template?.language ?? ''}
              onChange={(e) => setLanguage(e.currentTarget.value)}
            >
              {languages.map((candidate) => (
                <option key={candidate.language} value={candidate.language}>
                  {candidate.language}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>
      {template !== undefined && (
        <>
          <div class="template-fields">
            {fieldsOf(template).map((field) => {
              const problem = touched || values[field.key] !== undefined ? problems[field.key] : undefined;
              const id = `tpl-${field.key.replace(/[^A-Za-z0-9]/g, '-')}`;
              return (
                <div class="field" key={field.key}>
                  <label for={id}>{field.label}</label>
                  <input
                    id={id}
                    name={field.key}
                    value={values[field.key] ?? ''}
                    placeholder={field.example ?? ''}
                    aria-invalid={problem !== undefined}
                    aria-describedby={problem !== undefined ? `${id}-problem` : undefined}
                    onInput={(e) => setValues({ ...values, [field.key]: e.currentTarget.value })}
                  />
                  {problem !== undefined && (
                    <span class="field-problem" id={`${id}-problem`}>
                      {problem}
                    </span>
                  )}
                </div>
              );
            })}
          </div>
          <figure class="preview">
            <figcaption>{t.templates.preview}</figcaption>
            <p data-testid="template-preview">{preview(template, values)}</p>
          </figure>
          {error !== null && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" disabled={busy || (touched && !valid)}>
            {t.templates.send}
          </button>
        </>
      )}
    </form>
  );
}
