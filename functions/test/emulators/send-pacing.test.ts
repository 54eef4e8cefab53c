import type { DocumentSnapshot, Timestamp } from "firebase-admin/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { messagesReceived } from "../support/payloads";
import { adminDb, createVendor, eventually, outboundOf, postWebhook } from "../support/emulators";

type Entry = { event: string; detail?: string; at: Timestamp };
const historyOf = (reply: DocumentSnapshot) => reply.get("delivery.history") as Entry[];
/** When the product started the reply's (only) send: its claim's "sending" step. */
const startOf = (reply: DocumentSnapshot) =>
  historyOf(reply)
    .find((h) => h.event === "sending")!
    .at.toMillis();
/** The slot the pacing gave the reply (its last "paced" decision, before its send), if it had to wait for one. */
const slotOf = (reply: DocumentSnapshot) => {
  const history = historyOf(reply);
  const sending = history.findIndex((h) => h.event === "sending");
  const paced = history
    .slice(0, sending)
    .filter((h) => h.event === "paced")
    .at(-1);
  return paced?.detail ? Date.parse(paced.detail) : undefined;
};
/**
 * The spacing as the product decided it, in send order: each slot it gave comes an interval after the
 * previous send's recorded start, and no send starts before its slot. Decisions and records, not
 * wall-clock gaps.
 */
function expectPacedBy(inSendOrder: DocumentSnapshot[], intervalMs: number): number {
  let slotted = 0;
  for (const [i, reply] of inSendOrder.entries()) {
    const slot = slotOf(reply);
    if (slot === undefined) continue;
    slotted += 1;
    expect(startOf(reply)).toBeGreaterThanOrEqual(slot);
    if (i > 0) expect(slot).toBeGreaterThanOrEqual(startOf(inSendOrder[i - 1]!) + Math.floor(intervalMs));
  }
  return slotted;
}

const db = adminDb();
let wasender: FakeWasender;

beforeAll(async () => {
  wasender = await startFakeWasender();
});
afterAll(() => wasender.close());

describe("outbound pacing to the number's Wasender plan, without sleeping", () => {
  it("sends 18 replies for a 6-per-window number in order, at that pace, none refused, each waiting as a scheduled task", async () => {
    // 6 per 10 s instead of per minute, so the test takes under a minute: one send every 1667 ms,
    // slower than replies come in, so a backlog builds up and waits.
    const vendor = await createVendor(db, {
      apiUrl: wasender.apiUrl,
      instance: { sendRatePerMinute: 6, sendRateWindowSeconds: 10 },
      config: { rateLimits: { perCustomerPerMinute: 100, perVendorPerMinute: 1000 } },
    });
    const customers = Array.from({ length: 18 }, (_, i) => `+2217755${String(10000 + i)}`);
    for (const customer of customers) {
      await postWebhook(vendor, messagesReceived({ phone: customer.slice(1), text: "aide" }));
      // Each reply has taken its send slot (or is sent) before the next message comes in: posting order.
      await eventually(
        async () => {
          const snap = await outboundOf(db, vendor.vendorId, customer).get();
          const reply = snap.docs[0];
          return reply && (reply.get("delivery.slotAt") || reply.get("status") === "sent") ? true : undefined;
        },
        15_000,
        `the reply to ${customer} paced`,
      );
    }
    const sends = await wasender.waitForSends(18, { predicate: (s) => s.apiKey === vendor.apiKey, timeoutMs: 90_000 });
    expect(sends.map((s) => s.to)).toEqual(customers);
    expect(wasender.requests.filter((r) => r.apiKey === vendor.apiKey && r.path === "/api/send-message")).toHaveLength(
      18,
    );
    // Every later reply waited as a task scheduled for its slot ("paced" in its history), none in a sleeping function.
    const replies = await Promise.all(
      customers.map(async (c) => (await outboundOf(db, vendor.vendorId, c).get()).docs[0]!),
    );
    // Sent in the order the pacing gave the slots, each slot an interval (10 s / 6) after the previous start.
    const starts = replies.map(startOf);
    expect(starts.every((start, i) => i === 0 || start > starts[i - 1]!)).toBe(true);
    expect(expectPacedBy(replies, 10_000 / 6)).toBeGreaterThanOrEqual(13);
    const paced = replies.filter((r) =>
      (r.get("delivery.history") as Array<{ event: string }>).some((h) => h.event === "paced"),
    );
    expect(paced.length).toBeGreaterThanOrEqual(13);
    console.log(`pacing: 18 sends over ${starts.at(-1)! - starts[0]!} ms, ${paced.length} waited as scheduled tasks`);
    expect(replies.every((r) => r.get("delivery.attempts") === 1)).toBe(true);
  }, 150_000);

  it("a backlog of 30 replies on one fast-paced number: sent in the order they became ready, an interval apart, the line document written O(1) times", async () => {
    // 12 per 6 s: one send every 500 ms. The first send is held 8 s by Wasender, so every other reply
    // becomes ready while the line is busy and waits on it (no task, no shared list).
    const vendor = await createVendor(db, {
      apiUrl: wasender.apiUrl,
      instance: { sendRatePerMinute: 12, sendRateWindowSeconds: 6 },
      config: { rateLimits: { perCustomerPerMinute: 100, perVendorPerMinute: 1000 } },
    });
    wasender.injectFault({ delayMs: 8_000, apiKey: vendor.apiKey, path: "/api/send-message" });
    const customers = Array.from({ length: 30 }, (_, i) => `+2217756${String(10000 + i)}`);
    await Promise.all(
      customers.map((customer) => postWebhook(vendor, messagesReceived({ phone: customer.slice(1), text: "aide" }))),
    );
    const sends = await wasender.waitForSends(30, { predicate: (s) => s.apiKey === vendor.apiKey, timeoutMs: 90_000 });
    expect(new Set(sends.map((s) => s.to)).size).toBe(30);

    // Wasender records a send before its completion commits: wait for every reply to be recorded sent.
    const byCustomer = await eventually(
      async () => {
        const replies = await Promise.all(
          customers.map(async (c) => [c, (await outboundOf(db, vendor.vendorId, c).get()).docs[0]] as const),
        );
        return replies.every(([, r]) => r?.get("status") === "sent")
          ? new Map(replies.map(([c, r]) => [c, r!]))
          : undefined;
      },
      15_000,
      "every reply recorded sent",
    );
    const inSendOrder = sends.map((s) => byCustomer.get(s.to)!);
    expect(inSendOrder.every((r) => r.get("delivery.attempts") === 1)).toBe(true);
    // Ready order: when each waiter started waiting on the line. The first send is the one that found the
    // line idle and never waited; a waiter's clock reading can precede that send's own (both are taken
    // before their transactions commit), so it is left out of the comparison.
    const pacedWaitOf = (reply: DocumentSnapshot) =>
      historyOf(reply).find((h) => h.event === "waiting" && h.detail?.startsWith("paced:"));
    expect(pacedWaitOf(inSendOrder[0]!)).toBeUndefined();
    const waiters = inSendOrder.slice(1);
    expect(waiters.every((r) => pacedWaitOf(r) !== undefined)).toBe(true);
    const ready = waiters.map((r) => pacedWaitOf(r)!.at.toMillis());
    expect(ready.every((at, i) => i === 0 || at >= ready[i - 1]!)).toBe(true);
    const starts = inSendOrder.map(startOf);
    // Each waiter was handed the turn with a slot one interval (500 ms) after the previous send started.
    expect(expectPacedBy(inSendOrder, 500)).toBe(29);
    // Nobody holds or waits on the line any more, and its document was written when it went busy and idle, not per send.
    const line = await eventually(
      async () => {
        const snap = await db.collection("send_pacing").doc(vendor.wabaInstanceId).get();
        return snap.get("busy") === false ? snap : undefined;
      },
      10_000,
      "the line idle",
    );
    expect(line.get("writes")).toBeLessThanOrEqual(4);
    expect(inSendOrder.every((r) => r.get("pacedAt") === undefined && r.get("pacingTurn") === undefined)).toBe(true);
    console.log(
      `pacing: backlog of 30 over ${starts.at(-1)! - starts[0]!} ms, line document written ${line.get("writes")} times`,
    );
  }, 150_000);
});
