// Meta's verification handshake, performed when a callback URL is saved (fact sheet section 1):
// GET <url>?hub.mode=subscribe&hub.challenge=<int>&hub.verify_token=<token>; the receiver passes
// only if it answers 200 with exactly the challenge as the body. Meta refuses to save a URL that
// fails; the simulator records the outcome instead, so a test can assert it and a gateway that
// starts after the simulator can still be verified later (`POST /_sim/businesses/:id/verify-webhook`).
// Unlike Meta, plain http URLs are accepted: this runs on a developer's machine.
import type { Clock } from '../clock';
import type { IdGenerator } from '../ids';
import type { WebhookVerification } from '../store';

export interface HandshakeDeps {
  fetch: typeof fetch;
  ids: IdGenerator;
  clock: Clock;
  timeoutMs: number;
}

export async function performHandshake(
  webhookUrl: string,
  verifyToken: string,
  deps: HandshakeDeps,
): Promise<WebhookVerification> {
  const challenge = deps.ids.challenge();
  const url = new URL(webhookUrl);
  url.searchParams.set('hub.mode', 'subscribe');
  url.searchParams.set('hub.challenge', challenge);
  url.searchParams.set('hub.verify_token', verifyToken);
  const at = new Date(deps.clock.now()).toISOString();
  try {
    const response = await deps.fetch(url, {
      method: 'GET',
      headers: { 'user-agent': 'facebookplatform/1.0 (+http://developers.facebook.com)' },
      redirect: 'manual',
      signal: AbortSignal.timeout(deps.timeoutMs),
    });
    const body = await response.text();
    return {
      verified: response.status === 200 && body === challenge,
      at,
      url: webhookUrl,
      challenge,
      status_code: response.status,
      error: null,
    };
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? 'timeout' : 'no answer';
    return { verified: false, at, url: webhookUrl, challenge, status_code: null, error: reason };
  }
}
