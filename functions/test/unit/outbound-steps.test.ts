import { DocumentReference, FieldValue, type Transaction } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import { checkInstance, type MessagingInstance } from "../../src/model/waba-instance";
import { type Claimed, claimStep, type ResolveInstance } from "../../src/outbound/claim";
import { completeStep } from "../../src/outbound/complete";
import { passTurn } from "../../src/outbound/conversation-turn";
import {
  decodeDelivery,
  type Delivery,
  deliveryFields,
  newDelivery,
  transition,
} from "../../src/outbound/delivery-state";
import { Outbox } from "../../src/outbound/outbox";
import { type Plan, type Reads, snapshotOf } from "../../src/outbound/step";
import { conversationRef, outboundRef } from "../../src/store/conversation-paths";

/**
 * The steps of delivery (claim, completion, the outbox, the conversation's turn) against an in-memory
 * `Reads`: documents held in a map, every read logged, and the plan's writes applied to the same map,
 * so each test reads what a step decided as the next step would find it.
 */

const VENDOR = "vendor1";
const CUSTOMER = "+221770000001";
const NUMBER = "number1";
const task = (messageId: string, generation = 1) => ({ vendorId: VENDOR, customer: CUSTOMER, messageId, generation });

const instanceCheck = checkInstance(NUMBER, {
  vendorId: VENDOR,
  phoneNumber: "+221771234567",
  provider: "wasender",
  wasenderApiKey: "key",
  wasenderWebhookSecret: "secret",
});
if (!instanceCheck.usable) throw new Error("fixture instance unusable");
const instance: MessagingInstance = instanceCheck.instance;
const resolve: ResolveInstance = async () => ({ ok: true, instance });

/** A store of documents by path: the in-memory `Reads`, and a transaction's writes applied to it. */
class Memory {
  readonly docs = new Map<string, Record<string, unknown>>();
  readonly reads: string[] = [];

  readonly view: Reads = {
    get: ((ref: DocumentReference) => {
      this.reads.push(ref.path);
      return Promise.resolve(snapshotOf(ref, this.docs.get(ref.path)));
    }) as Reads["get"],
  };

  /** Applies a plan's writes as a transaction would (fields set or merged; array unions and removals). */
  apply(plan: Pick<Plan<unknown>, "writes">): void {
    const merge = (ref: DocumentReference, fields: Record<string, unknown>) => {
      const next = { ...(this.docs.get(ref.path) ?? {}) };
      for (const [key, value] of Object.entries(fields)) {
        if (value instanceof FieldValue) {
          if (value.isEqual(FieldValue.delete())) delete next[key];
          else if (value.isEqual(FieldValue.serverTimestamp())) next[key] = "now";
          else next[key] = applyArray(next[key], value);
        } else next[key] = value;
      }
      this.docs.set(ref.path, next);
    };
    const tx = {
      update: merge,
      set: (ref: DocumentReference, data: Record<string, unknown>) => merge(ref, data),
      create: (ref: DocumentReference, data: Record<string, unknown>) => {
        if (this.docs.has(ref.path)) throw new Error(`${ref.path} exists`);
        merge(ref, data);
      },
      delete: (ref: DocumentReference) => this.docs.delete(ref.path),
    };
    for (const write of plan.writes ?? []) write(tx as unknown as Transaction);
  }

  delivery(messageId: string): Delivery {
    return decodeDelivery(this.docs.get(outboundRef(VENDOR, CUSTOMER, messageId).path)?.delivery)!;
  }

  outbox(): unknown {
    return this.docs.get(conversationRef(VENDOR, CUSTOMER).path)?.outbox;
  }
}

/** An `arrayUnion` / `arrayRemove` applied to a stored array (told apart by comparing with both). */
function applyArray(current: unknown, value: FieldValue): unknown[] {
  const list = Array.isArray(current) ? [...(current as unknown[])] : [];
  const operands = (value as unknown as { elements?: unknown[] }).elements ?? [];
  if (value.isEqual(FieldValue.arrayUnion(...operands)))
    return [...list, ...operands.filter((id) => !list.includes(id))];
  if (value.isEqual(FieldValue.arrayRemove(...operands))) return list.filter((id) => !operands.includes(id));
  throw new Error("a transform this memory does not apply");
}

const NOW = Date.now();

/** A conversation listing `outbox`, and its outbound messages with the deliveries given. */
function conversationWith(memory: Memory, messages: Record<string, Delivery>): void {
  memory.docs.set(conversationRef(VENDOR, CUSTOMER).path, {
    vendorId: VENDOR,
    customer: CUSTOMER,
    outbox: Object.keys(messages),
  });
  for (const [id, delivery] of Object.entries(messages)) {
    memory.docs.set(outboundRef(VENDOR, CUSTOMER, id).path, {
      direction: "outbound",
      vendorId: VENDOR,
      wabaInstanceId: NUMBER,
      to: CUSTOMER,
      origin: "engine",
      text: `text of ${id}`,
      ...deliveryFields(delivery, NOW),
    });
  }
}

const queued = () => newDelivery(NOW, NOW + 3_600_000);
const waitingFor = (head: string) =>
  transition(queued(), { type: "wait", reason: "an earlier message", waitingFor: head }, NOW);
const sending = (leaseMs: number) =>
  transition(queued(), { type: "claim", leaseMs, provider: "wasender" }, NOW - 60_000 + leaseMs);
const sent = () => transition(sending(60_000), { type: "sent", providerMessageId: 7 }, NOW);

async function claimed(memory: Memory, messageId: string): Promise<Claimed> {
  const plan = await claimStep(memory.view, task(messageId), resolve);
  memory.apply(plan);
  if (plan.outcome.kind !== "claimed") throw new Error(`not claimed: ${JSON.stringify(plan.outcome)}`);
  return plan.outcome;
}

describe("the claim", () => {
  it("claims the head of its conversation once: sending with a lease, then busy for any other run", async () => {
    const memory = new Memory();
    conversationWith(memory, { out_A: queued(), out_B: waitingFor("out_A") });
    const claim = await claimed(memory, "out_A");
    expect(claim).toMatchObject({ channel: "wasender", to: CUSTOMER, content: { text: "text of out_A" } });
    expect(memory.delivery("out_A")).toMatchObject({ state: "sending", attempts: 1, provider: "wasender" });
    expect(decodeDelivery(claim.message.get("delivery"))).toEqual(memory.delivery("out_A"));
    // The same task delivered twice: the second finds it being sent.
    const again = await claimStep(memory.view, task("out_A"), resolve);
    expect(again.outcome).toEqual({ kind: "busy", reason: "another run is sending this message" });
    expect(again.writes ?? []).toEqual([]);
  });

  it("does nothing for a stale generation", async () => {
    const memory = new Memory();
    conversationWith(memory, { out_A: queued() });
    const plan = await claimStep(memory.view, task("out_A", 2), resolve);
    expect(plan.outcome.kind).toBe("done");
    expect(plan.writes ?? []).toEqual([]);
    expect(plan.dispatches ?? []).toEqual([]);
  });

  it("keeps a message behind a head still going waiting; behind an ended head it drops it and takes the turn", async () => {
    const memory = new Memory();
    conversationWith(memory, { out_A: sending(60_000), out_B: queued() });
    const behind = await claimStep(memory.view, task("out_B"), resolve);
    memory.apply(behind);
    expect(behind.outcome).toEqual({ kind: "done", reason: "waiting for out_A" });
    expect(memory.delivery("out_B")).toMatchObject({ state: "waiting", waitingFor: "out_A" });

    conversationWith(memory, { out_A: sent(), out_B: queued() });
    const passed = await claimStep(memory.view, task("out_B"), resolve);
    memory.apply(passed);
    expect(passed.outcome).toEqual({ kind: "done", reason: "out_A ended; turn passed on" });
    expect(memory.outbox()).toEqual(["out_B"]);
    const generation = memory.delivery("out_B").generation;
    expect(passed.dispatches).toEqual([task("out_B", generation)]);
    expect(generation).toBe(2);
  });

  it("retries a message whose sender died mid-send, with a new generation, once its lease is over", async () => {
    const memory = new Memory();
    conversationWith(memory, { out_A: sending(-1) });
    const plan = await claimStep(memory.view, task("out_A"), resolve);
    memory.apply(plan);
    expect(plan.outcome).toEqual({ kind: "done", reason: "the previous sender stopped mid-send; retried" });
    expect(memory.delivery("out_A")).toMatchObject({ state: "retrying", generation: 2 });
    expect(plan.dispatches).toEqual([task("out_A", 2)]);
    // The retry's task claims it again: one attempt more, and the old task is stale.
    expect((await claimStep(memory.view, task("out_A", 1), resolve)).outcome.kind).toBe("done");
    const plan2 = await claimStep(memory.view, task("out_A", 2), resolve);
    expect(plan2.outcome).toMatchObject({ kind: "claimed", delivery: { attempts: 2 } });
  });
});

describe("the completion", () => {
  it("records a first attempt's success from its claim (no read of the message), leaves the outbox, hands over", async () => {
    const memory = new Memory();
    conversationWith(memory, { out_A: queued(), out_B: waitingFor("out_A") });
    const claim = await claimed(memory, "out_A");
    memory.reads.length = 0;
    const plan = await completeStep(
      memory.view,
      task("out_A"),
      claim,
      { ok: true, providerMessageId: 7 },
      undefined,
      "wamid.A",
    );
    memory.apply(plan);
    expect(memory.reads).toEqual([conversationRef(VENDOR, CUSTOMER).path, outboundRef(VENDOR, CUSTOMER, "out_B").path]);
    expect(memory.delivery("out_A").state).toBe("sent");
    expect(memory.docs.get(outboundRef(VENDOR, CUSTOMER, "out_A").path)).toMatchObject({ waMessageId: "wamid.A" });
    expect(memory.outbox()).toEqual(["out_B"]);
    expect(plan.dispatches).toEqual([task("out_B", memory.delivery("out_B").generation)]);
    expect(memory.delivery("out_B").state).toBe("queued");
  });

  it("plans a retry of a failed attempt with a new generation; the message keeps its place", async () => {
    const memory = new Memory();
    conversationWith(memory, { out_A: queued() });
    const claim = await claimed(memory, "out_A");
    const failure = { code: "server_error" as const, message: "HTTP 500", httpStatus: 500 };
    const plan = await completeStep(memory.view, task("out_A"), claim, { ok: false, failure }, undefined);
    memory.apply(plan);
    const delivery = memory.delivery("out_A");
    expect(delivery).toMatchObject({ state: "retrying", generation: 2 });
    expect(plan.dispatches).toEqual([{ ...task("out_A", 2), at: delivery.nextAttemptAt }]);
    expect(memory.outbox()).toEqual(["out_A"]);
  });

  it("records nothing over a message a newer attempt owns", async () => {
    const memory = new Memory();
    conversationWith(memory, { out_A: queued() });
    const claim = await claimed(memory, "out_A");
    // Its lease ran out and the message was taken back meanwhile (a retry planned).
    const retrying = transition(memory.delivery("out_A"), { type: "lease_expired" }, NOW);
    memory.apply({
      writes: [(tx) => tx.update(outboundRef(VENDOR, CUSTOMER, "out_A"), deliveryFields(retrying, NOW))],
    });
    const late = { ...claim, delivery: { ...claim.delivery, attempts: 2 } };
    const plan = await completeStep(
      memory.view,
      task("out_A"),
      late,
      { ok: false, failure: { code: "timeout", message: "t" } },
      undefined,
    );
    expect(plan.writes ?? []).toEqual([]);
    expect(plan.dispatches ?? []).toEqual([]);
  });
});

describe("the conversation's turn", () => {
  it("passes from an ended message to the next: off the outbox, the next dispatched with a new generation", async () => {
    const memory = new Memory();
    conversationWith(memory, { out_A: sent(), out_B: waitingFor("out_A"), out_C: waitingFor("out_B") });
    const conversation = snapshotOf(
      conversationRef(VENDOR, CUSTOMER),
      memory.docs.get(conversationRef(VENDOR, CUSTOMER).path),
    );
    const turn = await passTurn(memory.view, conversation, "out_A", NOW);
    memory.apply(turn);
    expect(memory.outbox()).toEqual(["out_B", "out_C"]);
    expect(turn.dispatches).toEqual([task("out_B", 2)]);
    expect(memory.delivery("out_C").state).toBe("waiting");
  });

  it("drops a listed id that is no message any more along with the ended one", async () => {
    const memory = new Memory();
    conversationWith(memory, { out_A: sent() });
    memory.docs.set(conversationRef(VENDOR, CUSTOMER).path, { outbox: ["out_A", "out_GONE"] });
    const conversation = snapshotOf(
      conversationRef(VENDOR, CUSTOMER),
      memory.docs.get(conversationRef(VENDOR, CUSTOMER).path),
    );
    const turn = await passTurn(memory.view, conversation, "out_A", NOW);
    memory.apply(turn);
    expect(memory.outbox()).toEqual([]);
    expect(turn.dispatches).toEqual([]);
  });
});

describe("the outbox", () => {
  const draft = (messageId: string) => ({
    messageId,
    wabaInstanceId: NUMBER,
    origin: "engine" as const,
    content: { text: `text of ${messageId}` },
  });
  const conversation = (memory: Memory) =>
    snapshotOf(conversationRef(VENDOR, CUSTOMER), memory.docs.get(conversationRef(VENDOR, CUSTOMER).path));
  it("queues in order on an idle conversation: the head with its task, the rest waiting without one", () => {
    const memory = new Memory();
    const outbox = Outbox.from(conversation(memory), VENDOR, CUSTOMER).add(draft("out_A")).add(draft("out_B"));
    let dispatches: unknown;
    memory.apply({ writes: [(tx) => void (dispatches = outbox.writeWithConversation(tx))] });
    expect(dispatches).toEqual([task("out_A")]);
    expect(memory.outbox()).toEqual(["out_A", "out_B"]);
    expect(memory.delivery("out_A").state).toBe("queued");
    expect(memory.delivery("out_B")).toMatchObject({ state: "waiting", waitingFor: "out_A" });
  });

  it("queues behind what is listed without a task: the listed head hands over when it ends", () => {
    const memory = new Memory();
    conversationWith(memory, { out_A: sending(60_000) });
    const outbox = Outbox.from(conversation(memory), VENDOR, CUSTOMER).add(draft("out_B"));
    let dispatches: unknown;
    memory.apply({ writes: [(tx) => void (dispatches = outbox.writeWithConversation(tx))] });
    expect(dispatches).toEqual([]);
    expect(memory.outbox()).toEqual(["out_A", "out_B"]);
    expect(memory.delivery("out_B")).toMatchObject({ state: "waiting", waitingFor: "out_A" });
  });

  it("claims the new head's first attempt in the producer's transaction: created sending, with no task", async () => {
    const memory = new Memory();
    const outbox = Outbox.from(conversation(memory), VENDOR, CUSTOMER).add(draft("out_A")).add(draft("out_B"));
    expect(await outbox.claimHead(memory.view, { lastInboundAt: "now" }, resolve)).toBe(true);
    // Every read the claim made was answered from what the transaction is writing.
    expect(memory.reads).toEqual([]);
    let written: ReturnType<Outbox["write"]> | undefined;
    memory.apply({ writes: [(tx) => void (written = outbox.write(tx))] });
    expect(written?.dispatches).toEqual([]);
    expect(written?.started?.task).toEqual(task("out_A"));
    expect(written?.started?.claimed).toMatchObject({ channel: "wasender", to: CUSTOMER });
    expect(memory.delivery("out_A")).toMatchObject({ state: "sending", attempts: 1 });
    expect(memory.docs.get(outboundRef(VENDOR, CUSTOMER, "out_A").path)).toMatchObject({
      attempts: 1,
      status: "sending",
    });
    expect(memory.delivery("out_B")).toMatchObject({ state: "waiting", waitingFor: "out_A" });
  });

  it("claims nothing behind a listed message: the new one waits for its turn", async () => {
    const memory = new Memory();
    conversationWith(memory, { out_A: sending(60_000) });
    const outbox = Outbox.from(conversation(memory), VENDOR, CUSTOMER).add(draft("out_B"));
    expect(await outbox.claimHead(memory.view, {}, resolve)).toBe(false);
  });

  it("leaves a paced number's head to its task: its turn is the send line's", async () => {
    const paced = checkInstance(NUMBER, {
      vendorId: VENDOR,
      phoneNumber: "+221771234567",
      provider: "wasender",
      wasenderApiKey: "key",
      wasenderWebhookSecret: "secret",
      sendRatePerMinute: 12,
      sendRateWindowSeconds: 6,
    });
    if (!paced.usable) throw new Error("fixture instance unusable");
    const memory = new Memory();
    const outbox = Outbox.from(conversation(memory), VENDOR, CUSTOMER).add(draft("out_A"));
    expect(await outbox.claimHead(memory.view, {}, async () => ({ ok: true, instance: paced.instance }))).toBe(false);
    let dispatches: unknown;
    memory.apply({ writes: [(tx) => void (dispatches = outbox.writeWithConversation(tx))] });
    expect(dispatches).toEqual([task("out_A")]);
    expect(memory.delivery("out_A").state).toBe("queued");
  });
});
