import { logger } from "../shared/logger";
import { replyToInbound, type ReplyDeps } from "./reply-to-inbound";
import { sendVendorMessage } from "./vendor-messages";

export interface MessagePath {
  vendorId: string;
  customer: string;
  messageId: string;
}

/**
 * Events older than this are dropped: the trigger runs with retries, and a retry that comes this late
 * finds the sweep has already done its work.
 */
export const MAX_EVENT_AGE_MS = 60 * 60_000;

/** Every new conversation message: inbound ones get the engine's replies, vendor-written ones are queued. */
export async function handleNewMessage(
  path: MessagePath,
  data: Record<string, unknown> | undefined,
  deps: ReplyDeps,
  eventTime?: string,
): Promise<void> {
  if (!data) return;
  const age = eventTime ? Date.now() - Date.parse(eventTime) : 0;
  if (age > MAX_EVENT_AGE_MS) {
    logger.warn("message event too old; left to the sweep", { ...path, ageSeconds: Math.round(age / 1000) });
    return;
  }
  if (data.direction === "inbound") {
    await replyToInbound(path.vendorId, path.customer, path.messageId, deps, data.receivedAt);
  } else if (data.direction === "outbound") {
    await sendVendorMessage(path.vendorId, path.customer, path.messageId, data, deps);
  } else {
    logger.warn("message without direction ignored", { ...path });
  }
}
