import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  assertFails,
  initializeTestEnvironment,
  type RulesTestContext,
  type RulesTestEnvironment,
} from "@firebase/rules-unit-testing";
import { afterAll, beforeAll, describe, it } from "vitest";

// A project of its own, so clearing and seeding never touches what other tests or triggers use.
const PROJECT = "demo-livepay-rules";
let env: RulesTestEnvironment;

const PATHS = [
  "waba_instances/waba_vendor_001",
  "vendor_configs/vendor_001",
  "vendors/vendor_001",
  "vendors/vendor_001/products/robe1",
  "vendors/vendor_001/conversations/+221771234567",
  "vendors/vendor_001/conversations/+221771234567/messages/in_3EB0X",
  "vendors/vendor_001/conversations/+221771234567/messages/out_3EB0X_0",
  "vendors/vendor_001/orders/CMD-7KQ2XA",
  "vendors/vendor_001/handoffs/in_3EB0X",
];

beforeAll(async () => {
  const [host, port] = (process.env.FIRESTORE_EMULATOR_HOST ?? "127.0.0.1:8080").split(":");
  env = await initializeTestEnvironment({
    projectId: PROJECT,
    firestore: { rules: readFileSync(join(__dirname, "..", "..", "..", "firestore.rules"), "utf8"), host: host!, port: Number(port) },
  });
  await env.withSecurityRulesDisabled(async (context) => {
    for (const path of PATHS) {
      await context.firestore().doc(path).set({ vendorId: "vendor_001", wasenderWebhookSecret: "s3cret" });
    }
  });
});
afterAll(async () => {
  await env.clearFirestore();
  await env.cleanup();
});

const clients: Array<[string, () => RulesTestContext]> = [
  ["an unauthenticated client", () => env.unauthenticatedContext()],
  ["a signed-in customer", () => env.authenticatedContext("customer-1")],
  ["the vendor's own user", () => env.authenticatedContext("vendor-user", { vendorId: "vendor_001" })],
  ["a user with an admin claim", () => env.authenticatedContext("admin-user", { admin: true })],
];

describe.each(clients)("%s", (_, context) => {
  it.each(PATHS)("can neither read nor write %s", async (path) => {
    const db = context().firestore();
    await assertFails(db.doc(path).get());
    await assertFails(db.doc(path).set({ hacked: true }));
    await assertFails(db.doc(path).update({ hacked: true }));
    await assertFails(db.doc(path).delete());
  });

  it("cannot list instances, configs or a conversation's messages", async () => {
    const db = context().firestore();
    await assertFails(db.collection("waba_instances").get());
    await assertFails(db.collection("vendor_configs").get());
    await assertFails(db.collection("vendors/vendor_001/conversations/+221771234567/messages").get());
    await assertFails(db.collectionGroup("messages").get());
  });
});
