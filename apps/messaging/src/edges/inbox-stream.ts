// WatchInbox over gRPC (server streaming): the caller from metadata, the use-case writing each
// event with backpressure, errors translated once (toGrpcStatus), and the loop stopped when the
// client cancels. Nothing of the events is logged (they carry patient data).
import { type InboxEvent, type WatchInboxRequest, type WatchInboxResponse } from '@careline/contracts';
import { type ServerWritableStream, type handleServerStreamingCall } from '@grpc/grpc-js';
import { type Logger, callerFromMetadata, isDomainError, toGrpcStatus } from '@careline/runtime';
import { type WatchInbox } from '../inbox/watch';
import { requireTenantCaller } from '../use-cases';

export function grpcInboxStream(watch: WatchInbox, logger: Logger): handleServerStreamingCall<WatchInboxRequest, WatchInboxResponse> {
  return (call: ServerWritableStream<WatchInboxRequest, WatchInboxResponse>) => {
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    call.once('cancelled', stop);
    call.once('close', stop);
    const write = (event: InboxEvent): Promise<void> =>
      new Promise((resolve) => {
        if (call.write({ event })) resolve();
        else {
          // resolve on drain, or when the call ends (the loop then sees the abort)
          const done = (): void => {
            call.off('drain', done);
            controller.signal.removeEventListener('abort', done);
            resolve();
          };
          call.once('drain', done);
          controller.signal.addEventListener('abort', done, { once: true });
        }
      });
    const run = async (): Promise<void> => {
      try {
        const caller = requireTenantCaller(callerFromMetadata(call.metadata));
        await watch(caller, call.request, { signal: controller.signal, write });
        if (!controller.signal.aborted) call.end();
      } catch (error) {
        if (controller.signal.aborted) return;
        if (!isDomainError(error) || error.kind === 'internal') logger.error({ err: error, method: call.getPath() }, 'grpc stream failed');
        call.emit('error', toGrpcStatus(error));
      }
    };
    void run();
  };
}
