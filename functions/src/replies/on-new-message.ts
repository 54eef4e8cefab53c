import { logger } from "firebase-functions";
import { replyToInbound, type ReplyDeps } from "./reply-to-inbound";
import { sendVendorMessage } from "./vendor-messages";

export interface MessagePath {
  vendorId: string;
  customer: string;
  messageId: string;
}

/** Every new conversation message: inbound ones get the engine's replies, vendor-written ones go out. */
export async function handleNewMessage(
  path: MessagePath,
  data: Record<string, unknown> | undefined,
  deps: ReplyDeps,
): Promise<void> {
  if (!data) return;
  if (data.direction === "inbound") {
    await replyToInbound(path.vendorId, path.customer, path.messageId, deps, data.receivedAt);
  } else if (data.direction === "outbound") {
    await sendVendorMessage(path.vendorId, path.customer, path.messageId, data, deps);
  } else {
    logger.warn("message without direction ignored", { ...path });
  }
}
