import { z } from "zod";

/** `POST /send-message` success: `{ success: true, data: { msgId, jid, status } }`. */
export const sendSuccessSchema = z.object({
  success: z.literal(true),
  data: z.looseObject({
    msgId: z.union([z.number(), z.string().min(1)]),
    jid: z.string().optional(),
    status: z.string().optional(),
  }),
});

/** `GET /messages/{msgId}/info`: the message with its WhatsApp key (field names vary; key.id first). */
export const messageInfoSchema = z.object({
  data: z.looseObject({
    key: z.looseObject({ id: z.string().min(1) }).optional(),
    messageId: z.string().min(1).optional(),
  }),
});

/** Any Wasender error body: `{ success?: false, message?, errors?, retry_after? }`. */
export const errorBodySchema = z.looseObject({
  success: z.boolean().optional(),
  message: z.string().optional(),
  errors: z.record(z.string(), z.union([z.array(z.string()), z.string()])).optional(),
  retry_after: z.number().optional(),
});
export type WasenderErrorBody = z.infer<typeof errorBodySchema>;

/** "to: The to field must be a valid phone number." from Wasender's `errors` map, else its message. */
export function describeErrorBody(body: WasenderErrorBody | undefined, fallback: string): string {
  if (!body) return fallback;
  const details = Object.entries(body.errors ?? {}).map(
    ([field, messages]) => `${field}: ${Array.isArray(messages) ? messages.join(" ") : messages}`,
  );
  const parts = [body.message, ...details].filter((part): part is string => Boolean(part));
  return parts.length > 0 ? parts.join("; ") : fallback;
}
