import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { onConversationMessageCreated } from "../../src/entry/replies";
import { settled } from "../support/delivery";
import {
  adminDb,
  createVendor,
  eventually,
  messagesOf,
  outboundOf,
  postWebhook,
  type TestVendor,
} from "../support/emulators";
import { messagesReceived } from "../support/payloads";

/**
 * The reply trigger runs for what arrives (a buyer's message, a dashboard's message), never for what
 * the backend writes itself: its replies live where the trigger does not watch.
 */

const db = adminDb();
let wasender: FakeWasender;
let vendor: TestVendor;

beforeAll(async () => {
  wasender = await startFakeWasender();
  vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
});
afterAll(() => wasender.close());

/** The document pattern the deployed trigger declares, as a matcher of document paths. */
function triggerWatches(): (path: string) => boolean {
  const endpoint = (
    onConversationMessageCreated as unknown as {
      __endpoint: { eventTrigger: { eventFilterPathPatterns: { document: string } } };
    }
  ).__endpoint;
  const pattern = endpoint.eventTrigger.eventFilterPathPatterns.document;
  const matcher = new RegExp(
    `^${pattern
      .split("/")
      .map((segment) => (/^\{\w+\}$/.test(segment) ? "[^/]+" : segment))
      .join("/")}$`,
  );
  return (path) => matcher.test(path);
}

/** Every document under a conversation, at any depth. */
async function documentsUnder(ref: FirebaseFirestore.DocumentReference): Promise<string[]> {
  const paths: string[] = [];
  for (const collection of await ref.listCollections()) {
    for (const doc of await collection.listDocuments()) paths.push(doc.path, ...(await documentsUnder(doc)));
  }
  return paths;
}

describe("no trigger run for a reply", () => {
  it("a buyer's message fires the trigger; the replies the backend writes are out of its reach", async () => {
    const customer = "+221779990001";
    const res = await postWebhook(vendor, messagesReceived({ phone: customer.slice(1), text: "Bonjour" }));
    expect(res.status).toBe(200);
    const [reply] = await settled(vendor.vendorId, customer);
    expect(reply!.status).toBe("sent");
    const watched = triggerWatches();
    const conversation = db.collection("vendors").doc(vendor.vendorId).collection("conversations").doc(customer);
    const paths = await documentsUnder(conversation);
    expect(paths).toContain(outboundOf(db, vendor.vendorId, customer).doc(reply!.id).path);
    // Only the buyer's message: the reply (and anything else the send wrote) fired nothing.
    expect(paths.filter(watched)).toEqual(paths.filter((path) => /\/messages\/in_[^/]+$/.test(path)));
    expect(paths.filter(watched)).toHaveLength(1);
  });

  it("a dashboard's message is adopted, while a document in the outbound collection is never picked up", async () => {
    const customer = "+221779990002";
    // Shaped as a dashboard writes one: a trigger watching this collection would send or refuse it.
    const unwatched = await outboundOf(db, vendor.vendorId, customer).add({
      direction: "outbound",
      text: "pas de déclencheur ici",
    });
    const dashboard = await messagesOf(db, vendor.vendorId, customer).add({
      direction: "outbound",
      text: "Bonjour de la boutique",
    });
    expect(triggerWatches()(dashboard.path)).toBe(true);
    expect(triggerWatches()(unwatched.path)).toBe(false);
    const sent = await eventually(
      async () => ((await dashboard.get()).get("status") === "sent" ? true : undefined),
      15_000,
      "the dashboard message sent",
    );
    expect(sent).toBe(true);
    expect(wasender.sends.filter((s) => s.to === customer).map((s) => s.text)).toEqual(["Bonjour de la boutique"]);
    expect((await unwatched.get()).data()).toEqual({ direction: "outbound", text: "pas de déclencheur ici" });
  });
});
