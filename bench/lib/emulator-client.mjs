// Talking to the running emulators as Wasender and an operator would: vendors onboarded by documents
// (the onboarding trigger indexes them), signed webhooks posted through Hosting.
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { emulatorFirestore } from "../../scripts/lib/emulator-admin.mjs";
import { BASELINE_PATH } from "./emulators.mjs";
import { signedHeaders } from "./wasender-events.mjs";

export const HOSTING = "http://127.0.0.1:5000";

export function db() {
  return emulatorFirestore();
}

/** Waits until the onboarding trigger has indexed every vendor's number (so the vendor is fully set up). */
export async function waitForOnboarding(vendors, timeoutMs = 300_000) {
  const firestore = db();
  const deadline = Date.now() + timeoutMs;
  for (const vendor of vendors) {
    while (!(await firestore.collection("phone_index").doc(vendor.phoneNumber).get()).exists) {
      if (Date.now() > deadline)
        throw new Error(`vendor ${vendor.vendorId} was not onboarded within ${timeoutMs / 1000} s`);
      await sleep(200);
    }
  }
}

/** POSTs a message event to the vendor's webhook through Hosting (or to the baseline function); returns ms. */
export async function postWebhook(vendor, body, { baseline = false } = {}) {
  const path = baseline ? `${BASELINE_PATH}/${vendor.vendorId}` : `/api/webhooks/wasender/${vendor.vendorId}`;
  const started = performance.now();
  const response = await fetch(`${HOSTING}${path}`, { method: "POST", headers: signedHeaders(vendor.secret), body });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${text.slice(0, 200)}`);
  return performance.now() - started;
}

/** Waits until no inbound message of the vendor is left undecided (the reply triggers caught up). */
export async function waitForDecisions(vendorId, timeoutMs = 120_000) {
  const query = db()
    .collectionGroup("messages")
    .where("vendorId", "==", vendorId)
    .where("processing.state", "==", "pending")
    .limit(1);
  const deadline = Date.now() + timeoutMs;
  while (!(await query.get()).empty) {
    if (Date.now() > deadline) throw new Error(`messages of ${vendorId} still undecided after ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

/**
 * Turns the Functions emulator's Firestore triggers off or on (the emulator hub's switch, as the
 * Emulator UI uses it); HTTP and task queue functions keep running.
 */
export async function setBackgroundTriggers(enabled) {
  const hub = process.env.FIREBASE_EMULATOR_HUB ?? "127.0.0.1:4400";
  const response = await fetch(`http://${hub}/functions/${enabled ? "enable" : "disable"}BackgroundTriggers`, {
    method: "PUT",
  });
  if (!response.ok)
    throw new Error(`the emulator hub answered ${response.status} to turning triggers ${enabled ? "on" : "off"}`);
}
