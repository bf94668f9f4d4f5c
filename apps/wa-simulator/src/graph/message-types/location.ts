import { z } from 'zod';
import { optionalText, parseParams } from '../params';
import type { OutboundType } from './types';

// Meta's own examples quote the coordinates; numbers and numeric strings are both taken
const coordinate = (limit: number) =>
  z
    .union([
      z.number(),
      z
        .string()
        .regex(/^-?\d+(\.\d+)?$/)
        .transform(Number),
    ])
    .pipe(z.number().min(-limit).max(limit));

const LocationRequest = z.object({
  location: z.object({
    latitude: coordinate(90),
    longitude: coordinate(180),
    name: optionalText(1024),
    address: optionalText(1024),
  }),
});

export const locationMessage: OutboundType = {
  type: 'location',
  needsOpenWindow: true,
  parse: (body) => ({ content: parseParams(LocationRequest, body).location }),
};
