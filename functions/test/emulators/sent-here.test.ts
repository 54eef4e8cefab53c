import { DocumentReference, Transaction } from "firebase-admin/firestore";
import { describe, expect, it, vi } from "vitest";
import { forgetSent } from "../../src/outbound/sent-here";
import { replyToInbound } from "../../src/replies/reply-to-inbound";
import { firestore } from "../../src/shared/firestore";
import { createVendor, messagesOf, pendingInbound } from "../support/emulators";
import { useInProcessReplies } from "../support/inline-scheduler";

// In process, in a project of its own (no Functions emulator trigger fires here): the test runs each
// message's decision itself and sees which documents its transaction reads.
vi.hoisted(() => {
  process.env.GCLOUD_PROJECT = process.env.GOOGLE_CLOUD_PROJECT = "demo-livepay-sent-here";
  delete process.env.FIREBASE_CONFIG;
});
const db = firestore();

const replies = useInProcessReplies();

/** The outbound messages a transaction read (by path) while `work` ran. */
async function outboundReads(work: () => Promise<unknown>): Promise<string[]> {
  const paths: string[] = [];
  // Called below with apply() and the spied call's own `this`.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const original = Transaction.prototype.get as (...args: unknown[]) => Promise<unknown>;
  const spy = vi.spyOn(Transaction.prototype, "get").mockImplementation(async function (
    this: unknown,
    ...args: unknown[]
  ) {
    const target = args[0];
    if (target instanceof DocumentReference && target.parent.id === "outbound") paths.push(target.path);
    return (await original.apply(this, args)) as never;
  });
  try {
    await work();
    return paths;
  } finally {
    spy.mockRestore();
  }
}

describe("a reply this instance sent", () => {
  it("is dropped from its outbox by the next decision without a read; another instance reads it once", async () => {
    const vendor = await createVendor(db, { apiUrl: replies.wasender.apiUrl });
    const customer = "+221773100001";
    const say = async (id: string, text: string) => {
      await messagesOf(db, vendor.vendorId, customer)
        .doc(id)
        .set(pendingInbound(vendor, customer, id, text));
      const reads = await outboundReads(() => replyToInbound(vendor.vendorId, customer, id, replies.deps));
      await replies.scheduler.idle();
      return reads;
    };
    const conversation = () => db.collection("vendors").doc(vendor.vendorId).collection("conversations").doc(customer);

    expect(await say("in_HERE0", "Bonjour")).toEqual([]);
    const first = (await conversation().get()).get("outbox") as string[];
    expect(first).toHaveLength(1);
    // Sent by this process: dropped unread.
    expect(await say("in_HERE1", "aide")).toEqual([]);
    const second = (await conversation().get()).get("outbox") as string[];
    expect(second).toHaveLength(1);
    expect(second).not.toEqual(first);

    // A fresh instance knows nothing it sent: it reads the listed reply once, finds it sent, drops it.
    forgetSent();
    const reads = await say("in_HERE2", "aide");
    expect(reads).toEqual([conversation().collection("outbound").doc(second[0]!).path]);
    const third = (await conversation().get()).get("outbox") as string[];
    expect(third).toHaveLength(1);
    expect(third).not.toEqual(second);
    const sends = replies.wasender.sends.filter((send) => send.apiKey === vendor.apiKey && send.to === customer);
    expect(sends).toHaveLength(3);
  }, 30_000);
});
