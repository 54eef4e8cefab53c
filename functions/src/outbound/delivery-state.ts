import { z } from "zod";
import { Timestamp } from "firebase-admin/firestore";

/**
 * The delivery state machine of one outbound message (pure: times are epoch milliseconds; the store
 * turns them into Firestore timestamps). README, "Delivery state machine":
 *
 *   queued ──claim──▶ sending ──sent──▶ sent
 *     │  ▲              │ └──fail──▶ failed
 *     │  │dispatch      └──retry / lease_expired──▶ retrying ──(due)──claim──▶ sending
 *     ├──wait──▶ waiting ──dispatch──▶ queued
 *     └──schedule──▶ scheduled ──(slot)──claim──▶ sending
 *
 * `generation` names the one task allowed to act on the message: every transition that hands the
 * message to a new task bumps it, so an old or duplicated task finds a newer generation and does nothing.
 */
export const deliveryStateSchema = z.enum(["queued", "waiting", "scheduled", "sending", "retrying", "sent", "failed"]);
export type DeliveryState = z.infer<typeof deliveryStateSchema>;

/** The message's coarse `status`, kept for queries and for readers that predate the delivery map. */
export function statusOf(state: DeliveryState): "queued" | "sending" | "sent" | "failed" {
  if (state === "sending" || state === "sent" || state === "failed") return state;
  return "queued";
}

export const TERMINAL: ReadonlySet<DeliveryState> = new Set(["sent", "failed"]);

export const deliveryErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  httpStatus: z.number().optional(),
});
export type DeliveryError = z.infer<typeof deliveryErrorSchema>;

const historyEntrySchema = z.object({ at: z.number(), event: z.string(), detail: z.string().optional() });
export type HistoryEntry = z.infer<typeof historyEntrySchema>;
/** Entries the message keeps, newest last: enough to read a retry story in the console. */
export const HISTORY_LENGTH = 12;

export const deliverySchema = z.object({
  state: deliveryStateSchema,
  generation: z.number().int().nonnegative(),
  attempts: z.number().int().nonnegative(),
  deadlineAt: z.number(),
  nextAttemptAt: z.number().optional(),
  /** A paced message's turn on its number's send line (README, "Pacing"). */
  slotAt: z.number().optional(),
  leaseExpiresAt: z.number().optional(),
  /** Whose turn it is in the conversation when this one waits behind it. */
  waitingFor: z.string().optional(),
  waitingReason: z.string().optional(),
  lastError: deliveryErrorSchema.optional(),
  /** The last error of each provider tried (a failover's story: why Wasender, then why Meta). */
  lastErrors: z.record(z.string(), deliveryErrorSchema).optional(),
  provider: z.string().optional(),
  possibleDuplicate: z.boolean().optional(),
  history: z.array(historyEntrySchema),
  /** When the delivery last changed: the sweep looks for messages that stopped moving. */
  changedAt: z.number().optional(),
});
export type Delivery = z.infer<typeof deliverySchema>;

export type DeliveryEvent =
  | { type: "dispatch" }
  | { type: "wait"; reason: string; waitingFor?: string }
  | { type: "schedule"; at: number }
  | { type: "claim"; leaseMs: number; provider: string }
  | { type: "sent"; providerMessageId: string | number }
  | { type: "retry"; at: number; error: DeliveryError; possibleDuplicate: boolean }
  | { type: "fail"; error: DeliveryError }
  | { type: "lease_expired" };

const FROM: Record<DeliveryEvent["type"], readonly DeliveryState[]> = {
  dispatch: ["queued", "waiting", "scheduled", "retrying"],
  wait: ["queued", "waiting", "scheduled", "retrying"],
  schedule: ["queued", "waiting", "retrying", "scheduled"],
  claim: ["queued", "scheduled", "retrying"],
  sent: ["sending"],
  retry: ["sending"],
  fail: ["queued", "waiting", "scheduled", "sending", "retrying"],
  lease_expired: ["sending"],
};

export class IllegalTransition extends Error {}

export function newDelivery(now: number, deadlineAt: number): Delivery {
  return { state: "queued", generation: 1, attempts: 0, deadlineAt, history: [{ at: now, event: "queued" }] };
}

function withHistory(delivery: Delivery, entry: HistoryEntry): HistoryEntry[] {
  return [...delivery.history, entry].slice(-HISTORY_LENGTH);
}

/** The one place a delivery changes state; refuses a transition the diagram does not have. */
export function transition(delivery: Delivery, event: DeliveryEvent, now: number): Delivery {
  if (!FROM[event.type].includes(delivery.state)) {
    throw new IllegalTransition(`${event.type} is not allowed from ${delivery.state}`);
  }
  const { nextAttemptAt: _n, leaseExpiresAt: _l, waitingFor: _w, waitingReason: _r, ...base } = delivery;
  switch (event.type) {
    case "dispatch":
      // A new task for the message; one that was waiting for its due time keeps it.
      return {
        ...base,
        state: delivery.state === "waiting" ? "queued" : delivery.state,
        generation: delivery.generation + 1,
        ...(delivery.nextAttemptAt !== undefined && { nextAttemptAt: delivery.nextAttemptAt }),
        history: withHistory(delivery, { at: now, event: "dispatched" }),
      };
    case "wait":
      return {
        ...base,
        state: "waiting",
        waitingReason: event.reason,
        ...(event.waitingFor && { waitingFor: event.waitingFor }),
        // A message that had a pending retry keeps its due time: it may not leave earlier when resumed.
        ...(delivery.nextAttemptAt !== undefined && { nextAttemptAt: delivery.nextAttemptAt }),
        history:
          delivery.state === "waiting" && delivery.waitingReason === event.reason
            ? delivery.history
            : withHistory(delivery, { at: now, event: "waiting", detail: event.reason }),
      };
    case "schedule":
      return {
        ...base,
        state: "scheduled",
        generation: delivery.generation + 1,
        nextAttemptAt: event.at,
        slotAt: event.at,
        history: withHistory(delivery, { at: now, event: "paced", detail: new Date(event.at).toISOString() }),
      };
    case "claim": {
      const { slotAt: _s, ...rest } = base;
      return {
        ...rest,
        state: "sending",
        attempts: delivery.attempts + 1,
        provider: event.provider,
        leaseExpiresAt: now + event.leaseMs,
        history: withHistory(delivery, {
          at: now,
          event: "sending",
          detail: `attempt ${delivery.attempts + 1} via ${event.provider}`,
        }),
      };
    }
    case "sent": {
      const { lastError: _e, ...rest } = base;
      return {
        ...rest,
        state: "sent",
        history: withHistory(delivery, { at: now, event: "sent", detail: String(event.providerMessageId) }),
      };
    }
    case "retry":
      return {
        ...base,
        state: "retrying",
        generation: delivery.generation + 1,
        nextAttemptAt: event.at,
        lastError: event.error,
        lastErrors: { ...delivery.lastErrors, [delivery.provider ?? "wasender"]: event.error },
        ...((event.possibleDuplicate || delivery.possibleDuplicate) && { possibleDuplicate: true }),
        history: withHistory(delivery, {
          at: now,
          event: "retry",
          detail: `${event.error.code}: ${event.error.message}`.slice(0, 300),
        }),
      };
    case "fail":
      return {
        ...base,
        state: "failed",
        lastError: event.error,
        ...(delivery.state === "sending" && {
          lastErrors: { ...delivery.lastErrors, [delivery.provider ?? "wasender"]: event.error },
        }),
        history: withHistory(delivery, {
          at: now,
          event: "failed",
          detail: `${event.error.code}: ${event.error.message}`.slice(0, 300),
        }),
      };
    case "lease_expired":
      // The sender stopped mid-send: the request may have been written, so it counts as ambiguous.
      return {
        ...base,
        state: "retrying",
        generation: delivery.generation + 1,
        nextAttemptAt: now,
        possibleDuplicate: true,
        lastError: { code: "lease_expired", message: "the sender stopped mid-send; WhatsApp may have the message" },
        history: withHistory(delivery, { at: now, event: "lease expired" }),
      };
  }
}

/** Fields of the delivery map stored as Firestore timestamps (readable dates in the console). */
const TIME_FIELDS = ["deadlineAt", "nextAttemptAt", "slotAt", "leaseExpiresAt", "changedAt"] as const;

/** The delivery map as stored: times as timestamps, `changedAt` stamped. */
export function encodeDelivery(delivery: Delivery, now: number): Record<string, unknown> {
  const stored: Record<string, unknown> = { ...delivery, changedAt: now };
  for (const field of TIME_FIELDS) {
    const value = stored[field];
    if (typeof value === "number") stored[field] = Timestamp.fromMillis(value);
  }
  stored.history = delivery.history.map((entry) => ({ ...entry, at: Timestamp.fromMillis(entry.at) }));
  return stored;
}

export function decodeDelivery(raw: unknown): Delivery | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  const copy: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  for (const field of TIME_FIELDS) {
    const value = copy[field];
    if (value instanceof Timestamp) copy[field] = value.toMillis();
  }
  if (Array.isArray(copy.history)) {
    copy.history = copy.history.map((entry: Record<string, unknown>) => ({
      ...entry,
      at: entry.at instanceof Timestamp ? entry.at.toMillis() : entry.at,
    }));
  }
  const parsed = deliverySchema.safeParse(copy);
  return parsed.success ? parsed.data : undefined;
}

/** The message fields a delivery change writes: the map and the coarse status beside it. */
export function deliveryFields(delivery: Delivery, now: number): Record<string, unknown> {
  return {
    delivery: encodeDelivery(delivery, now),
    status: statusOf(delivery.state),
    ...(delivery.possibleDuplicate && { possibleDuplicate: true }),
  };
}
