import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, it, vi } from "vitest";
import { STALE_MS, sweepOutbound } from "../../src/outbound/sweep";
import { firestore } from "../../src/shared/firestore";
import { createVendor, outboundOf } from "../support/emulators";
import type { Dispatch } from "../../src/outbound/dispatch";
import type { ReplyDeps } from "../../src/replies/reply-to-inbound";
import { useInProcessReplies } from "../support/inline-scheduler";

// In process, in a project of its own (no Functions emulator trigger or task queue here): the sweep runs
// when the test says, and its tasks run in this process.
vi.hoisted(() => {
  process.env.GCLOUD_PROJECT = process.env.GOOGLE_CLOUD_PROJECT = "demo-livepay-sweep-backlog";
  delete process.env.FIREBASE_CONFIG;
});
const db = firestore();
const replies = useInProcessReplies();

/** An outbound reply as the outbox writes it, last changed at `changedAt`, due within the hour; `delivery` completes its state. */
function outbound(
  vendor: { vendorId: string; wabaInstanceId: string },
  customer: string,
  text: string,
  changedAt: Timestamp,
  delivery: object,
) {
  const deadlineAt = Timestamp.fromMillis(Date.now() + 3_600_000);
  return {
    direction: "outbound",
    vendorId: vendor.vendorId,
    wabaInstanceId: vendor.wabaInstanceId,
    to: customer,
    origin: "engine",
    text,
    createdAt: changedAt,
    status: "queued",
    delivery: { generation: 1, attempts: 0, deadlineAt, changedAt, history: [], ...delivery },
  };
}

describe("the self-healing sweep behind a long backlog", () => {
  it("re-drives another number's head that lost its task while a disconnected number holds more than a page of waiting replies", async () => {
    const down = await createVendor(db, { apiUrl: replies.wasender.apiUrl, instance: { status: "disconnected" } });
    const up = await createVendor(db, { apiUrl: replies.wasender.apiUrl });

    // The disconnected number: 70 conversations, each a head waiting for the number and two replies
    // behind it, all unchanged for 10 minutes (210 messages, more than a page, older than anything else).
    const longAgo = Timestamp.fromMillis(Date.now() - 10 * 60_000);
    const numberDown = `the number ${down.phoneNumber} is disconnected`;
    const behind = "an earlier message of this conversation is not sent yet";
    for (let c = 0; c < 70; c += 1) {
      const customer = `+2217750${String(c).padStart(5, "0")}`;
      const ids = [0, 1, 2].map((n) => `out_DOWN${c}_${n}`);
      const batch = db.batch();
      const conversation = db.collection("vendors").doc(down.vendorId).collection("conversations").doc(customer);
      batch.set(conversation, { vendorId: down.vendorId, customer, outbox: ids });
      for (const [n, id] of ids.entries()) {
        const delivery =
          n === 0
            ? { state: "waiting", waitingReason: numberDown }
            : { state: "waiting", waitingReason: behind, waitingFor: ids[n - 1] };
        batch.set(
          outboundOf(db, down.vendorId, customer).doc(id),
          outbound(down, customer, `r${n}`, longAgo, delivery),
        );
      }
      await batch.commit();
    }

    // The other number: one head queued 5 minutes ago whose task was lost.
    const customer = "+221775099999";
    const lost = Timestamp.fromMillis(Date.now() - 5 * 60_000);
    await db
      .collection("vendors")
      .doc(up.vendorId)
      .collection("conversations")
      .doc(customer)
      .set({ vendorId: up.vendorId, customer, outbox: ["out_LOST_0"] });
    await outboundOf(db, up.vendorId, customer)
      .doc("out_LOST_0")
      .set(outbound(up, customer, "réponse perdue", lost, { state: "queued" }));

    // One sweep, reading pages smaller than the backlog, gives the lost head its task back.
    await sweepOutbound(replies.deps, { staleMs: STALE_MS, pageSize: 50 });
    await replies.scheduler.idle();
    const sent = replies.wasender.sends.filter((send) => send.apiKey === up.apiKey);
    expect(sent.map((send) => send.text)).toEqual(["réponse perdue"]);
    expect((await outboundOf(db, up.vendorId, customer).doc("out_LOST_0").get()).get("status")).toBe("sent");
    // The disconnected number's replies still wait for it.
    expect(replies.wasender.sends.filter((send) => send.apiKey === down.apiKey)).toEqual([]);
  }, 60_000);

  it("gives an overdue retrying head one new task per stale window, though a reply waiting behind it brings its conversation into every sweep", async () => {
    const vendor = await createVendor(db, { apiUrl: replies.wasender.apiUrl });
    const customer = "+221775088888";
    const longAgo = Timestamp.fromMillis(Date.now() - 10 * 60_000);
    const message = (text: string, delivery: object) =>
      outbound(vendor, customer, text, longAgo, { attempts: 1, ...delivery });
    await db
      .collection("vendors")
      .doc(vendor.vendorId)
      .collection("conversations")
      .doc(customer)
      .set({ vendorId: vendor.vendorId, customer, outbox: ["out_HEAD_0", "out_BEHIND_0"] });
    const head = outboundOf(db, vendor.vendorId, customer).doc("out_HEAD_0");
    await head.set(message("tête", { state: "retrying", generation: 3, nextAttemptAt: longAgo }));
    await outboundOf(db, vendor.vendorId, customer)
      .doc("out_BEHIND_0")
      .set(
        message("derrière", {
          state: "waiting",
          generation: 1,
          attempts: 0,
          waitingReason: "an earlier message of this conversation is not sent yet",
          waitingFor: "out_HEAD_0",
        }),
      );
    // A queue that lags: the tasks the sweeps give are kept, not run.
    const given: Dispatch[] = [];
    const lagging: ReplyDeps = {
      ...replies.deps,
      scheduler: {
        schedule: async (tasks: readonly Dispatch[]) => {
          given.push(...tasks);
        },
      },
    };
    await sweepOutbound(lagging, { staleMs: STALE_MS });
    expect(given.map((task) => [task.messageId, task.generation])).toEqual([["out_HEAD_0", 4]]);
    // The next sweep comes before that task ran: the task stays the head's (no new generation makes it stale).
    await sweepOutbound(lagging, { staleMs: STALE_MS });
    expect(given.map((task) => [task.messageId, task.generation])).toEqual([["out_HEAD_0", 4]]);
    expect((await head.get()).get("delivery.generation")).toBe(4);
  }, 60_000);
});
