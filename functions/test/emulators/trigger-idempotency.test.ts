import { firestore } from "../../src/shared/firestore";
import { describe, expect, it, vi } from "vitest";
import { handleNewMessage } from "../../src/replies/on-new-message";
import { createVendor, pendingInbound } from "../support/emulators";
import { useInProcessReplies } from "../support/inline-scheduler";

// A project of its own: the Functions emulator does not listen here, so only the in-process calls
// below run the trigger's code, and a redelivery is exactly what the test makes it.
vi.hoisted(() => {
  process.env.GCLOUD_PROJECT = process.env.GOOGLE_CLOUD_PROJECT = "demo-livepay-direct";
  delete process.env.FIREBASE_CONFIG;
});
const db = firestore();

const replies = useInProcessReplies();

async function storedInbound(
  vendorId: string,
  customer: string,
  messageId: string,
  text: string,
  wabaInstanceId: string,
) {
  const path = `vendors/${vendorId}/conversations/${customer}/messages/${messageId}`;
  const data = pendingInbound({ vendorId, wabaInstanceId }, customer, messageId, text);
  await db.doc(path).set(data);
  return { path, data, params: { vendorId, customer, messageId } };
}

describe("the message trigger delivered more than once", () => {
  it("sends each reply once when the same event runs ten times concurrently", async () => {
    const vendor = await createVendor(db, { apiUrl: replies.wasender.apiUrl });
    const { params, data } = await storedInbound(
      vendor.vendorId,
      "+221771110001",
      "in_DUP1",
      "aide",
      vendor.wabaInstanceId,
    );
    await Promise.all(
      Array.from({ length: 10 }, () => handleNewMessage(params, data, replies.deps, new Date().toISOString())),
    );
    await replies.scheduler.idle();
    const sends = replies.wasender.sends.filter((s) => s.apiKey === vendor.apiKey);
    expect(sends).toHaveLength(1);
    expect(sends[0]!.to).toBe("+221771110001");
  });

  it("does not reply again when the event is redelivered after the reply went out", async () => {
    const vendor = await createVendor(db, { apiUrl: replies.wasender.apiUrl });
    const { params, data, path } = await storedInbound(
      vendor.vendorId,
      "+221771110002",
      "in_DUP2",
      "bonjour",
      vendor.wabaInstanceId,
    );
    await handleNewMessage(params, data, replies.deps);
    await replies.scheduler.idle();
    await handleNewMessage(params, data, replies.deps);
    await replies.scheduler.idle();
    expect(replies.wasender.sends.filter((s) => s.apiKey === vendor.apiKey)).toHaveLength(1);
    const inbound = await db.doc(path).get();
    expect(inbound.get("processing.state")).toBe("done");
    expect(inbound.get("processing.replyIds")).toEqual(["out_DUP2_0"]);
    const reply = await db.doc(path.replace("messages/in_DUP2", "outbound/out_DUP2_0")).get();
    expect(reply.get("status")).toBe("sent");
    expect(reply.get("delivery.attempts")).toBe(1);
  });

  it("drops an event older than the bound (the sweep owns it by then)", async () => {
    const vendor = await createVendor(db, { apiUrl: replies.wasender.apiUrl });
    const { params, data, path } = await storedInbound(
      vendor.vendorId,
      "+221771110003",
      "in_OLD1",
      "bonjour",
      vendor.wabaInstanceId,
    );
    await handleNewMessage(params, data, replies.deps, new Date(Date.now() - 2 * 3600_000).toISOString());
    await replies.scheduler.idle();
    // Dropped: nothing decided, nothing written for the reply, nothing sent.
    expect((await db.doc(path).get()).get("processing.state")).toBe("pending");
    expect((await db.doc(path.replace("in_OLD1", "out_OLD1_0")).get()).exists).toBe(false);
    expect(replies.wasender.sends.filter((s) => s.apiKey === vendor.apiKey)).toHaveLength(0);
    // The same event on time is answered: the age alone kept the handler from acting.
    await handleNewMessage(params, data, replies.deps, new Date().toISOString());
    await replies.scheduler.idle();
    const inbound = await db.doc(path).get();
    expect(inbound.get("processing.state")).toBe("done");
    expect(inbound.get("processing.replyIds")).toEqual(["out_OLD1_0"]);
    const sends = replies.wasender.sends.filter((s) => s.apiKey === vendor.apiKey);
    expect(sends).toHaveLength(1);
    expect(sends[0]!.to).toBe("+221771110003");
  });
});
