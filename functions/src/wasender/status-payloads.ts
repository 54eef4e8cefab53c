import { z } from "zod";
import { externalIdSchema, wellFormed } from "../model/common";
import { toDeliveryStatus, type DeliveryStatus } from "../model/delivery";

export const STATUS_EVENTS = ["messages.update", "message-receipt.update", "message.sent"];

export interface StatusUpdate {
  waMessageId: string;
  status: DeliveryStatus;
  fromMe: boolean;
  /** Wasender's reason, kept for an error status. */
  reason?: string;
}

const keySchema = z.looseObject({
  id: externalIdSchema,
  fromMe: z.boolean().optional(),
  remoteJid: z.string().optional(),
});

const messageUpdateSchema = z.looseObject({
  key: keySchema,
  update: z.looseObject({ status: z.union([z.number(), z.string()]) }),
});

const receiptSchema = z.looseObject({
  key: keySchema,
  receipt: z.looseObject({
    receiptTimestamp: z.number().nullish(),
    readTimestamp: z.number().nullish(),
    playedTimestamp: z.number().nullish(),
  }),
});

const sentSchema = z.looseObject({ key: keySchema, status: z.union([z.number(), z.string()]).nullish() });

function reasonOf(update: Record<string, unknown>): string | undefined {
  for (const field of ["reason", "error", "message", "errorMessage"]) {
    const value = update[field];
    if (typeof value === "string" && value.length > 0) return wellFormed(value.slice(0, 500));
  }
  const extra = Object.fromEntries(Object.entries(update).filter(([key]) => key !== "status"));
  return Object.keys(extra).length > 0 ? wellFormed(JSON.stringify(extra).slice(0, 500)) : undefined;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

export type StatusParse = { updates: StatusUpdate[]; invalid: string[] };

/** Reads every status the event carries: object or array forms, codes or names. */
export function statusUpdatesOf(event: string, data: unknown): StatusParse {
  const updates: StatusUpdate[] = [];
  const invalid: string[] = [];
  const items =
    event === "message-receipt.update" && data !== null && typeof data === "object" && "message" in data
      ? asList(data.message)
      : asList(data);
  items.forEach((item, index) => {
    if (event === "messages.update") {
      const parsed = messageUpdateSchema.safeParse(item);
      const status = parsed.success ? toDeliveryStatus(parsed.data.update.status) : undefined;
      if (!parsed.success || !status) {
        invalid.push(`item ${index}: expected { key: { id }, update: { status: 0-5 } }`);
        return;
      }
      const reason = status === "error" ? reasonOf(parsed.data.update) : undefined;
      updates.push({
        waMessageId: parsed.data.key.id,
        status,
        fromMe: parsed.data.key.fromMe ?? true,
        ...(reason && { reason }),
      });
    } else if (event === "message-receipt.update") {
      const parsed = receiptSchema.safeParse(item);
      if (!parsed.success) {
        invalid.push(`item ${index}: expected { key: { id }, receipt: { ... } }`);
        return;
      }
      const { receipt } = parsed.data;
      const status: DeliveryStatus = receipt.playedTimestamp ? "played" : receipt.readTimestamp ? "read" : "delivered";
      updates.push({ waMessageId: parsed.data.key.id, status, fromMe: parsed.data.key.fromMe ?? true });
    } else {
      const parsed = sentSchema.safeParse(item);
      if (!parsed.success) {
        invalid.push(`item ${index}: expected { key: { id } }`);
        return;
      }
      const status = toDeliveryStatus(parsed.data.status) ?? "sent";
      updates.push({ waMessageId: parsed.data.key.id, status, fromMe: parsed.data.key.fromMe ?? true });
    }
  });
  return { updates, invalid };
}
