// The media object of Meta's send API (`image`, `document` … and media headers of templates and
// interactive messages): an uploaded `id` or a public `link`, never both, with a caption (not for
// audio and stickers) and, for documents, a filename. Whether the id exists and the file suits the
// kind is found out later, asynchronously, as Meta does (131053 in a `failed` status).
import { z } from 'zod';
import type { MediaKind, MediaRef } from '../../media/rules';
import { meta, optionalText } from '../params';

export const CAPTION_MAX = 1024;

const TAKES_CAPTION: Readonly<Record<MediaKind, boolean>> = {
  audio: false,
  sticker: false,
  image: true,
  video: true,
  document: true,
};

export function mediaObjectSchema(kind: MediaKind) {
  return z
    .object({
      id: z.string().min(1).optional(),
      link: z.string().min(1).optional(),
      caption: z.unknown().optional(),
      filename: z.string().min(1).max(240).optional(),
    })
    .superRefine((m, ctx) => {
      if (m.id === undefined && m.link === undefined) {
        ctx.addIssue({
          code: 'custom',
          input: m,
          ...meta(131008, "The parameter {path}['id'] or {path}['link'] is required."),
        });
      } else if (m.id !== undefined && m.link !== undefined) {
        ctx.addIssue({
          code: 'custom',
          input: m,
          ...meta(131009, 'Param {path} must have either id or link, not both.'),
        });
      } else if (m.link !== undefined && !isHttpUrl(m.link)) {
        ctx.addIssue({
          code: 'custom',
          path: ['link'],
          input: m.link,
          ...meta(131009, 'Param {path} must be a valid http or https URL.'),
        });
      }
      // a caption where the kind takes none is a parameter the type does not have
      if (m.caption !== undefined && !TAKES_CAPTION[kind]) {
        ctx.addIssue({
          code: 'custom',
          path: ['caption'],
          input: m.caption,
          ...meta(100, `Param {path} is not supported for ${kind} messages.`),
        });
      }
    })
    .pipe(
      z.object({
        id: z.string().optional(),
        link: z.string().optional(),
        caption: TAKES_CAPTION[kind] ? optionalText(CAPTION_MAX) : z.undefined().optional(),
        filename: z.string().optional(),
      }),
    )
    .transform((m): MediaRef => ({
      kind,
      id: m.id ?? null,
      link: m.link ?? null,
      caption: typeof m.caption === 'string' ? m.caption : null,
      filename: kind === 'document' ? (m.filename ?? null) : null,
    }));
}

function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol } = new URL(value);
  return protocol === 'http:' || protocol === 'https:';
}
