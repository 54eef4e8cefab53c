import { z } from "zod";

/** What kind of WhatsApp content a message carries; only text and captions drive the engine. */
export const contentKindSchema = z.enum(["text", "image", "video", "audio", "document", "sticker", "other"]);
export type ContentKind = z.infer<typeof contentKindSchema>;

/** An inbound message as the webhook understood it, before it is stored. */
export interface InboundMessage {
  waMessageId: string;
  from: string; // E.164
  customerName?: string;
  text: string;
  kind: ContentKind;
  sentAt?: Date;
  event: string;
  /**
   * "meta" when the customer wrote to the vendor's Cloud API number, "unipile" to its Unipile account:
   * the replies leave from it too.
   */
  channel?: "meta" | "unipile";
}

export const processingStateSchema = z.enum(["pending", "done", "skipped", "failed"]);

/** `vendors/{v}/conversations/{phone}/messages/{id}` with direction "inbound". */
export const inboundDocSchema = z.object({
  direction: z.literal("inbound"),
  vendorId: z.string(),
  wabaInstanceId: z.string(),
  waMessageId: z.string(),
  from: z.string(),
  customerName: z.string().optional(),
  text: z.string(),
  kind: contentKindSchema,
  event: z.string(),
  channel: z.enum(["meta", "unipile"]).optional(),
  processing: z.object({
    state: processingStateSchema,
    replyIds: z.array(z.string()).optional(),
    notices: z.array(z.object({ to: z.string(), id: z.string() })).optional(),
    reason: z.string().optional(),
  }),
});
export type InboundDoc = z.infer<typeof inboundDocSchema>;

export const outboundStatusSchema = z.enum(["queued", "sending", "sent", "failed"]);
export type OutboundStatus = z.infer<typeof outboundStatusSchema>;

/** What the backend says to a customer: text, or an image with the text as its caption. */
export const outboundContentSchema = z.object({
  text: z.string(),
  imageUrl: z.url().optional(),
  documentUrl: z.url().optional(),
});
export type OutboundContent = z.infer<typeof outboundContentSchema>;

/** `vendors/{v}/conversations/{phone}/messages/{id}` with direction "outbound". */
export const outboundDocSchema = outboundContentSchema.extend({
  direction: z.literal("outbound"),
  vendorId: z.string(),
  wabaInstanceId: z.string(),
  to: z.string(),
  /**
   * engine: a reply or a handoff notice; order: a payment thank-you, an expiry or cancellation notice;
   * api: POST /api/admin/.../messages; console: written straight into Firestore.
   */
  origin: z.enum(["engine", "order", "api", "console"]),
  inReplyTo: z.string().optional(),
  /** "meta" / "unipile": must leave from the number's Cloud API number / Unipile account (the customer wrote to it). */
  channel: z.enum(["meta", "unipile"]).optional(),
  status: outboundStatusSchema,
  attempts: z.number().int().nonnegative(),
  wasenderMsgId: z.union([z.number(), z.string()]).optional(),
});
export type OutboundDoc = z.infer<typeof outboundDocSchema>;

/**
 * An outbound message as a dashboard or an operator writes it straight into a conversation: only the
 * content is theirs; the backend fills in who sends it and to whom (the conversation's customer).
 */
export const vendorWrittenOutboundSchema = z.object({
  direction: z.literal("outbound"),
  text: z.string().trim().min(1, "must not be empty").max(4096),
  imageUrl: z.url({ protocol: /^https?$/ }).optional(),
  documentUrl: z.url({ protocol: /^https?$/ }).optional(),
  wabaInstanceId: z.string().min(1).optional(),
});
