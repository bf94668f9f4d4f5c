// The live inbox: the api's WebSocket /v1/stream. Browsers cannot set headers on a WebSocket, so
// the token rides as a subprotocol beside `careline.inbox.v1` (never in the URL: URLs end up in
// proxy logs). On a drop it reconnects with `?after=<last seq applied>` so nothing is missed or
// applied twice; close codes say what to do instead (apps/api/README.md, "Live stream").
import { StreamFrameSchema, type StreamEvent } from './schemas';

export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'stopped';

export interface StreamOptions {
  apiUrl: string;
  token: string;
  /** The seq to resume after (the reducer's lastSeq), read at each (re)connect. */
  resumeAfter: () => number | null;
  onEvent: (event: StreamEvent) => void;
  onStatus: (status: StreamStatus) => void;
  /** 4410: the resume point is older than the api keeps: reload the inbox, then it reconnects from now. */
  onResumeLost: () => void;
  /** 4401 or 4403: the token expired or is refused. */
  onAuthEnded: () => void;
}

export const CLOSE = { tokenExpired: 4401, forbidden: 4403, resumeLost: 4410 } as const;

/** 1 s, 2 s, 4 s … capped at 30 s, with jitter so that a restarted api is not hit by every console at once. */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5));
  return Math.round(base * (0.75 + random() * 0.5));
}

export function streamUrl(apiUrl: string, after: number | null): string {
  const ws = apiUrl.replace(/^http/, 'ws');
  return `${ws}/v1/stream${after === null ? '' : `?after=${after}`}`;
}

export function openStream(options: StreamOptions): { close(): void } {
  let socket: WebSocket | undefined;
  let attempt = 0;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let skipResume = false;

  const connect = () => {
    if (stopped) return;
    options.onStatus(attempt === 0 ? 'connecting' : 'reconnecting');
    const after = skipResume ? null : options.resumeAfter();
    skipResume = false;
    socket = new WebSocket(streamUrl(options.apiUrl, after), [
      'careline.inbox.v1',
      `bearer.${options.token}`,
    ]);
    socket.onmessage = (message: MessageEvent) => {
      if (typeof message.data !== 'string') return;
      let raw: unknown;
      try {
        raw = JSON.parse(message.data);
      } catch {
        return;
      }
      const frame = StreamFrameSchema.safeParse(raw);
      if (!frame.success) return;
      if (frame.data.type === 'hello') {
        attempt = 0;
        options.onStatus('live');
      } else options.onEvent(frame.data);
    };
    socket.onclose = (event: CloseEvent) => {
      socket = undefined;
      if (stopped) return;
      if (event.code === CLOSE.tokenExpired || event.code === CLOSE.forbidden) {
        stopped = true;
        options.onStatus('stopped');
        options.onAuthEnded();
        return;
      }
      if (event.code === CLOSE.resumeLost) {
        skipResume = true;
        options.onResumeLost();
      }
      options.onStatus('reconnecting');
      timer = setTimeout(connect, reconnectDelay(attempt++));
    };
  };
  connect();

  return {
    close() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      socket?.close(1000);
      options.onStatus('stopped');
    },
  };
}
