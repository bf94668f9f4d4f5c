// messaging's door to the gateway's WabaTemplateService: Meta's templates for one tenant (the
// gateway holds the channels' tokens and is the only component that calls Meta). A failed call is
// `service_unavailable`, never the gateway's message text.
import { credentials } from '@grpc/grpc-js';
import { type ListWabaTemplatesResponse, WabaTemplateServiceClient } from '@careline/contracts';
import { type Resource, fromGrpcError, metadataForCaller, unavailable } from '@careline/runtime';
import { type TemplateSource } from '../use-cases/templates';

export function createGatewayTemplateSource(options: { target: string; timeoutMs: number }): TemplateSource & { resource: Resource } {
  let client: InstanceType<typeof WabaTemplateServiceClient> | undefined;
  const connect = () => {
    client ??= new WabaTemplateServiceClient(options.target, credentials.createInsecure(), {
      'grpc.initial_reconnect_backoff_ms': 500,
      'grpc.max_reconnect_backoff_ms': 5000,
    });
    return client;
  };
  return {
    list: (tenantId) =>
      new Promise<ListWabaTemplatesResponse>((resolve, reject) => {
        connect().listWabaTemplates(
          { wabaId: '' },
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
                ? unavailable('service_unavailable', 'The gateway did not return the templates; try again shortly.', {
                    details: { service: 'gateway' },
                    cause: error,
                  })
                : domain,
            );
          },
        );
      }),
    resource: {
      name: 'gateway-client',
      start: () => Promise.resolve(),
      stop: () => {
        client?.close();
        client = undefined;
        return Promise.resolve();
      },
    },
  };
}
