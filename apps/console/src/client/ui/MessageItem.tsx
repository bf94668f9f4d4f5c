// One message of the thread, laid out from its view model (model/message-view.ts). Patient media
// is fetched through the api with the token (GET …/media) and shown from an object URL, so the
// page never links to a URL that works without the token.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api';
import { messageView } from '../model/message-view';
import type { Message } from '../schemas';
import { t } from '../messages';

export function MessageItem({ api, message }: { api: ApiClient; message: Message }) {
  const view = messageView(message);
  const body = view.body;
  return (
    <li
      class={`message from-${view.side}${view.ticks === 'failed' ? ' failed' : ''}`}
      data-message-id={view.id}
      data-ticks={view.ticks}
    >
      <span class="visually-hidden">
        {view.side === 'patient' ? t.message.fromPatient : t.message.fromHospital}:{' '}
      </span>
      {body.kind === 'text' && <p class="text">{body.text}</p>}
      {body.kind === 'media' && <Media api={api} message={message} body={body} />}
      {body.kind === 'location' && (
        <p class="location">
          <strong>{body.label}</strong> <span>{body.coordinates}</span>{' '}
          <a href={body.mapUrl} target="_blank" rel="noopener noreferrer">
            {t.message.openMap}
          </a>
        </p>
      )}
      {body.kind === 'reply' && (
        <p class="reply-to">
          <span class="label">{body.label}:</span> <strong>{body.title}</strong>
        </p>
      )}
      {body.kind === 'reaction' && <p class="reaction">{body.label}</p>}
      {body.kind === 'note' && (
        <div class="structured">
          <p class="label">{body.label}</p>
          {body.text !== null && <p class="text">{body.text}</p>}
          {body.options.length > 0 && (
            <ul class="options">
              {body.options.map((option) => (
                <li key={option}>{option}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      {body.kind === 'unsupported' && <p class="unsupported">{body.label}</p>}
      <footer>
        {view.at !== null && <time dateTime={view.at}>{new Date(view.at).toLocaleString()}</time>}
        {view.tickLabel !== null && (
          <span class={`ticks ticks-${view.ticks}`} data-testid="ticks" title={view.tickLabel}>
            <span aria-hidden="true">{TICK_GLYPHS[view.ticks]}</span>
            <span class="visually-hidden">{view.tickLabel}</span>
          </span>
        )}
      </footer>
      {view.failure !== null && (
        <p class="failure" role="note">
          {view.failure}
        </p>
      )}
    </li>
  );
}

const TICK_GLYPHS: Record<string, string> = {
  queued: '🕓',
  sent: '✓',
  delivered: '✓✓',
  read: '✓✓',
  failed: '⚠',
};

type MediaBody = Extract<ReturnType<typeof messageView>['body'], { kind: 'media' }>;

function Media({ api, message, body }: { api: ApiClient; message: Message; body: MediaBody }) {
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  const urlRef = useRef<string | null>(null);

  const load = async (): Promise<string | null> => {
    try {
      const blob = await api.media(message.conversationId, message.id);
      const objectUrl = URL.createObjectURL(blob);
      urlRef.current = objectUrl;
      setUrl(objectUrl);
      return objectUrl;
    } catch {
      setFailed(true);
      return null;
    }
  };

  useEffect(() => {
    if (body.inlineImage) void load();
    // once stored (it may arrive pending and be fetched later), shown; object URLs hold the bytes until revoked
    return () => {
      if (urlRef.current !== null) URL.revokeObjectURL(urlRef.current);
    };
  }, [message.id, body.inlineImage]);

  const download = async () => {
    const objectUrl = url ?? (await load());
    if (objectUrl === null) return;
    const link = document.createElement('a');
    link.href = objectUrl;
    link.download = body.filename ?? 'attachment';
    link.click();
  };

  return (
    <div class="media">
      <p class="label">
        {body.label}
        {body.filename !== null && <span class="filename"> — {body.filename}</span>}
      </p>
      {body.inlineImage && url !== null && <img src={url} alt={body.caption ?? body.label} />}
      {body.caption !== null && <p class="text">{body.caption}</p>}
      {body.notice !== null && <p class="hint">{body.notice}</p>}
      {failed && <p class="hint">{t.message.mediaFailed}</p>}
      {body.downloadable && (
        <button type="button" class="link" onClick={() => void download()}>
          {t.message.download}
        </button>
      )}
    </div>
  );
}
