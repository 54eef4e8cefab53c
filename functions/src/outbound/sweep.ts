import { FieldValue, Timestamp, type Transaction } from "firebase-admin/firestore";
import { logger } from "../shared/logger";
import { resolveInstance, toChannel } from "../messaging/provider";
import { failoverOf } from "../model/waba-instance";
import { firestore } from "../shared/firestore";
import { conversationOf, conversationRef, OUTBOUND, outboundRef } from "../store/conversation-paths";
import type { Dispatch, OutboundDeps } from "./dispatch";
import { decodeDelivery, type Delivery, deliveryFields, TERMINAL, transition } from "./delivery-state";
import { linkOutbound } from "./links";
import { isPacedWait, lineMoves } from "./send-line";

/** A message that has not moved for this long while it should have has lost its task. */
export const STALE_MS = 2 * 60_000;
const BATCH = 200;
/** Lookups of a WhatsApp id tried before the message is left unlinked (its statuses then never land). */
const MAX_LINK_ATTEMPTS = 10;

/**
 * Gives a conversation's outbound queue its task back when it lost it: the head message was queued
 * but its task never ran, its retry time passed long ago, its sender died mid-send (lease expired),
 * or it waits for a number that is connected again. Ended or missing ids at the front are dropped.
 * Idempotent: a head that has a live task is left alone, and every dispatch bumps the generation, so
 * a lost task that turns up later does nothing.
 */
export async function redriveConversation(
  vendorId: string,
  customer: string,
  deps: OutboundDeps,
  options: { staleMs?: number } = {},
): Promise<boolean> {
  const staleMs = options.staleMs ?? STALE_MS;
  const convRef = conversationRef(vendorId, customer);
  const dispatches = await firestore().runTransaction(async (tx) => {
    const now = Date.now();
    const conversation = await tx.get(convRef);
    const outbox =
      (conversation.get("outbox") as unknown[] | undefined)?.filter((id): id is string => typeof id === "string") ?? [];
    const dropped: string[] = [];
    let head: { id: string; delivery: Delivery; wabaInstanceId: string } | undefined;
    for (const id of outbox.slice(0, 10)) {
      const snap = await tx.get(outboundRef(vendorId, customer, id));
      const delivery = snap.exists ? decodeDelivery(snap.get("delivery")) : undefined;
      if (!delivery || TERMINAL.has(delivery.state)) {
        dropped.push(id);
        continue;
      }
      head = { id, delivery, wabaInstanceId: String(snap.get("wabaInstanceId")) };
      break;
    }
    const out: Dispatch[] = [];
    if (head) {
      const next = await redriven(tx, head.delivery, now, staleMs, vendorId, head.wabaInstanceId);
      if (next) {
        tx.update(outboundRef(vendorId, customer, head.id), deliveryFields(next, now));
        out.push({
          vendorId,
          customer,
          messageId: head.id,
          generation: next.generation,
          ...(next.nextAttemptAt !== undefined && { at: next.nextAttemptAt }),
        });
      }
    }
    if (dropped.length > 0) tx.update(convRef, { outbox: FieldValue.arrayRemove(...dropped) });
    return out;
  });
  await deps.scheduler.schedule(dispatches);
  if (dispatches.length > 0)
    logger.info("outbound re-driven", {
      vendorId,
      messageId: dispatches[0]!.messageId,
      generation: dispatches[0]!.generation,
    });
  return dispatches.length > 0;
}

/** The head's new delivery when it needs a task again, else undefined (it has a live one, or must wait). */
async function redriven(
  tx: Transaction,
  delivery: Delivery,
  now: number,
  staleMs: number,
  vendorId: string,
  wabaInstanceId: string,
): Promise<Delivery | undefined> {
  const changedAt = delivery.changedAt ?? 0;
  switch (delivery.state) {
    case "sending":
      return (delivery.leaseExpiresAt ?? 0) <= now ? transition(delivery, { type: "lease_expired" }, now) : undefined;
    case "queued":
      return changedAt <= now - staleMs ? transition(delivery, { type: "dispatch" }, now) : undefined;
    case "scheduled":
    case "retrying":
      // Overdue, and not given a task within the window either: a sweep that finds the conversation
      // again (through a reply waiting behind this head) leaves the task it gave last time its chance,
      // so a queue that lags never sees its tasks made stale one sweep after another.
      return (delivery.nextAttemptAt ?? 0) <= now - staleMs && changedAt <= now - staleMs
        ? transition(delivery, { type: "dispatch" }, now)
        : undefined;
    case "waiting": {
      // Past its deadline it gets a task, whose claim fails it with the reason (and the alert), even
      // if its number never comes back.
      if (now > delivery.deadlineAt) return transition(delivery, { type: "dispatch" }, now);
      // Waiting for a number that is still down: nothing to do until it reconnects.
      // (A number with a Meta failover does not wait for it: its messages go through Meta.)
      const resolution = await resolveInstance(vendorId, wabaInstanceId);
      if (!resolution.ok && resolution.wait && !failoverOf(resolution.instance)) return undefined;
      // Waiting its turn on a line whose holder still uses it: the turn comes to it. On a dead or idle
      // line it gets a task, whose claim takes the turn or hands it to the oldest waiter.
      if (isPacedWait(delivery) && (await lineMoves(tx, wabaInstanceId))) return undefined;
      return transition(delivery, { type: "dispatch" }, now);
    }
    default:
      return undefined;
  }
}

/** Conversations (vendor, customer) of the given message documents, each once. */
function conversationsOf(docs: FirebaseFirestore.QueryDocumentSnapshot[]): { vendorId: string; customer: string }[] {
  const seen = new Map<string, { vendorId: string; customer: string }>();
  for (const doc of docs) {
    seen.set(doc.ref.parent.parent!.path, conversationOf(doc.ref));
  }
  return [...seen.values()];
}

/**
 * States of a head that has (or had) a task or a lease of its own: unchanged past the cutoff, it lost
 * it. Looked at before the waiting messages, which may be many (a backlog behind a head, or for a number
 * that is down) and are rarely the ones to act on.
 */
const MOVING_STATES = ["queued", "scheduled", "retrying", "sending"];
const WAITING_STATES = ["waiting"];
/** One sweep stops paging after this long (the scheduled run has 300 s); the next one goes on. */
const SWEEP_BUDGET_MS = 200_000;

/** Outbound messages in these delivery states, unchanged since the cutoff, oldest change first. */
function staleInStates(states: string[], cutoff: Timestamp) {
  return firestore()
    .collectionGroup(OUTBOUND)
    .where("delivery.state", "in", states)
    .where("delivery.changedAt", "<=", cutoff);
}

export interface SweepOptions {
  staleMs?: number;
  /** Messages read per query page (a test sets a small one). */
  pageSize?: number;
}

/**
 * Outbound messages that stopped moving (queued, scheduled, retrying, sending or waiting, unchanged for
 * `staleMs`): their conversations are re-driven, each once. Every stale message is looked at, page after
 * page, so no backlog, however long, hides a head that lost its task: first the heads that had a task
 * or a lease, then the waiting messages.
 */
export async function sweepOutbound(deps: OutboundDeps, options: SweepOptions = {}): Promise<number> {
  const staleMs = options.staleMs ?? STALE_MS;
  const pageSize = options.pageSize ?? BATCH;
  const cutoff = Timestamp.fromMillis(Date.now() - Math.min(staleMs, 60_000));
  const stopAt = Date.now() + SWEEP_BUDGET_MS;
  const looked = new Set<string>();
  let redriven = 0;
  for (const states of [MOVING_STATES, WAITING_STATES]) {
    let after: FirebaseFirestore.QueryDocumentSnapshot | undefined;
    do {
      const page = staleInStates(states, cutoff).limit(pageSize);
      const snap = await (after ? page.startAfter(after) : page).get();
      after = snap.size === pageSize ? snap.docs.at(-1) : undefined;
      for (const { vendorId, customer } of conversationsOf(snap.docs)) {
        const key = `${vendorId}/${customer}`;
        if (looked.has(key)) continue;
        looked.add(key);
        try {
          if (await redriveConversation(vendorId, customer, deps, { staleMs })) redriven += 1;
        } catch (error) {
          logger.error("conversation not re-driven", { vendorId, error: String(error) });
        }
      }
      if (after && Date.now() > stopAt) {
        logger.warn("outbound sweep cut at its time budget; the next sweep goes on", { looked: looked.size });
        return redriven;
      }
    } while (after);
  }
  return redriven;
}

/** After a number reconnects: every conversation with a message waiting for it gets its task back. */
export async function resumeInstance(wabaInstanceId: string, deps: OutboundDeps): Promise<number> {
  const snap = await firestore()
    .collectionGroup(OUTBOUND)
    .where("wabaInstanceId", "==", wabaInstanceId)
    .where("status", "==", "queued")
    .limit(1000)
    .get();
  let resumed = 0;
  for (const { vendorId, customer } of conversationsOf(snap.docs)) {
    if (await redriveConversation(vendorId, customer, deps, { staleMs: 0 })) resumed += 1;
  }
  if (resumed > 0) logger.info("conversations resumed after reconnection", { wabaInstanceId, resumed });
  return resumed;
}

/** Sent messages whose WhatsApp id lookup failed: tried again, so their statuses can land. */
export async function retryLinks(deps: OutboundDeps): Promise<number> {
  const snap = await firestore().collectionGroup(OUTBOUND).where("linkPending", "==", true).limit(BATCH).get();
  let linked = 0;
  for (const doc of snap.docs) {
    const { vendorId, customer } = conversationOf(doc.ref);
    const msgId = (doc.get("providerMessageId") ?? doc.get("wasenderMsgId")) as string | number | undefined;
    const channel = toChannel(doc.get("provider"));
    const resolution = await resolveInstance(vendorId, String(doc.get("wabaInstanceId")));
    const provider = resolution.ok ? deps.providers.forInstance(resolution.instance, channel) : undefined;
    const waMessageId =
      msgId !== undefined && provider ? await provider.lookupMessageId(msgId).catch(() => undefined) : undefined;
    if (waMessageId) {
      await linkOutbound(vendorId, waMessageId, customer, doc.id);
      await doc.ref.update({ linkPending: FieldValue.delete(), linkAttempts: FieldValue.delete() });
      linked += 1;
      continue;
    }
    const attempts = ((doc.get("linkAttempts") as number | undefined) ?? 1) + 1;
    await doc.ref.update(
      attempts >= MAX_LINK_ATTEMPTS
        ? {
            linkPending: FieldValue.delete(),
            linkError: `the WhatsApp id could not be looked up after ${attempts} tries`,
          }
        : { linkAttempts: attempts },
    );
  }
  return linked;
}
