import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, it, vi } from "vitest";
import { performAttempt, RetryLater } from "../../src/outbound/attempt";
import type { Dispatch } from "../../src/outbound/dispatch";
import type { ReplyDeps } from "../../src/replies/reply-to-inbound";
import { firestore } from "../../src/shared/firestore";
import { createVendor, outboundOf } from "../support/emulators";
import { useInProcessReplies } from "../support/inline-scheduler";

// In process, in a project of its own (no Functions emulator trigger or task queue here): the test
// runs each send task itself, in the order that shows the hand-over.
vi.hoisted(() => {
  process.env.GCLOUD_PROJECT = process.env.GOOGLE_CLOUD_PROJECT = "demo-livepay-recovery";
  delete process.env.FIREBASE_CONFIG;
});
const db = firestore();
const replies = useInProcessReplies();

describe("a reply whose sender died while sending it in process", () => {
  it("loses its in-process mark when re-driven: what waits behind it stops asking and is handed over", async () => {
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
    await conversation.set({ vendorId, customer, outbox: ["out_DEAD_0", "out_NEXT_0"], inProcessHead: "out_DEAD_0" });
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

    // Behind a reply still marked as sent in process, the waiting message's task asks again later.
    await expect(performAttempt(task("out_NEXT_0"), deps)).rejects.toBeInstanceOf(RetryLater);
    // The reply's own task finds its lease over: it is retried, and no longer marked.
    expect(await performAttempt(task("out_DEAD_0"), deps)).toBe("the previous sender stopped mid-send; retried");
    expect((await conversation.get()).get("inProcessHead")).toBeUndefined();
    // So the waiting message's task stops asking: its turn comes from the reply's completion.
    expect(await performAttempt(task("out_NEXT_0"), deps)).toBe("waiting for out_DEAD_0");

    await replies.deps.scheduler.schedule(held.splice(0));
    await replies.scheduler.idle();
    const sends = replies.wasender.sends.filter((send) => send.apiKey === vendor.apiKey && send.to === customer);
    expect(sends.map((send) => send.text)).toEqual(["première réponse", "deuxième message"]);
    expect((await conversation.get()).get("outbox")).toEqual([]);
  }, 30_000);
});
