// The phone UI of wa-simulator: each simulated patient's WhatsApp as they see it, driven through
// the simulator's control API (`/_sim`). Plain browser JavaScript, no framework and no build step.
// Everything from the server is put in the page as text (textContent), never as HTML. The chat is
// polled once a second; it is re-drawn only when it changed.

const POLL_MS = 1000;

const state = {
  businesses: [],
  businessId: null,
  patients: [],
  waId: null,
  chat: [],
  chatKey: '',
  replyTo: null,
  marketingStopped: false,
  /** lists the patient opened: a re-draw (new statuses) must not close them */
  openLists: new Set(),
};

const $ = (id) => document.getElementById(id);

/** Creates an element with attributes and children (strings become text nodes). */
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'className') element.className = value;
    else if (name.startsWith('on')) element.addEventListener(name.slice(2).toLowerCase(), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!response.ok) throw new Error(json?.detail ?? `HTTP ${response.status}`);
  return json;
}

function showError(error) {
  $('error').textContent = error ? String(error.message ?? error) : '';
}

// --- businesses and patients ------------------------------------------------------------------

async function loadBusinesses() {
  const { data } = await api('GET', '/_sim/businesses');
  state.businesses = data;
  const select = $('business');
  const previous = state.businessId;
  select.replaceChildren(
    ...data.map((b) =>
      h('option', { value: b.phone_number_id }, `+${b.display_phone_number} (${b.phone_number_id})`),
    ),
  );
  state.businessId = data.some((b) => b.phone_number_id === previous)
    ? previous
    : (data[0]?.phone_number_id ?? null);
  if (state.businessId) select.value = state.businessId;
}

async function loadPatients() {
  const { data } = await api('GET', '/_sim/patients');
  state.patients = data;
  renderPatients();
}

function renderPatients() {
  $('patient-list').replaceChildren(
    ...state.patients.map((p) =>
      h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            'aria-current': p.wa_id === state.waId ? 'true' : 'false',
            onclick: () => openChat(p.wa_id),
          },
          h('span', {}, p.profile_name),
          h('span', { className: 'muted' }, `+${p.wa_id}${p.on_whatsapp ? '' : ' · not on WhatsApp'}`),
        ),
      ),
    ),
  );
}

async function openChat(waId) {
  state.waId = waId;
  state.chatKey = '';
  state.replyTo = null;
  renderQuote();
  const patient = state.patients.find((p) => p.wa_id === waId);
  $('chat-title').textContent = patient ? patient.profile_name : waId;
  $('chat-subtitle').textContent = `+${waId}`;
  $('phone').hidden = false;
  document.body.classList.add('chat-open');
  renderPatients();
  await refreshChat();
  $('composer-text').focus();
}

// --- the chat ---------------------------------------------------------------------------------

async function refreshChat() {
  if (!state.waId || !state.businessId) return;
  const [chat, patient] = await Promise.all([
    api('GET', `/_sim/patients/${state.waId}/chat?phone_number_id=${state.businessId}`),
    api('GET', `/_sim/patients/${state.waId}`),
  ]);
  const stopped = patient.marketing?.find((m) => m.phone_number_id === state.businessId)?.stopped ?? false;
  if (stopped !== state.marketingStopped) {
    state.marketingStopped = stopped;
    const button = $('marketing');
    button.textContent = stopped ? 'Resume marketing' : 'Stop marketing';
    button.setAttribute('aria-pressed', String(stopped));
  }
  const key = JSON.stringify(chat.data);
  if (key === state.chatKey) return;
  state.chatKey = key;
  state.chat = chat.data;
  renderChat();
}

function renderChat() {
  const list = $('messages');
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.replaceChildren(
    ...state.chat.map((entry) =>
      entry.direction === 'business' ? businessBubble(entry) : patientBubble(entry),
    ),
  );
  if (atBottom) list.scrollTop = list.scrollHeight;
}

function byId(id) {
  return state.chat.find((e) => e.id === id);
}

/** A short text for a message, for quotes and reactions. */
function summary(entry) {
  if (!entry) return 'a message';
  if (entry.direction === 'business') {
    if (entry.template) return entry.template.body;
    const c = entry.content ?? {};
    if (entry.type === 'text') return c.body;
    if (entry.type === 'interactive') return c.body?.text ?? 'interactive message';
    return entry.type;
  }
  const m = entry.message;
  if (m.type === 'text') return m.text.body;
  if (m.type === 'button') return m.button.text;
  if (m.type === 'interactive') return (m.interactive.button_reply ?? m.interactive.list_reply)?.title;
  return m.type;
}

function time(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function mediaUrl(media) {
  if (media.id) return `/_sim/media/${encodeURIComponent(media.id)}/content`;
  return media.link;
}

function mediaView(kind, media, caption) {
  const url = mediaUrl(media);
  const parts = [];
  if (kind === 'image' || kind === 'sticker') {
    parts.push(
      h(
        'a',
        { href: url, target: '_blank', rel: 'noopener' },
        h('img', { src: url, alt: caption || `${kind} sent` }),
      ),
    );
  } else if (kind === 'video') {
    parts.push(h('video', { src: url, controls: true, 'aria-label': caption || 'video' }));
  } else if (kind === 'audio') {
    parts.push(h('audio', { src: url, controls: true, 'aria-label': 'voice message or audio' }));
  } else {
    parts.push(
      h(
        'a',
        { href: url, target: '_blank', rel: 'noopener', className: 'document' },
        `📄 ${media.filename || 'document'}`,
      ),
    );
  }
  if (caption) parts.push(h('p', { className: 'text' }, caption));
  return parts;
}

/** The ticks the business sees for its message. */
function ticks(entry) {
  const labels = {
    accepted: 'accepted',
    sent: 'sent',
    delivered: 'delivered',
    read: 'read',
    failed: 'not delivered',
  };
  const marks = { accepted: '🕓', sent: '✓', delivered: '✓✓', read: '✓✓', failed: '⚠' };
  const label =
    entry.status === 'failed' && entry.failure
      ? `not delivered (${entry.failure.code})`
      : labels[entry.status];
  return h(
    'span',
    { className: `ticks ${entry.status}`, 'aria-label': `Status: ${label}`, title: label },
    entry.status === 'failed' && entry.failure ? `⚠ ${entry.failure.code}` : marks[entry.status],
  );
}

function tap(entry, body) {
  return async (event) => {
    event.currentTarget.disabled = true;
    try {
      await api('POST', `/_sim/patients/${state.waId}/messages`, {
        phone_number_id: state.businessId,
        context: { message_id: entry.id },
        ...body,
      });
      showError(null);
      await refreshChat();
    } catch (error) {
      showError(error);
    }
  };
}

function templateView(entry) {
  const t = entry.template;
  const parts = [];
  if (t.header) {
    if (t.header.format === 'TEXT') parts.push(h('p', { className: 'header' }, t.header.text));
    else if (t.header.format === 'LOCATION')
      parts.push(h('p', { className: 'header' }, `📍 ${t.header.location.name ?? 'Location'}`));
    else parts.push(...mediaView(t.header.format.toLowerCase(), t.header.media, null));
  }
  parts.push(h('p', { className: 'text' }, t.body));
  if (t.footer) parts.push(h('p', { className: 'footer' }, t.footer));
  if (t.buttons.length > 0) {
    parts.push(
      h(
        'div',
        { className: 'buttons', role: 'group', 'aria-label': 'Template buttons' },
        t.buttons.map((b) => {
          switch (b.type) {
            case 'QUICK_REPLY':
              return h(
                'button',
                { type: 'button', onclick: tap(entry, { type: 'button', button: { index: b.index } }) },
                b.text,
              );
            case 'URL':
              return h('a', { href: b.url, target: '_blank', rel: 'noopener' }, `🔗 ${b.text}`);
            case 'PHONE_NUMBER':
              return h('a', { href: `tel:${b.phone_number}` }, `📞 ${b.text}`);
            case 'OTP':
              return h(
                'button',
                {
                  type: 'button',
                  onclick: () => navigator.clipboard?.writeText(b.code ?? '').catch(() => undefined),
                },
                `📋 ${b.text}`,
              );
            default:
              return h('span', {}, b.text);
          }
        }),
      ),
    );
  }
  return parts;
}

function interactiveView(entry) {
  const c = entry.content;
  const parts = [];
  if (c.header) {
    if (c.header.type === 'text') parts.push(h('p', { className: 'header' }, c.header.text));
    else parts.push(...mediaView(c.header.type, c.header[c.header.type], null));
  }
  parts.push(h('p', { className: 'text' }, c.body?.text ?? ''));
  if (c.footer) parts.push(h('p', { className: 'footer' }, c.footer.text));
  if (c.type === 'button') {
    parts.push(
      h(
        'div',
        { className: 'buttons', role: 'group', 'aria-label': 'Reply buttons' },
        c.action.buttons.map((b) =>
          h(
            'button',
            {
              type: 'button',
              onclick: tap(entry, {
                type: 'interactive',
                interactive: { type: 'button_reply', id: b.reply.id },
              }),
            },
            b.reply.title,
          ),
        ),
      ),
    );
  } else if (c.type === 'list') {
    const open = state.openLists.has(entry.id);
    const rows = h(
      'div',
      { className: 'list-rows', hidden: !open, role: 'group', 'aria-label': c.action.button },
      c.action.sections.map((section) => [
        section.title ? h('h4', {}, section.title) : null,
        section.rows.map((row) =>
          h(
            'button',
            {
              type: 'button',
              onclick: tap(entry, { type: 'interactive', interactive: { type: 'list_reply', id: row.id } }),
            },
            h('span', {}, row.title),
            row.description ? h('small', {}, row.description) : null,
          ),
        ),
      ]),
    );
    const toggle = h(
      'button',
      {
        type: 'button',
        'aria-expanded': String(open),
        onclick: () => {
          rows.hidden = !rows.hidden;
          if (rows.hidden) state.openLists.delete(entry.id);
          else state.openLists.add(entry.id);
          toggle.setAttribute('aria-expanded', String(!rows.hidden));
        },
      },
      `☰ ${c.action.button}`,
    );
    parts.push(h('div', { className: 'buttons' }, toggle), rows);
  }
  return parts;
}

function businessContent(entry) {
  const c = entry.content ?? {};
  switch (entry.type) {
    case 'template':
      return templateView(entry);
    case 'interactive':
      return interactiveView(entry);
    case 'text':
      return [h('p', { className: 'text' }, c.body)];
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker':
      return mediaView(entry.type, c, c.caption);
    case 'location':
      return [
        h('p', { className: 'text' }, `📍 ${c.name ?? 'Location'}${c.address ? ` · ${c.address}` : ''}`),
        h('p', { className: 'footer' }, `${c.latitude}, ${c.longitude}`),
      ];
    case 'reaction':
      return [
        h(
          'p',
          { className: 'reaction' },
          c.emoji ? `reacted ${c.emoji} to “${summary(byId(c.message_id))}”` : 'removed a reaction',
        ),
      ];
    default:
      return [h('p', { className: 'text' }, `[${entry.type}]`)];
  }
}

function quoteOf(id) {
  return id ? h('div', { className: 'quote' }, summary(byId(id))) : null;
}

function businessBubble(entry) {
  const failed = entry.status === 'failed';
  return h(
    'li',
    {
      className: `bubble in${failed ? ' failed' : ''}`,
      'data-id': entry.id,
      'aria-label': 'Message from the business',
    },
    quoteOf(entry.context?.message_id),
    businessContent(entry),
    h(
      'div',
      { className: 'meta' },
      failed
        ? null
        : h(
            'span',
            { className: 'actions' },
            h(
              'button',
              { type: 'button', 'aria-label': 'Reply to this message', onclick: () => setReply(entry) },
              'Reply',
            ),
            h(
              'button',
              {
                type: 'button',
                'aria-label': 'React with a thumbs up',
                onclick: () => send({ type: 'reaction', reaction: { message_id: entry.id, emoji: '👍' } }),
              },
              '👍',
            ),
          ),
      h('time', { datetime: entry.at }, time(entry.at)),
      ticks(entry),
    ),
  );
}

function patientContent(m) {
  switch (m.type) {
    case 'text':
      return [h('p', { className: 'text' }, m.text.body)];
    case 'button':
      return [h('p', { className: 'text' }, m.button.text)];
    case 'interactive': {
      const reply = m.interactive.button_reply ?? m.interactive.list_reply;
      return [h('p', { className: 'text' }, reply.title)];
    }
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker':
      return mediaView(m.type, m[m.type], m[m.type].caption);
    case 'location':
      return [
        h('p', { className: 'text' }, `📍 ${m.location.name ?? 'My location'}`),
        h('p', { className: 'footer' }, `${m.location.latitude}, ${m.location.longitude}`),
      ];
    case 'reaction':
      return [
        h(
          'p',
          { className: 'reaction' },
          m.reaction.emoji
            ? `you reacted ${m.reaction.emoji} to “${summary(byId(m.reaction.message_id))}”`
            : 'you removed a reaction',
        ),
      ];
    default:
      return [h('p', { className: 'text' }, `[${m.type}]`)];
  }
}

function patientBubble(entry) {
  const read = entry.read_at !== null;
  return h(
    'li',
    { className: 'bubble out', 'data-id': entry.id, 'aria-label': 'Message from the patient' },
    quoteOf(entry.message.context?.id),
    patientContent(entry.message),
    h(
      'div',
      { className: 'meta' },
      h('time', { datetime: entry.at }, time(entry.at)),
      h(
        'span',
        {
          className: `ticks ${read ? 'read' : 'delivered'}`,
          'aria-label': read ? 'Read by the business' : 'Not read yet by the business',
        },
        '✓✓',
      ),
    ),
  );
}

// --- what the patient does --------------------------------------------------------------------

function setReply(entry) {
  state.replyTo = entry;
  renderQuote();
  $('composer-text').focus();
}

function renderQuote() {
  $('quote-bar').hidden = state.replyTo === null;
  $('quote-text').textContent = state.replyTo ? `Replying to: ${summary(state.replyTo)}` : '';
}

async function send(body) {
  try {
    await api('POST', `/_sim/patients/${state.waId}/messages`, {
      phone_number_id: state.businessId,
      ...(state.replyTo && body.type !== 'reaction' ? { context: { message_id: state.replyTo.id } } : {}),
      ...body,
    });
    if (body.type !== 'reaction') {
      state.replyTo = null;
      renderQuote();
    }
    showError(null);
    await refreshChat();
  } catch (error) {
    showError(error);
  }
}

function kindOf(file) {
  if (file.type === 'image/webp') return 'sticker';
  if (file.type.startsWith('image/')) return 'image';
  if (file.type.startsWith('video/')) return 'video';
  if (file.type.startsWith('audio/')) return 'audio';
  return 'document';
}

function readBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

async function attach(file) {
  const kind = kindOf(file);
  const caption = $('composer-text').value.trim();
  const body = {
    type: kind,
    media: {
      data_base64: await readBase64(file),
      mime_type: file.type || 'application/octet-stream',
      ...(kind === 'document' ? { filename: file.name } : {}),
    },
    ...(caption && kind !== 'audio' && kind !== 'sticker' ? { caption } : {}),
  };
  $('composer-text').value = '';
  await send(body);
}

function wire() {
  $('business').addEventListener('change', async (event) => {
    state.businessId = event.target.value;
    state.chatKey = '';
    await refreshChat().catch(showError);
  });
  $('add-patient').addEventListener('submit', async (event) => {
    event.preventDefault();
    const waId = $('new-wa-id').value.trim();
    const name = $('new-name').value.trim();
    try {
      await api('POST', '/_sim/patients', { wa_id: waId, ...(name ? { profile_name: name } : {}) });
      event.target.reset();
      await loadPatients();
      await openChat(waId);
    } catch (error) {
      showError(error);
    }
  });
  $('composer').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = $('composer-text');
    const text = input.value;
    if (!text.trim()) return;
    input.value = '';
    await send({ type: 'text', text });
  });
  $('attach').addEventListener('change', async (event) => {
    const [file] = event.target.files;
    event.target.value = '';
    if (file) await attach(file).catch(showError);
  });
  $('share-location').addEventListener('click', () =>
    send({ type: 'location', location: { latitude: 38.7369, longitude: -9.1427, name: 'My location' } }),
  );
  $('quote-cancel').addEventListener('click', () => {
    state.replyTo = null;
    renderQuote();
  });
  $('read-all').addEventListener('click', async () => {
    await api('POST', `/_sim/patients/${state.waId}/read`, { phone_number_id: state.businessId }).catch(
      showError,
    );
    await refreshChat().catch(showError);
  });
  $('marketing').addEventListener('click', async () => {
    const value = state.marketingStopped ? 'resume' : 'stop';
    await api('POST', `/_sim/patients/${state.waId}/marketing`, {
      phone_number_id: state.businessId,
      value,
    }).catch(showError);
    await refreshChat().catch(showError);
  });
  $('back').addEventListener('click', () => {
    state.waId = null;
    $('phone').hidden = true;
    document.body.classList.remove('chat-open');
    renderPatients();
  });
}

async function poll() {
  try {
    await refreshChat();
  } catch (error) {
    showError(error);
  }
  setTimeout(poll, POLL_MS);
}

async function start() {
  wire();
  try {
    await loadBusinesses();
    await loadPatients();
  } catch (error) {
    showError(error);
  }
  setInterval(() => loadPatients().catch(() => undefined), 5 * POLL_MS);
  setTimeout(poll, POLL_MS);
}

void start();
