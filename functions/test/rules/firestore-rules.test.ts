import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  assertFails,
  initializeTestEnvironment,
  type RulesTestContext,
  type RulesTestEnvironment,
} from "@firebase/rules-unit-testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// A project of its own, so clearing and seeding never touches what other tests or triggers use.
const PROJECT = "demo-livepay-rules";
let env: RulesTestEnvironment;

const PATHS = [
  "waba_instances/waba_vendor_001",
  "waba_runtime/waba_vendor_001",
  "payment_accounts/vendor_001",
  "vendors/vendor_001/payments/wave_0a1b2c",
  "vendor_configs/vendor_001",
  "vendors/vendor_001",
  "vendors/vendor_001/products/robe1",
  "vendors/vendor_001/products/robe1/stock_shards/0",
  "vendors/vendor_001/conversations/+221771234567",
  "vendors/vendor_001/conversations/+221771234567/messages/in_3EB0X",
  "vendors/vendor_001/conversations/+221771234567/messages/out_3EB0X_0",
  "vendors/vendor_001/conversations/+221771234567/outbound/out_3EB0X_0",
  "vendors/vendor_001/orders/CMD-7KQ2XA",
  "vendors/vendor_001/waitlist/robe1__221771234567",
  "vendors/vendor_001/handoffs/in_3EB0X",
  "vendors/vendor_001/live_counters/2026-12-07_0",
  "vendors/vendor_001/live_counted/event_1",
  "vendors/vendor_001/alerts/alert_1",
  "vendors/vendor_001/message_links/3EB0X",
  "vendors/vendor_001/pending_statuses/3EB0X",
  "send_pacing/waba_vendor_001",
  "phone_index/+221771234567",
  "wasender_session_index/session-vendor_001",
  "meta_phone_index/100000000000001",
  "unipile_account_index/acc_vendor_001",
  // Payment credentials (a colleague's payments work): closed like the rest.
  "payment_accounts/vendor_001",
];

/**
 * Every collection the functions write, read from their sources: a collection added without a line
 * above fails here, so a new one is never left out of this test.
 */
function collectionsInSources(dir: string): Set<string> {
  const names = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      for (const name of collectionsInSources(path)) names.add(name);
      continue;
    }
    if (!entry.name.endsWith(".ts")) continue;
    const source = readFileSync(path, "utf8");
    for (const match of source.matchAll(/collection(?:Group)?\("([A-Za-z_]+)"\)/g)) names.add(match[1]!);
    // Names kept in constants (store/collections.ts) and the routing indexes' kinds.
    for (const match of source.matchAll(/export const [A-Z_]+ = "([a-z_]+)";/g))
      if (path.endsWith("collections.ts")) names.add(match[1]!);
    for (const match of source.matchAll(/export type IndexKind = ([^;]+);/g))
      for (const kind of match[1]!.matchAll(/"([a-z_]+)"/g)) names.add(kind[1]!);
  }
  return names;
}

describe("the rules test itself", () => {
  it("covers every collection the functions use", () => {
    const covered = new Set(PATHS.flatMap((path) => path.split("/").filter((_, index) => index % 2 === 0)));
    const used = collectionsInSources(join(__dirname, "..", "..", "src"));
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((name) => !covered.has(name))).toEqual([]);
  });
});

beforeAll(async () => {
  const [host, port] = (process.env.FIRESTORE_EMULATOR_HOST ?? "127.0.0.1:8080").split(":");
  env = await initializeTestEnvironment({
    projectId: PROJECT,
    firestore: {
      rules: readFileSync(join(__dirname, "..", "..", "..", "firestore.rules"), "utf8"),
      host: host!,
      port: Number(port),
    },
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
  // The operator console reads through the admin API's server-made views, never through these rules.
  [
    "another vendor's staff (console user)",
    () => env.authenticatedContext("vendor-2-staff", { vendorId: "vendor_002" }),
  ],
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
    await assertFails(db.collection("vendors/vendor_001/conversations/+221771234567/outbound").get());
    await assertFails(db.collectionGroup("outbound").get());
    for (const group of ["alerts", "message_links", "pending_statuses", "orders", "waitlist", "handoffs", "payments"])
      await assertFails(db.collectionGroup(group).get());
    for (const top of [
      "waba_runtime",
      "send_pacing",
      "phone_index",
      "wasender_session_index",
      "meta_phone_index",
      "unipile_account_index",
      "vendors",
      "payment_accounts",
    ])
      await assertFails(db.collection(top).get());
  });
});
