import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, it, vi } from "vitest";
import { performAttempt } from "../../src/outbound/deliver";
import type { Dispatch } from "../../src/outbound/dispatch";
import { type ReplyDeps, replyToInbound } from "../../src/replies/reply-to-inbound";
import { firestore } from "../../src/shared/firestore";
import { createVendor, messagesOf, outboundOf, pendingInbound } from "../support/emulators";
import { useInProcessReplies } from "../support/inline-scheduler";

// In process, in a project of its own (no Functions emulator trigger or task queue here): the test
// runs each send task itself, in the order that shows the hand-over.
vi.hoisted(() => {
  process.env.GCLOUD_PROJECT = process.env.GOOGLE_CLOUD_PROJECT = "demo-livepay-first-attempt";
  delete process.env.FIREBASE_CONFIG;
});
const db = firestore();
const replies = useInProcessReplies();

describe("a first reply whose sender died mid-send", () => {
  it("is retried by its task once its lease is over, and hands over to what waits behind it, in order", async () => {
    const vendor = await createVendor(db, { apiUrl: replies.wasender.apiUrl });
    const { vendorId, wabaInstanceId } = vendor;
    const customer = "+221773200001";
    const conversation = db.collection("vendors").doc(vendorId).collection("conversations").doc(customer);
    const past = Timestamp.fromMillis(Date.now() - 5 * 60_000);
    const deadlineAt = Timestamp.fromMillis(Date.now() + 3_600_000);
    const message = (text: string, status: string, delivery: Record<string, unknown>) => ({
      direction: "outbound",
      vendorId,
      wabaInstanceId,
      to: customer,
      origin: "engine",
      text,
      createdAt: past,
      status,
      delivery: { generation: 1, deadlineAt, changedAt: past, ...delivery },
    });
    // The reply's sender (the deciding run) died mid-send: its lease is over; a message waits behind it.
    await conversation.set({ vendorId, customer, outbox: ["out_DEAD_0", "out_NEXT_0"] });
    await outboundOf(db, vendorId, customer)
      .doc("out_DEAD_0")
      .set(
        message("première réponse", "sending", {
          state: "sending",
          attempts: 1,
          leaseExpiresAt: Timestamp.fromMillis(Date.now() - 60_000),
          provider: "wasender",
          history: [{ at: past, event: "sending" }],
        }),
      );
    const waitingReason = "an earlier message of this conversation is not sent yet";
    await outboundOf(db, vendorId, customer)
      .doc("out_NEXT_0")
      .set(
        message("deuxième message", "queued", {
          state: "waiting",
          attempts: 0,
          waitingFor: "out_DEAD_0",
          waitingReason,
          history: [{ at: past, event: "waiting", detail: waitingReason }],
        }),
      );
    // Tasks are held here and run when the test says.
    const held: Dispatch[] = [];
    const deps: ReplyDeps = { ...replies.deps, scheduler: { schedule: async (tasks) => void held.push(...tasks) } };
    const task = (messageId: string) => ({ vendorId, customer, messageId, generation: 1 });

    // Behind a head still being sent (as far as anyone can tell), the waiting message's stray task waits.
    expect(await performAttempt(task("out_NEXT_0"), deps)).toBe("waiting for out_DEAD_0");
    // The reply's own task finds its lease over: it is retried (a new task), and hands over when it ends.
    expect(await performAttempt(task("out_DEAD_0"), deps)).toBe("the previous sender stopped mid-send; retried");

    await replies.deps.scheduler.schedule(held.splice(0));
    await replies.scheduler.idle();
    const sends = replies.wasender.sends.filter((send) => send.apiKey === vendor.apiKey && send.to === customer);
    expect(sends.map((send) => send.text)).toEqual(["première réponse", "deuxième message"]);
    expect((await conversation.get()).get("outbox")).toEqual([]);
  }, 30_000);

  it("drops a head an earlier version left listed once sent, and sends the next reply after it", async () => {
    const vendor = await createVendor(db, { apiUrl: replies.wasender.apiUrl });
    const { vendorId, wabaInstanceId } = vendor;
    const customer = "+221773200002";
    const conversation = db.collection("vendors").doc(vendorId).collection("conversations").doc(customer);
    const past = Timestamp.fromMillis(Date.now() - 5 * 60_000);
    await conversation.set({ vendorId, customer, outbox: ["out_OLD_0"], inProcessHead: "out_OLD_0" });
    await outboundOf(db, vendorId, customer)
      .doc("out_OLD_0")
      .set({
        direction: "outbound",
        vendorId,
        wabaInstanceId,
        to: customer,
        origin: "engine",
        text: "réponse déjà envoyée",
        createdAt: past,
        status: "sent",
        delivery: {
          state: "sent",
          generation: 1,
          attempts: 1,
          deadlineAt: Timestamp.fromMillis(Date.now() + 3_600_000),
          changedAt: past,
          history: [{ at: past, event: "sent" }],
        },
      });
    await messagesOf(db, vendorId, customer)
      .doc("in_LEGACY1")
      .set(pendingInbound(vendor, customer, "in_LEGACY1", "Bonjour"));
    await replyToInbound(vendorId, customer, "in_LEGACY1", replies.deps);
    await replies.scheduler.idle();
    const sends = replies.wasender.sends.filter((send) => send.apiKey === vendor.apiKey && send.to === customer);
    expect(sends).toHaveLength(1);
    const after = await conversation.get();
    expect(after.get("outbox")).toEqual([]);
    expect(after.get("inProcessHead")).toBeUndefined();
  }, 30_000);
});
