import { createHash, randomUUID } from "node:crypto";
import { resolveInstance } from "../messaging/provider";
import type { OutboundContent } from "../model/message";
import type { MessagingInstance } from "../model/waba-instance";
import type { AttemptScheduler } from "../outbound/dispatch";
import { queueOnce } from "../outbound/outbox";
import { errorResponse, type WebhookResponse } from "../http/handler";
import { readVendorConfig } from "../store/vendor-configs";

/** An `Idempotency-Key` a client may send with a message: 8-255 visible ASCII characters. */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{8,255}$/;

export type InstanceLookup =
  { ok: true; instance: MessagingInstance; deadlineMinutes?: number } | { ok: false; response: WebhookResponse };

/** The vendor's configured number, read fresh (an operator may just have edited it); a disconnected one is still its number. */
export async function vendorInstance(vendorId: string): Promise<InstanceLookup> {
  const config = await readVendorConfig(vendorId);
  if (!config.found)
    return { ok: false, response: errorResponse(404, "unknown_vendor", `Unknown vendor "${vendorId}".`) };
  const id = config.valid ? config.config.wabaInstanceId : config.wabaInstanceId;
  if (!id)
    return {
      ok: false,
      response: errorResponse(409, "no_instance", `vendor_configs/${vendorId} has no wabaInstanceId.`),
    };
  const resolution = await resolveInstance(vendorId, id, { fresh: true });
  if (!resolution.ok && !resolution.wait) {
    return {
      ok: false,
      response: errorResponse(409, "no_usable_instance", `Vendor "${vendorId}" has no usable number.`, {
        problems: [resolution.reason],
      }),
    };
  }
  return {
    ok: true,
    instance: resolution.instance,
    ...(config.valid && { deadlineMinutes: config.config.deliveryDeadlineMinutes }),
  };
}

export interface VendorMessage {
  vendorId: string;
  customer: string;
  content: OutboundContent;
  origin: "api" | "console";
  /** The client's key for this message: a retried request with it names the same message. */
  idempotencyKey?: string;
}

/**
 * A message the vendor starts (the admin API's `POST …/messages`, the console's reply), queued from
 * the vendor's number on the customer's conversation by the outbox's producer, like every other
 * outbound message; answered 202 at once (delivery, retries included, is the send task's, readable at
 * `path`). With an `Idempotency-Key`, the message id derives from it: a retried request is queued and
 * sent once, and the same key for another text is refused (409 `idempotency_key_reused`).
 */
export async function sendVendorMessage(
  message: VendorMessage,
  lookup: Extract<InstanceLookup, { ok: true }>,
  scheduler: AttemptScheduler,
): Promise<WebhookResponse> {
  const { vendorId, customer, content, origin, idempotencyKey: key } = message;
  const messageId =
    key === undefined
      ? `${origin}_${randomUUID()}`
      : `${origin}_${createHash("sha256").update(`${vendorId}\n${customer}\n${key}`).digest("hex").slice(0, 40)}`;
  const queued = await queueOnce(
    vendorId,
    customer,
    { messageId, wabaInstanceId: lookup.instance.id, origin, content },
    scheduler,
    lookup.deadlineMinutes,
  );
  if (!queued.created && queued.existing.text !== content.text)
    return errorResponse(
      409,
      "idempotency_key_reused",
      "This Idempotency-Key was used for another message: use a new key for a new message.",
    );
  return {
    status: 202,
    body: { ok: true, messageId, path: queued.path, status: "queued", ...(!queued.created && { replayed: true }) },
  };
}
