// Meta's media store: files businesses upload (`POST /{phone-number-id}/media`, kept 30 days) and
// files patients send (kept 7 days), readable by every token of the owning WABA. `GET /{media-id}`
// hands out a download URL that is signed, valid for `media_url_ttl_seconds` (Meta: 5 minutes) and
// answers only with a bearer token of that WABA, like Meta's lookaside URLs.
//
// Before an outbound media message is delivered, its media is checked the way Meta fetches it: an
// id must exist for the WABA and suit the kind; a link must answer 200 with an allowed type and
// size. A failure is the message's `failed` status with 131053.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock';
import type { Settings } from '../config';
import { GraphError } from '../graph/errors';
import type { IdGenerator } from '../ids';
import type { Business, MediaItem, Store } from '../store';
import {
  baseMimeType,
  kindOfMimeType,
  MEDIA_RULES,
  mediaProblem,
  type MediaKind,
  type MediaRef,
} from './rules';

const DAY_MS = 24 * 3600 * 1000;
export const BUSINESS_MEDIA_LIFETIME_MS = 30 * DAY_MS;
export const PATIENT_MEDIA_LIFETIME_MS = 7 * DAY_MS;

/** Meta's lookaside path, kept so URLs look like the ones Careline will meet. */
export const DOWNLOAD_PATH = '/whatsapp_business/attachments/';

export interface MediaInfo {
  messaging_product: 'whatsapp';
  url: string;
  mime_type: string;
  sha256: string;
  file_size: number;
  id: string;
}

export interface NewFile {
  bytes: Buffer;
  mimeType: string;
  filename: string | null;
}

export type DownloadResult = { ok: true; item: MediaItem } | { ok: false; status: 401 | 404; reason: string };

export interface MediaLibrary {
  /** a business upload; the declared MIME type decides the kind and its limits (131053 if not allowed) */
  upload(business: Business, file: NewFile): MediaItem;
  /** a file a patient sends to a business number; throws a plain Error naming the problem */
  storeFromPatient(business: Business, kind: MediaKind, file: NewFile): MediaItem;
  /** the media a caller of these WABAs may see, or 100/33 as Graph answers for an unknown object */
  find(
    id: string,
    wabaIds: ReadonlySet<string>,
    phoneNumberId: string | undefined,
    method: string,
  ): MediaItem;
  remove(item: MediaItem): void;
  info(item: MediaItem, baseUrl: string): MediaInfo;
  download(
    query: Record<string, unknown>,
    token: string | undefined,
    wabaIdsOf: (token: string) => Set<string>,
  ): DownloadResult;
  /** for the simulated phone, which is Meta's side and needs no token */
  get(id: string): MediaItem | undefined;
  /** checks every media reference of a message before delivery; the problem, or null */
  preflight(refs: readonly MediaRef[], business: Business): Promise<string | null>;
}

export interface MediaDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  settings: () => Settings;
  fetch: typeof fetch;
  /** aborted on reset and close, so no fetch outlives the state it was for */
  signal: () => AbortSignal;
}

export function sha256Base64(item: MediaItem): string {
  return Buffer.from(item.sha256_hex, 'hex').toString('base64');
}

export function createMediaLibrary(deps: MediaDeps): MediaLibrary {
  const { store, clock } = deps;
  const urlSecret = deps.ids.secret();

  function save(
    business: Business,
    file: NewFile,
    origin: MediaItem['origin'],
    lifetimeMs: number,
  ): MediaItem {
    const now = clock.now();
    const item: MediaItem = {
      id: deps.ids.graphId(),
      phone_number_id: business.phone_number_id,
      waba_id: business.waba_id,
      origin,
      mime_type: baseMimeType(file.mimeType),
      sha256_hex: createHash('sha256').update(file.bytes).digest('hex'),
      file_size: file.bytes.length,
      filename: file.filename,
      bytes: file.bytes,
      created_at: now,
      expires_at: now + lifetimeMs,
    };
    store.media.set(item.id, item);
    return item;
  }

  function live(id: string): MediaItem | undefined {
    const item = store.media.get(id);
    if (!item) return undefined;
    if (item.expires_at <= clock.now()) {
      store.media.delete(id);
      return undefined;
    }
    return item;
  }

  function signature(id: string, ext: string): Buffer {
    return createHmac('sha256', urlSecret).update(`${id}:${ext}`).digest().subarray(0, 16);
  }

  async function fetchLink(ref: MediaRef): Promise<string | null> {
    const link = ref.link!;
    const rules = MEDIA_RULES[ref.kind];
    try {
      const signal = AbortSignal.any([
        deps.signal(),
        AbortSignal.timeout(deps.settings().webhook_timeout_ms),
      ]);
      const response = await deps.fetch(link, { method: 'GET', redirect: 'follow', signal });
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => undefined);
        return `the ${ref.kind} link answered HTTP ${response.status}`;
      }
      const mimeType = baseMimeType(response.headers.get('content-type') ?? '');
      if (!rules.mimeTypes.includes(mimeType)) {
        await response.body?.cancel().catch(() => undefined);
        return `the ${ref.kind} link has content type ${mimeType || 'none'}, not one of ${rules.mimeTypes.join(', ')}`;
      }
      const bytes = new Uint8Array(await response.arrayBuffer());
      return mediaProblem(ref.kind, mimeType, bytes);
    } catch {
      return `the ${ref.kind} link could not be downloaded`;
    }
  }

  return {
    upload(business, file) {
      const kind = kindOfMimeType(file.mimeType);
      if (!kind) {
        throw new GraphError(131053, {
          details: `Param type must be a supported media type; ${baseMimeType(file.mimeType) || 'none'} is not one.`,
        });
      }
      const problem = mediaProblem(kind, file.mimeType, file.bytes);
      if (problem) throw new GraphError(131053, { details: problem });
      return save(business, file, 'business', BUSINESS_MEDIA_LIFETIME_MS);
    },

    storeFromPatient(business, kind, file) {
      // patients may send any kind of document; the other kinds follow the same rules as uploads
      const problem =
        kind === 'document'
          ? file.bytes.length > MEDIA_RULES.document.maxBytes
            ? `document may have at most ${MEDIA_RULES.document.maxBytes} bytes`
            : null
          : mediaProblem(kind, file.mimeType, file.bytes);
      if (problem) throw new Error(problem);
      return save(business, file, 'patient', PATIENT_MEDIA_LIFETIME_MS);
    },

    find(id, wabaIds, phoneNumberId, method) {
      const item = live(id);
      if (
        !item ||
        !wabaIds.has(item.waba_id) ||
        (phoneNumberId !== undefined && phoneNumberId !== item.phone_number_id)
      ) {
        throw new GraphError(100, {
          subcode: 33,
          details: `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
        });
      }
      return item;
    },

    remove(item) {
      store.media.delete(item.id);
    },

    info(item, baseUrl) {
      const ext = String(Math.floor(clock.now() / 1000) + deps.settings().media_url_ttl_seconds);
      const query = new URLSearchParams({
        mid: item.id,
        ext,
        hash: signature(item.id, ext).toString('base64url'),
      });
      return {
        messaging_product: 'whatsapp',
        url: `${baseUrl}${DOWNLOAD_PATH}?${query.toString()}`,
        mime_type: item.mime_type,
        // Meta's retrieve answer carries the hex digest; webhooks carry it base64 (as observed)
        sha256: item.sha256_hex,
        file_size: item.file_size,
        id: item.id,
      };
    },

    download(query, token, wabaIdsOf) {
      const mid = typeof query.mid === 'string' ? query.mid : '';
      const ext = typeof query.ext === 'string' ? query.ext : '';
      const hash = typeof query.hash === 'string' ? Buffer.from(query.hash, 'base64url') : Buffer.alloc(0);
      const expected = signature(mid, ext);
      if (hash.length !== expected.length || !timingSafeEqual(hash, expected))
        return { ok: false, status: 404, reason: 'unknown URL' };
      if (Number(ext) * 1000 <= clock.now()) return { ok: false, status: 404, reason: 'URL expired' };
      const item = live(mid);
      if (!item) return { ok: false, status: 404, reason: 'media deleted or expired' };
      if (token === undefined || !wabaIdsOf(token).has(item.waba_id))
        return { ok: false, status: 401, reason: 'a bearer token of the owning WABA is required' };
      return { ok: true, item };
    },

    get: live,

    async preflight(refs, business) {
      for (const ref of refs) {
        if (ref.id !== null) {
          const item = live(ref.id);
          if (!item || item.waba_id !== business.waba_id)
            return `the ${ref.kind} media id is unknown to this WABA or expired`;
          const problem = mediaProblem(ref.kind, item.mime_type, item.bytes);
          if (problem) return problem;
        } else if (ref.link !== null && deps.settings().media_link_fetch) {
          const problem = await fetchLink(ref);
          if (problem) return problem;
        }
      }
      return null;
    },
  };
}
