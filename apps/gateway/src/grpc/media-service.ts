// gRPC edge of MediaService: a patient's media fetched from Meta with the receiving number's own
// token. Meta's media URLs live 5 minutes, so the URL is resolved (`GET /{media-id}`) and
// downloaded in one call, never cached or handed out. The bytes are checked against Meta's
// sha256 and a size cap before they leave. They are patient data: logs carry ids, sizes and
// kinds only. A Graph failure never carries Meta's text (it could echo a token-bearing URL).
import { createHash } from 'node:crypto';
import { type FetchMediaResponse, type MediaServiceHandlers } from '@careline/contracts';
import {
  type Logger,
  failedPrecondition,
  grpcUnary,
  invalidArgument,
  notFound,
  unavailable,
} from '@careline/runtime';
import { GraphApiError, type GraphClient } from '@careline/whatsapp';
import { requireTenantCaller } from '../channels/caller';
import { META_ID, type ChannelRegistry } from '../channels/registry';

/**
 * One gRPC message holds the whole media for now, so the cap is kept under the channel limits
 * callers configure (messaging: 20 MiB). Meta allows documents up to 100 MB; those fail with
 * `media_too_large` until the call streams chunks.
 */
export const MAX_MEDIA_BYTES = 16 * 1024 * 1024;

export function createMediaServiceHandlers(deps: {
  registry: ChannelRegistry;
  graph: Pick<GraphClient, 'getMedia' | 'downloadMedia'>;
  logger: Logger;
  /** Default MAX_MEDIA_BYTES; tests lower it. */
  maxBytes?: number;
}): MediaServiceHandlers {
  const maxBytes = deps.maxBytes ?? MAX_MEDIA_BYTES;
  const options = { logger: deps.logger };
  return {
    fetchMedia: grpcUnary(async (request, { caller }) => {
      const { tenantId } = requireTenantCaller(caller);
      if (!META_ID.test(request.phoneNumberId) || !META_ID.test(request.mediaId)) {
        throw invalidArgument('invalid_media_request', 'phone_number_id and media_id must be Meta ids (digits).');
      }
      const channel = deps.registry.byPhoneNumberId(request.phoneNumberId);
      // another tenant's number answers as an unknown one: its existence is not revealed
      if (channel === undefined || channel.tenantId !== tenantId) {
        throw notFound('channel_not_found', 'The number is not one of the tenant’s channels.');
      }
      const log = deps.logger.child({ tenant_id: tenantId, phone_number_id: channel.phoneNumberId, media_id: request.mediaId });
      const tooLarge = () =>
        failedPrecondition('media_too_large', 'The media is larger than Careline fetches.', { details: { maxBytes } });
      let content: Uint8Array;
      let mimeType: string;
      let declaredSha256: string;
      try {
        const info = await deps.graph.getMedia(request.mediaId, channel.accessToken, { phoneNumberId: channel.phoneNumberId });
        if (Number.isFinite(info.fileSize) && info.fileSize > maxBytes) throw tooLarge();
        content = (await deps.graph.downloadMedia(info.url, channel.accessToken)).bytes;
        mimeType = info.mimeType;
        declaredSha256 = info.sha256;
      } catch (error) {
        if (!(error instanceof GraphApiError)) throw error;
        log.warn({ kind: error.kind, retryable: error.retryable }, 'media fetch failed');
        if (error.reason === 'media too large') throw tooLarge();
        // 100 (unknown id) and 404s: Meta no longer has it (webhook media ids live 7 days)
        if (!error.retryable && (error.kind === 'invalid_request' || error.httpStatus === 404)) {
          throw notFound('media_not_found', 'WhatsApp does not have this media (unknown or expired id).');
        }
        throw unavailable('graph_unavailable', 'WhatsApp did not return the media; try again shortly.');
      }
      if (content.byteLength > maxBytes) throw tooLarge();
      const sha256 = createHash('sha256').update(content).digest('hex');
      if (!digestMatches(sha256, declaredSha256)) {
        log.warn({ size_bytes: content.byteLength }, 'media digest mismatch');
        throw unavailable('media_digest_mismatch', 'The media WhatsApp returned does not match its checksum; try again.');
      }
      log.info({ size_bytes: content.byteLength }, 'media fetched');
      const response: FetchMediaResponse = { content, mimeType, sha256, sizeBytes: content.byteLength, maxBytes };
      return response;
    }, options),
  };
}

/** Meta's sha256 is hex in `GET /{media-id}`; some webhook captures show base64. Either matches. */
export function digestMatches(hex: string, declared: string): boolean {
  if (declared === '') return true; // nothing declared: nothing to compare
  if (declared.toLowerCase() === hex) return true;
  return Buffer.from(hex, 'hex').toString('base64') === declared.trim();
}
