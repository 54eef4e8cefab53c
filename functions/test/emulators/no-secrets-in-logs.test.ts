import { randomBytes, randomUUID } from "node:crypto";
import { getAuth } from "firebase-admin/auth";
import { getFirestore, Timestamp } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import functionsTest from "firebase-functions-test";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { startFakePayments } from "../../../scripts/lib/fake-payments.mjs";
import { ProviderCheckoutCreator } from "../../src/payments/checkout-creator";
import { reconcileCheckouts } from "../../src/payments/reconcile";
import { handlePaymentWebhook } from "../../src/payments/webhook";
import { accountSecrets, paymentAccount, PROVIDER_NAMES } from "../support/payments";
import { handleAdminRequest, type AdminDeps } from "../../src/admin/admin-api";
import { onConversationMessageCreated } from "../../src/entry/replies";
import { ProviderRegistry } from "../../src/providers/registry";
import { handleWasenderWebhook } from "../../src/webhooks/wasender-webhook";
import { createVendor, eventually, outboundOf } from "../support/emulators";
import { emulatorIdToken, FUZZ_USER } from "../support/fuzz-inputs";
import { functionInstance, webhookRequest } from "../support/in-process";
import { messagesReceived } from "../support/payloads";

/**
 * Every log line written while a whole conversation runs (webhook, reply trigger), while the admin API
 * is called and while bad requests are refused, captured in this process: none may contain a secret,
 * an API key, an access token, an ID token or a signature that was sent.
 */

// A project of its own (as the trigger idempotency test): only the calls below run the trigger.
const PROJECT = "demo-livepay-logs";
// Before any module loads: firebase-functions' logger keeps the console methods it finds at load time,
// so the capture must be in place first. Every line goes to the original method too.
const captured = vi.hoisted(() => {
  process.env.GCLOUD_PROJECT = process.env.GOOGLE_CLOUD_PROJECT = "demo-livepay-logs";
  delete process.env.FIREBASE_CONFIG;
  const lines: string[] = [];
  for (const name of ["log", "info", "warn", "error", "debug"] as const) {
    const original = console[name].bind(console);
    console[name] = (...args: unknown[]) => {
      lines.push(args.map((arg) => (typeof arg === "string" ? arg : (JSON.stringify(arg) ?? String(arg)))).join(" "));
      original(...args);
    };
  }
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = (chunk: unknown, ...rest: unknown[]) => {
      lines.push(typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"));
      return write(chunk, ...rest);
    };
  }
  return lines;
});

const db = getFirestore();
const testEnv = functionsTest({ projectId: PROJECT });
let wasender: FakeWasender;

beforeAll(async () => {
  wasender = await startFakeWasender();
  process.env.WASENDER_API_URL = wasender.apiUrl;
  process.env.PLATFORM_PAYMENT_LINK = "https://pay.example.test/{vendorId}/{reference}?amount={amount}";
  await getAuth()
    .createUser({ uid: FUZZ_USER })
    .catch((error: { code?: string }) => {
      if (error.code !== "auth/uid-already-exists") throw error;
    });
});
afterAll(async () => {
  testEnv.cleanup();
  await wasender.close();
});

describe("logs", () => {
  it("carry no secret, key, token or signature through a conversation, admin calls and refused requests", async () => {
    const accessToken = `pat-${randomUUID()}`;
    const previousSecret = `old-secret-${randomUUID()}`;
    const vendor = await createVendor(db, {
      apiUrl: wasender.apiUrl,
      instance: {
        wasenderAccessToken: accessToken,
        previousWebhookSecret: previousSecret,
        previousWebhookSecretExpiresAt: Timestamp.fromMillis(Date.now() + 3_600_000),
      },
      products: { robe: { keyword: "ROBE1", name: "Robe wax", price: 15000, stock: 5, active: true } },
    });
    wasender.addSession(`session-${vendor.vendorId}`, accessToken);
    const instance = functionInstance("memory");
    const customer = "+221771239876";
    const canary = `canary-${randomUUID()}`;
    logger.info("log capture check", { canary });

    // A whole conversation: each message through the webhook, then the reply trigger on what was stored.
    const wrapped = testEnv.wrap(onConversationMessageCreated);
    for (const text of ["Bonjour", "ROBE1", "2", "OUI", "COMMANDES"]) {
      const id = `LOGS${randomUUID().slice(0, 8).toUpperCase()}`;
      const body = messagesReceived({ id, phone: customer.slice(1), text });
      const scheme = text === "2" ? "hmac" : "secret";
      const response = await handleWasenderWebhook(
        webhookRequest(vendor.vendorId, vendor.secret, body, { scheme }),
        instance,
      );
      expect(response.status).toBe(200);
      const path = `vendors/${vendor.vendorId}/conversations/${customer}/messages/in_${id}`;
      const data = (await db.doc(path).get()).data()!;
      await wrapped({
        data: testEnv.firestore.makeDocumentSnapshot(data, path),
        params: { vendorId: vendor.vendorId, customer, messageId: `in_${id}` },
      });
      await eventually(
        async () => ((await db.doc(path).get()).get("processing.state") !== "pending" ? true : undefined),
        15_000,
        `"${text}" decided`,
      );
    }
    // A message document the trigger cannot place: its warning names the conversation's buyer.
    const odd = `vendors/${vendor.vendorId}/conversations/${customer}/messages/odd_1`;
    await wrapped({
      data: testEnv.firestore.makeDocumentSnapshot({ text: "?" }, odd),
      params: { vendorId: vendor.vendorId, customer, messageId: "odd_1" },
    });
    // The previous secret, still valid, works too.
    expect(
      (
        await handleWasenderWebhook(
          webhookRequest(vendor.vendorId, previousSecret, { event: "presence.update", data: {} }),
          instance,
        )
      ).status,
    ).toBe(200);
    expect((await outboundOf(db, vendor.vendorId, customer).get()).size).toBeGreaterThan(0);

    // Refused requests: wrong secrets, wrong HMACs, a secret sent to another vendor's URL.
    const badSignatures = [`${vendor.secret}x`, randomBytes(16).toString("hex"), `wrong-${randomUUID()}`];
    for (const bad of badSignatures) {
      expect(
        (await handleWasenderWebhook(webhookRequest(vendor.vendorId, bad, messagesReceived()), instance)).status,
      ).toBe(401);
      expect(
        (
          await handleWasenderWebhook(
            webhookRequest(vendor.vendorId, bad, messagesReceived(), { scheme: "hmac" }),
            instance,
          )
        ).status,
      ).toBe(401);
    }
    expect(
      (await handleWasenderWebhook(webhookRequest("vendor_somebody_else", vendor.secret, messagesReceived()), instance))
        .status,
    ).toBe(404);

    // Admin calls: accepted, and refused with bad tokens.
    const deps = {
      providers: new ProviderRegistry(() => wasender.apiUrl),
      scheduler: { schedule: async () => {} },
      publicBaseUrl: () => "https://livepay.example.test",
      sweep: async () => ({}),
    } as unknown as AdminDeps;
    const adminToken = emulatorIdToken(PROJECT, { admin: true });
    const vendorToken = emulatorIdToken(PROJECT, { vendorId: vendor.vendorId });
    const expired = emulatorIdToken(PROJECT, { admin: true }, { expiresIn: 60, issuedAgo: 7_200 });
    const otherProject = emulatorIdToken("demo-elsewhere", { admin: true });
    const wrongClaims = emulatorIdToken(PROJECT, { vendorId: "vendor_other" });
    const call = (method: string, action: string, token: string | undefined, body?: unknown) =>
      handleAdminRequest(
        {
          method,
          path: `/api/admin/vendors/${vendor.vendorId}/${action}`,
          headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
          rawBody: body === undefined ? undefined : Buffer.from(JSON.stringify(body)),
        },
        deps,
      );
    expect((await call("POST", "setup-wasender-webhook", adminToken)).status).toBe(200);
    expect((await call("GET", "wasender-status", vendorToken)).status).toBe(200);
    expect(
      (await call("POST", "messages", vendorToken, { to: customer, text: "Votre colis part demain" })).status,
    ).toBe(202);
    for (const token of [expired, otherProject, `${adminToken.slice(0, -3)}xyz`])
      expect((await call("GET", "wasender-status", token)).status).toBe(401);
    expect((await call("GET", "wasender-status", wrongClaims)).status).toBe(403);

    const text = captured.join("\n");
    expect(text, "the capture sees the logger's lines").toContain(canary);
    expect(text).toContain("webhook rejected");
    const secrets = {
      webhookSecret: vendor.secret,
      previousSecret,
      apiKey: vendor.apiKey,
      accessToken,
      adminToken,
      vendorToken,
      expired,
      otherProject,
      wrongClaims,
      ...Object.fromEntries(badSignatures.map((bad, i) => [`badSignature${i}`, bad])),
      ...(process.env.UPSTASH_REDIS_REST_TOKEN && { redisToken: process.env.UPSTASH_REDIS_REST_TOKEN }),
      ...(process.env.CONFIG_CACHE_KEY && { cacheKey: process.env.CONFIG_CACHE_KEY }),
    };
    const leaked = Object.entries(secrets)
      .filter(([, value]) => text.includes(value))
      .map(([name]) => name);
    console.log(`logs: ${captured.length} lines captured, secrets found in them: ${leaked.length}`);
    expect(leaked).toEqual([]);
    // Nor the buyer's number: logs show it masked (shared/phone-mask.ts).
    expect(text).toContain("message without direction ignored");
    expect(text).toContain("+22177*****76");
    expect(captured.filter((line) => line.includes(customer.slice(1)) || line.includes(customer.slice(4)))).toEqual([]);
  }, 120_000);

  it("carry no payment secret through checkouts, callbacks, fallbacks and reconciliation", async () => {
    const fake = await startFakePayments();
    const secrets: Record<string, string> = {};
    const customer = "+221771239877";
    try {
      for (const provider of PROVIDER_NAMES) {
        const vendor = await createVendor(db, { apiUrl: wasender.apiUrl, config: { autoReplyEnabled: false } });
        const account = paymentAccount(provider, fake);
        await db.collection("payment_accounts").doc(vendor.vendorId).set(account);
        const callbackUrl = `http://127.0.0.1:1/api/webhooks/payments/${provider}/${vendor.vendorId}`;
        fake.addAccount(vendor.vendorId, account, callbackUrl);
        accountSecrets(account).forEach((secret, i) => (secrets[`${provider}Secret${i}`] = secret));
        const creator = new ProviderCheckoutCreator(() => "http://127.0.0.1:1");
        const reference = `CMD-${provider === "wave" ? "WAVEAA" : provider === "paydunya" ? "PAYDAA" : "ZRANGE"}`;
        const expiresAt = new Date(Date.now() + 600_000);
        // Reserved orders with our pay link; their checkouts are made after the reservation (`ensure`).
        const reservedOrder = async (ref: string) => {
          await db.doc(`vendors/${vendor.vendorId}/orders/${ref}`).set({
            customer,
            wabaInstanceId: vendor.wabaInstanceId,
            items: [{ productId: "robe", keyword: "ROBE1", name: "Robe wax", unitPrice: 15000, quantity: 2 }],
            total: 30000,
            currency: "XOF",
            status: "reserved",
            stockHeld: true,
            paymentLink: (await creator.linkFor(vendor.vendorId, ref, "https://pay.example.test/x")).url,
            paymentFallback: "https://pay.example.test/x",
            createdAt: Timestamp.now(),
            expiresAt: Timestamp.fromDate(expiresAt),
            notices: {},
          });
        };
        await reservedOrder(reference);
        expect(await creator.ensure(vendor.vendorId, reference)).toMatchObject({ kind: "created" });
        await db.doc(`vendors/${vendor.vendorId}/orders/${reference}`).update({
          "checkout.checkAfter": Timestamp.fromMillis(Date.now() - 1000),
        });
        // A provider down at the checkout's creation: the fallback is logged, without the keys.
        await reservedOrder("CMD-DOWNAA");
        fake.injectFault({ provider, httpStatus: 503 });
        const fallback = await creator.ensure(vendor.vendorId, "CMD-DOWNAA");
        expect(fallback).toMatchObject({ kind: "fallback", url: "https://pay.example.test/x" });
        const checkout = fake.find(reference, vendor.vendorId);
        const deps = { scheduler: { schedule: () => Promise.resolve() } };
        const send = (callback: { url: string; headers: Record<string, string>; body: string }) =>
          handlePaymentWebhook(
            {
              method: "POST",
              path: new URL(callback.url).pathname,
              headers: callback.headers,
              rawBody: Buffer.from(callback.body),
            },
            deps,
          );
        const forged = fake.callbackFor(checkout, { secret: `forged-${randomUUID()}` });
        secrets[`${provider}Forged`] =
          forged.headers["wave-signature"] ??
          forged.headers["x-sonatel-signature"] ??
          new URLSearchParams(forged.body).get("data[hash]")!;
        expect((await send(forged)).status).toBe(401);
        if (provider !== "paydunya") {
          const stale = fake.callbackFor(checkout, { signedAt: Math.floor(Date.now() / 1000) - 900 });
          expect((await send(stale)).status).toBe(401);
        }
        if (provider === "orange_money") {
          const paid = await fake.pay(reference, { times: 0, vendorId: vendor.vendorId });
          expect(paid.status).toBe("paid");
          expect((await send(fake.callbackFor(checkout))).status).toBe(200);
        } else {
          // Lost callback: the reconciliation asks the provider with the vendor's keys.
          await fake.pay(reference, { times: 0, vendorId: vendor.vendorId });
          await reconcileCheckouts(new Date(), deps);
          expect((await db.doc(`vendors/${vendor.vendorId}/orders/${reference}`).get()).get("status")).toBe("paid");
          const valid = fake.callbackFor(checkout);
          expect((await send(valid)).status).toBe(200);
        }
      }
    } finally {
      await fake.close();
    }
    const text = captured.join("\n");
    expect(text).toContain("payment callback refused");
    expect(text).toContain("checkout created");
    const leaked = Object.entries(secrets)
      .filter(([, value]) => text.includes(value))
      .map(([name]) => name);
    console.log(`logs: payments, ${Object.keys(secrets).length} secrets checked, found in the logs: ${leaked.length}`);
    expect(leaked).toEqual([]);
    expect(captured.filter((line) => line.includes(customer.slice(1)) || line.includes(customer.slice(4)))).toEqual([]);
  }, 120_000);
});
