// The release page's HTML: plain server-rendered pages, mobile first, one small stylesheet served
// by records itself (no script, no framework, no third-party asset), so the CSP can forbid
// everything else. Every interpolated value is escaped; pages never show clinical content before
// verification (the document's title appears only on the verified page).
import { type ShareEnd } from '../domain/share-status';

export const STYLESHEET_PATH = '/release/style.css';

export const STYLESHEET = `*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f6f8;color:#1b1f24}
main{max-width:28rem;margin:0 auto;padding:1.5rem 1rem}
.card{background:#fff;border-radius:12px;padding:1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h1{font-size:1.3rem;margin:0 0 .75rem}
p{margin:.5rem 0}
label{display:block;font-weight:600;margin:1rem 0 .35rem}
input{width:100%;font-size:1.1rem;padding:.7rem;border:1px solid #9aa4ae;border-radius:8px}
button,.button{display:block;width:100%;margin-top:1rem;padding:.8rem;font-size:1.05rem;font-weight:600;text-align:center;border:0;border-radius:8px;background:#0b6e4f;color:#fff;text-decoration:none}
.secondary{background:#e7ecef;color:#1b1f24}
.error{background:#fdecea;color:#8a1c12;padding:.6rem .8rem;border-radius:8px}
.note{color:#56606b;font-size:.9rem}
footer{text-align:center;color:#56606b;font-size:.8rem;margin-top:1.5rem}
`;

export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<main>
<div class="card">
${body}
</div>
<footer>Careline secure document release</footer>
</main>
</body>
</html>
`;
}

const base = (token: string): string => `/r/${encodeURIComponent(token)}`;

function attempts(left: number): string {
  return `<p class="note" data-attempts-left="${left}">${left} attempt${left === 1 ? '' : 's'} left.</p>`;
}

export function askDobPage(token: string, attemptsLeft: number, error?: string): string {
  return layout(
    'Your document',
    `<h1>A document is ready for you</h1>
<p>To protect your privacy, please confirm who you are. We will then send a one-time code to your WhatsApp.</p>
${error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(error)}</p>`}
<form method="post" action="${base(token)}/dob">
<label for="dob">Your date of birth</label>
<input id="dob" name="dob" type="date" required autocomplete="bday">
<button type="submit">Continue</button>
</form>
${attempts(attemptsLeft)}`,
  );
}

export function askCodePage(token: string, attemptsLeft: number, error?: string): string {
  return layout(
    'Enter your code',
    `<h1>Check your WhatsApp</h1>
<p>We sent you a 6-digit code. Enter it below. It expires in a few minutes.</p>
${error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(error)}</p>`}
<form method="post" action="${base(token)}/code">
<label for="code">One-time code</label>
<input id="code" name="code" inputmode="numeric" pattern="[0-9 ]{6,7}" maxlength="7" required autocomplete="one-time-code">
<button type="submit">Verify</button>
</form>
<form method="get" action="${base(token)}"><button class="secondary" type="submit">Start again</button></form>
${attempts(attemptsLeft)}`,
  );
}

export function verifiedPage(
  token: string,
  document: { title: string; contentType: string; sizeBytes: number },
): string {
  const kb = Math.max(1, Math.round(document.sizeBytes / 1024));
  return layout(
    'Your document',
    `<h1>Your document</h1>
<p id="document-title"><strong>${escapeHtml(document.title)}</strong></p>
<p class="note">${escapeHtml(document.contentType)} · ${kb} KB</p>
<a class="button" id="download" href="${base(token)}/document?download=1">Download</a>
<a class="button secondary" id="view" href="${base(token)}/document" target="_blank" rel="noopener noreferrer">View</a>
<p class="note">This page closes after a few minutes for your security. Do not forward the link.</p>`,
  );
}

const ENDED: Record<ShareEnd | 'not_found', { title: string; text: string }> = {
  expired: {
    title: 'This link has expired',
    text: 'For your security, links work for a limited time. Please ask your care team to share the document again.',
  },
  revoked: {
    title: 'This link is no longer available',
    text: 'Your care team withdrew this link. Please contact them if you still need the document.',
  },
  locked: {
    title: 'This link is locked',
    text: 'There were too many unsuccessful attempts, so we locked this link to protect you. Please contact your care team.',
  },
  notice_failed: {
    title: 'This link is not available',
    text: 'Please ask your care team to share the document again.',
  },
  not_found: {
    title: 'Link not found',
    text: 'This link is not valid. Please check that you opened the full link from your WhatsApp message.',
  },
};

export function unavailablePage(reason: ShareEnd | 'not_found'): string {
  const page = ENDED[reason];
  return layout(
    page.title,
    `<h1 data-reason="${reason}">${escapeHtml(page.title)}</h1>\n<p>${escapeHtml(page.text)}</p>`,
  );
}

export function sendFailedPage(token: string): string {
  return layout(
    'Please try again',
    `<h1>We could not send your code</h1>
<p>Please try again in a moment.</p>
<a class="button" href="${base(token)}">Try again</a>`,
  );
}

export function unverifiedPage(token: string): string {
  return layout(
    'Please confirm who you are',
    `<h1>Please confirm who you are</h1>
<p>Your session has ended. Confirm your identity again to see the document.</p>
<a class="button" href="${base(token)}">Continue</a>`,
  );
}
