// messaging's door to the gateway's MediaService: a patient's media fetched from Meta (the gateway
// holds the numbers' tokens and is the only component that calls Meta). The answer is one gRPC
// message of up to 16 MiB, so the channel accepts messages that large. Careline refusals keep
// their code and retryability (`media_not_found` is final, `graph_unavailable` is retried); a
// gateway that cannot be reached is `service_unavailable`, retried.
import { credentials } from '@grpc/grpc-js';
import { type FetchMediaResponse, MediaServiceClient } from '@careline/contracts';
import { type Resource, fromGrpcError, metadataForCaller, unavailable } from '@careline/runtime';
import { type MediaSource } from '../use-cases/media';

/** Above the gateway's 16 MiB cap plus the message's own fields. */
const MAX_MESSAGE_BYTES = 20 * 1024 * 1024;

export function createGatewayMediaSource(options: { target: string; timeoutMs: number }): MediaSource & { resource: Resource } {
  let client: InstanceType<typeof MediaServiceClient> | undefined;
  const connect = () => {
    client ??= new MediaServiceClient(options.target, credentials.createInsecure(), {
      'grpc.initial_reconnect_backoff_ms': 500,
      'grpc.max_reconnect_backoff_ms': 5000,
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    });
    return client;
  };
  return {
    fetch: (tenantId, media) =>
      new Promise<FetchMediaResponse>((resolve, reject) => {
        connect().fetchMedia(
          { phoneNumberId: media.phoneNumberId, mediaId: media.mediaId },
          metadataForCaller({ tenantId, actor: 'service:messaging', roles: [] }),
          { deadline: new Date(Date.now() + options.timeoutMs) },
          (error, response) => {
            if (error === null) {
              resolve(response);
              return;
            }
            const domain = fromGrpcError(error);
            reject(
              domain.kind === 'unavailable' || domain.kind === 'internal'
                ? unavailable(domain.code.startsWith('upstream_') || domain.kind === 'internal' ? 'service_unavailable' : domain.code, 'The gateway did not return the media; try again shortly.', {
                    details: { service: 'gateway' },
                    cause: error,
                  })
                : domain,
            );
          },
        );
      }),
    resource: {
      name: 'gateway-media-client',
      start: () => Promise.resolve(),
      stop: () => {
        client?.close();
        client = undefined;
        return Promise.resolve();
      },
    },
  };
}
