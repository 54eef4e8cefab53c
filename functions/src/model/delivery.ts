import { z } from "zod";

/** WhatsApp's view of an outbound message, as Wasender reports it (codes 0-5). */
export const deliveryStatusSchema = z.enum(["error", "pending", "sent", "delivered", "read", "played"]);
export type DeliveryStatus = z.infer<typeof deliveryStatusSchema>;

const RANK: Record<DeliveryStatus, number> = { error: 0, pending: 1, sent: 2, delivered: 3, read: 4, played: 5 };
const BY_CODE: DeliveryStatus[] = ["error", "pending", "sent", "delivered", "read", "played"];
/** Baileys' names, which one Wasender client library sends instead of codes. */
const BY_NAME: Record<string, DeliveryStatus> = {
  error: "error",
  pending: "pending",
  server_ack: "sent",
  sent: "sent",
  delivery_ack: "delivered",
  delivered: "delivered",
  read: "read",
  played: "played",
};

export function toDeliveryStatus(raw: unknown): DeliveryStatus | undefined {
  if (typeof raw === "number" && Number.isInteger(raw)) return BY_CODE[raw];
  if (typeof raw === "string") {
    const trimmed = raw.trim();
    if (/^\d$/.test(trimmed)) return BY_CODE[Number(trimmed)];
    return BY_NAME[trimmed.toLowerCase()];
  }
  return undefined;
}

/**
 * Statuses only move forward: a late "delivered" never overwrites "read". An error counts only
 * before delivery (after it, the message evidently arrived); any positive status past "pending"
 * overrides an earlier error.
 */
export function advances(current: DeliveryStatus | undefined, next: DeliveryStatus): boolean {
  if (current === undefined) return true;
  if (next === "error") return current !== "error" && RANK[current] <= RANK.sent;
  return RANK[next] > RANK[current];
}
