import { logger } from "firebase-functions";
import { replyToInbound, type ReplyDeps } from "./reply-to-inbound";

export interface MessagePath {
  vendorId: string;
  customer: string;
  messageId: string;
}

/** Dispatches a newly created conversation message; outbound ones written by the engine are sent by it. */
export async function handleNewMessage(
  path: MessagePath,
  data: Record<string, unknown> | undefined,
  deps: ReplyDeps,
): Promise<void> {
  if (!data) return;
  if (data.direction === "inbound") {
    await replyToInbound(path.vendorId, path.customer, path.messageId, deps);
    return;
  }
  if (data.direction !== "outbound") {
    logger.warn("message without direction ignored", { ...path });
  }
}
