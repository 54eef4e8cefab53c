import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { WebhookRequest } from "../../src/http/handler";
import { paymentAccountSchema, type OrangeMoneyAccount, type WaveAccount } from "../../src/model/payment-account";
import { orangeMoney } from "../../src/payments/orange-money";
import { paydunya } from "../../src/payments/paydunya";
import { wave } from "../../src/payments/wave";
import { verifyAuthorization, verifyTimestampedHmac } from "../../src/payments/signatures";

const NOW = new Date("2026-12-04T12:00:00Z");
const T = Math.floor(NOW.getTime() / 1000);
const signal = AbortSignal.timeout(1000);
const hmac = (secret: string, text: string) => createHmac("sha256", secret).update(text).digest("hex");
const request = (headers: Record<string, string>, body: string): WebhookRequest => ({
  method: "POST",
  path: "/",
  headers,
  rawBody: Buffer.from(body),
});

const waveAccount = paymentAccountSchema.parse({
  provider: "wave",
  waveApiKey: "wave_sn_prod_k",
  waveWebhookSecret: "wave_sn_WHS_s",
}) as WaveAccount;
const session = {
  id: "cos-1",
  amount: "30000",
  currency: "XOF",
  checkout_status: "complete",
  payment_status: "succeeded",
  transaction_id: "T1",
  client_reference: "CMD-ABCDEF",
};
const waveBody = JSON.stringify({ id: "evt-1", type: "checkout.session.completed", data: session });
/** Wave's callback as Wave would sign it with the test secret. */
const waveSigned = (body: string) => ({ "wave-signature": `t=${T},v1=${hmac("wave_sn_WHS_s", `${T}${body}`)}` });
const checkWave = (account: WaveAccount, headers: Record<string, string>, body = waveBody) =>
  wave.verifyCallback(account, request(headers, body), NOW, signal);

describe("Wave-Signature", () => {
  it("accepts t + raw body (no separator) signed with the secret, among several v1", async () => {
    const good = hmac("wave_sn_WHS_s", `${T}${waveBody}`);
    const check = await checkWave(waveAccount, { "wave-signature": `t=${T},v1=${"0".repeat(64)},v1=${good}` });
    expect(check).toMatchObject({
      ok: true,
      payment: { reference: "CMD-ABCDEF", transactionId: "T1", outcome: "succeeded", amount: 30000, currency: "XOF" },
    });
  });

  it("refuses a forged, a separator-signed, a stale and an unsigned callback", async () => {
    const forged = hmac("another", `${T}${waveBody}`);
    const withComma = hmac("wave_sn_WHS_s", `${T},${waveBody}`);
    const stale = hmac("wave_sn_WHS_s", `${T - 301}${waveBody}`);
    const verdicts = await Promise.all([
      wave.verifyCallback(waveAccount, request({ "wave-signature": `t=${T},v1=${forged}` }, waveBody), NOW, signal),
      wave.verifyCallback(waveAccount, request({ "wave-signature": `t=${T},v1=${withComma}` }, waveBody), NOW, signal),
      checkWave(waveAccount, { "wave-signature": `t=${T - 301},v1=${stale}` }),
      wave.verifyCallback(waveAccount, request({}, waveBody), NOW, signal),
      wave.verifyCallback(waveAccount, request({ authorization: "Bearer wave_sn_WHS_s" }, waveBody), NOW, signal),
    ]);
    expect(verdicts.map((v) => (v.ok ? "ok" : v.code))).toEqual([
      "invalid_signature",
      "invalid_signature",
      "stale_signature",
      "missing_signature",
      "missing_signature",
    ]);
    expect(verdicts.every((v) => !v.ok && v.status === 401)).toBe(true);
  });

  it("under the bearer scheme, accepts only Authorization: Bearer <secret>", async () => {
    const bearer = { ...waveAccount, waveWebhookScheme: "bearer" as const };
    expect((await checkWave(bearer, { authorization: "Bearer wave_sn_WHS_s" })).ok).toBe(true);
    expect((await checkWave(bearer, { authorization: "bearer wave_sn_WHS_s" })).ok).toBe(true);
    for (const authorization of ["Bearer wave_sn_WHS_x", "Basic wave_sn_WHS_s", "wave_sn_WHS_s", "Bearer "]) {
      expect((await checkWave(bearer, { authorization })).ok, authorization).toBe(false);
    }
    const signedOnly = hmac("wave_sn_WHS_s", `${T}${waveBody}`);
    expect((await checkWave(bearer, { "wave-signature": `t=${T},v1=${signedOnly}` })).ok).toBe(false);
  });

  it("reads a payment failure, and ignores other event types", async () => {
    const failed = JSON.stringify({
      id: "evt-2",
      type: "checkout.session.payment_failed",
      data: { ...session, payment_status: "cancelled", transaction_id: null },
    });
    const check = await checkWave(waveAccount, waveSigned(failed), failed);
    expect(check).toMatchObject({ ok: true, payment: { outcome: "failed", transactionId: "cos-1" } });
    const other = JSON.stringify({ id: "evt-3", type: "merchant.payment_received", data: {} });
    const ignored = await checkWave(waveAccount, waveSigned(other), other);
    expect(ignored).toEqual({ ok: true, event: "merchant.payment_received" });
    // Found by the fuzz: a type naming an Object.prototype member is just another unknown event.
    for (const type of ["constructor", "__proto__", "toString"]) {
      const odd = JSON.stringify({ id: "evt-4", type, data: session });
      const check = await checkWave(waveAccount, waveSigned(odd), odd);
      expect(check, type).toEqual({ ok: true, event: type });
    }
  });
});

describe("X-Sonatel-Signature and the Basic api key (Orange Money)", () => {
  const account = paymentAccountSchema.parse({
    provider: "orange_money",
    orangeClientId: "id",
    orangeClientSecret: "cs",
    orangeMerchantCode: "123456",
    orangeCallbackApiKey: "om-api-key",
    orangeWebhookSecret: "om-secret",
  }) as OrangeMoneyAccount;
  const body = JSON.stringify({
    transactionId: "MP1",
    status: "SUCCESS",
    reference: "CMD-ABCDEF",
    amount: { value: 30000, unit: "XOF" },
  });
  const signed = (secret: string, t: number, separator = ",") => `t=${t},v1=${hmac(secret, `${t}${separator}${body}`)}`;

  it("accepts t + ',' + body signed with the secret, with the Basic api key", async () => {
    const check = await orangeMoney.verifyCallback(
      account,
      request(
        {
          "x-sonatel-signature": signed("om-secret", T),
          authorization: "Basic om-api-key",
        },
        body,
      ),
      NOW,
      signal,
    );
    expect(check).toMatchObject({
      ok: true,
      payment: {
        provider: "orange_money",
        reference: "CMD-ABCDEF",
        transactionId: "MP1",
        outcome: "succeeded",
        amount: 30000,
        currency: "XOF",
      },
    });
  });

  it("refuses a wrong api key, no separator, another secret, a stale timestamp", async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ "x-sonatel-signature": signed("om-secret", T), authorization: "Basic other" }, "invalid_signature"],
      [{ "x-sonatel-signature": signed("om-secret", T) }, "missing_signature"],
      [{ "x-sonatel-signature": signed("om-secret", T, ""), authorization: "Basic om-api-key" }, "invalid_signature"],
      [{ "x-sonatel-signature": signed("other", T), authorization: "Basic om-api-key" }, "invalid_signature"],
      [{ "x-sonatel-signature": signed("om-secret", T - 600), authorization: "Basic om-api-key" }, "stale_signature"],
      [{ authorization: "Basic om-api-key" }, "missing_signature"],
    ];
    for (const [headers, code] of cases) {
      const check = await orangeMoney.verifyCallback(account, request(headers, body), NOW, signal);
      expect(check.ok ? "ok" : check.code, JSON.stringify(headers)).toBe(code);
    }
  });
});

describe("PayDunya IPN: hash, then confirm", () => {
  it("refuses a missing or wrong hash before any call to PayDunya", async () => {
    // An unreachable API: a call would throw, so these answers come from the hash alone.
    const account = paymentAccountSchema.parse({
      provider: "paydunya",
      paydunyaMasterKey: "mk",
      paydunyaPrivateKey: "pk",
      paydunyaToken: "tk",
      paydunyaApiUrl: "http://127.0.0.1:9",
    });
    if (account.provider !== "paydunya") throw new Error("parsed as another provider");
    const form = (hash?: string) =>
      new URLSearchParams({
        ...(hash !== undefined && { "data[hash]": hash }),
        "data[invoice][token]": "tok",
        "data[status]": "completed",
      }).toString();
    const ct = { "content-type": "application/x-www-form-urlencoded" };
    const wrong = createHash("sha512").update("other").digest("hex");
    expect(await paydunya.verifyCallback(account, request(ct, form()), NOW, signal)).toMatchObject({
      ok: false,
      status: 401,
      code: "missing_signature",
    });
    expect(await paydunya.verifyCallback(account, request(ct, form(wrong)), NOW, signal)).toMatchObject({
      ok: false,
      status: 401,
      code: "invalid_signature",
    });
    // The right hash is not enough: the confirmation call is made (and fails here, unreachable).
    const right = createHash("sha512").update("mk").digest("hex");
    const confirmed = paydunya.verifyCallback(account, request(ct, form(right)), NOW, signal);
    await expect(confirmed).rejects.toThrow(/unreachable|no answer/);
  });
});

describe("signature helpers", () => {
  it("refuses malformed headers", () => {
    for (const value of ["", "t=,v1=", "v1=abc", `t=${T}`, `t=abc,v1=00`, "garbage"]) {
      expect(verifyTimestampedHmac(value, "s", Buffer.from("{}"), "", T).ok, value).toBe(false);
    }
    expect(verifyAuthorization("Bearer", "Bearer", "x").ok).toBe(false);
  });
});
