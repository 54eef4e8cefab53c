import { Timestamp } from "firebase-admin/firestore";
import { beforeAll, describe, expect, it } from "vitest";
import { conversationThread } from "../../src/store/conversations";
import { adminDb, uniqueId } from "../support/emulators";

// The console's thread reads the latest messages of each kind, newest first and limited, then merges
// them: what it returns must be the conversation's latest messages in order, as a read of everything
// would give.
const db = adminDb();
const vendorId = uniqueId("thread_vendor");
const customer = "+221770009988";
const base = Date.now() - 60 * 60_000;
const at = (offset: number) => Timestamp.fromMillis(base + offset);

beforeAll(async () => {
  const conversation = db.collection("vendors").doc(vendorId).collection("conversations").doc(customer);
  const batch = db.batch();
  const message = (id: string, data: Record<string, unknown>) =>
    batch.set(conversation.collection("messages").doc(id), data);
  const outbound = (id: string, data: Record<string, unknown>) =>
    batch.set(conversation.collection("outbound").doc(id), data);
  // Inbound messages as stored, already decided: the reply trigger leaves them alone.
  const inbound = (id: string, text: string, offset: number) =>
    message(id, {
      direction: "inbound",
      vendorId,
      wabaInstanceId: `waba_${vendorId}`,
      waMessageId: id,
      from: customer,
      text,
      kind: "text",
      event: "messages.received",
      processing: { state: "done" },
      receivedAt: at(offset),
    });
  inbound("in_1", "bonjour", 1000);
  outbound("out_a", { direction: "outbound", text: "Bienvenue", status: "sent", createdAt: at(2000) });
  inbound("in_2", "ROBE1", 3000);
  // Written by the console, then queued as outbound/{same id}: shown once, with its delivery.
  message("console_x", {
    direction: "outbound",
    origin: "console",
    text: "from the console",
    sentAs: "console_x",
    createdAt: at(4000),
  });
  outbound("console_x", { direction: "outbound", text: "from the console", status: "sent", createdAt: at(4001) });
  outbound("out_b", { direction: "outbound", text: "Votre commande", status: "queued", createdAt: at(5000) });
  inbound("in_3", "OUI", 6000);
  // Written by a dashboard and not queued yet: shown as written.
  message("console_y", { direction: "outbound", origin: "console", text: "not queued yet", createdAt: at(7000) });
  await batch.commit();
});

describe("the console's thread", () => {
  it("is the whole conversation in order, a queued console message shown once with its delivery", async () => {
    const thread = await conversationThread(vendorId, customer, 100);
    expect(thread.map(({ id }) => id)).toEqual(["in_1", "out_a", "in_2", "console_x", "out_b", "in_3", "console_y"]);
    expect(thread.find(({ id }) => id === "console_x")?.data).toMatchObject({
      text: "from the console",
      status: "sent",
    });
  });

  it("keeps only the latest messages across both collections when there are more than the limit", async () => {
    const thread = await conversationThread(vendorId, customer, 3);
    expect(thread.map(({ id }) => id)).toEqual(["out_b", "in_3", "console_y"]);
    const two = await conversationThread(vendorId, customer, 2);
    expect(two.map(({ id }) => id)).toEqual(["in_3", "console_y"]);
  });
});
