// A console's live connection: the api's WebSocket GET /v1/stream, authenticated the way a browser
// must (the token as a subprotocol beside `careline.inbox.v1`), frames collected as they arrive.
import { WebSocket } from 'ws';
import { z } from 'zod';

export const StreamEventSchema = z.looseObject({
  type: z.literal('event'),
  seq: z.number().int(),
  kind: z.string(),
  conversationId: z.string(),
  messageId: z.string().nullable(),
  actor: z.string(),
  facts: z.record(z.string(), z.string()),
  conversation: z.looseObject({ id: z.string(), status: z.string(), assignedTo: z.string().nullable(), teamId: z.string().nullable() }).nullable(),
  message: z.looseObject({ id: z.string(), direction: z.string(), content: z.looseObject({ type: z.string(), text: z.string().optional() }) }).nullable(),
});
export type StreamEvent = z.infer<typeof StreamEventSchema>;

export interface InboxStream {
  /** The negotiated subprotocol (the server must never echo the bearer one). */
  protocol: string;
  /** Every frame as parsed JSON, hello included. */
  frames: unknown[];
  events(): StreamEvent[];
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

/** Opens the stream; resolves once the server's hello frame arrived (the stream is subscribed). */
export async function openInboxStream(apiUrl: string, token: string, options: { after?: number } = {}): Promise<InboxStream> {
  const url = `${apiUrl.replace(/^http/, 'ws')}/v1/stream${options.after === undefined ? '' : `?after=${options.after}`}`;
  const socket = new WebSocket(url, ['careline.inbox.v1', `bearer.${token}`]);
  const frames: unknown[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const hello = new Promise<void>((resolve, reject) => {
    socket.on('message', (data: Buffer) => {
      const frame: unknown = JSON.parse(data.toString());
      frames.push(frame);
      if (z.object({ type: z.literal('hello') }).safeParse(frame).success) resolve();
    });
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode ?? 0}`)));
    void closed.then(({ code }) => reject(new Error(`closed before hello: ${code}`)));
  });
  await hello;
  return {
    protocol: socket.protocol,
    frames,
    events: () => frames.filter((f) => StreamEventSchema.safeParse(f).success).map((f) => StreamEventSchema.parse(f)),
    closed,
    async close() {
      socket.close();
      await closed;
    },
  };
}
