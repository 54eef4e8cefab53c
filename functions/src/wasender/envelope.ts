import { z } from "zod";

/** Every Wasender webhook body: `{ event, timestamp?, sessionId?, data }`. */
export const envelopeSchema = z.looseObject({
  event: z.string().min(1),
  timestamp: z.number().optional(),
  sessionId: z.string().optional(),
  data: z.unknown(),
});
export type Envelope = z.infer<typeof envelopeSchema>;
