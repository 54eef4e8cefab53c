import { createHash, createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startFakePayments, type FakePayments } from "../../../scripts/lib/fake-payments.mjs";
import type { WebhookRequest, WebhookResponse } from "../../src/http/handler";
import { handlePaymentWebhook } from "../../src/payments/webhook";
import { fuzzSideEffects } from "../support/fuzz-side-effects";
import { adminDb, createVendor } from "../support/emulators";
import { anyJson, documentedCodes, encodePathSegment, mutated, oddString, STACK_TRACE } from "../support/fuzz-inputs";
import {
  accountSecrets,
  givePaymentAccount,
  paymentAccount,
  PROVIDER_NAMES,
  type ProviderName,
} from "../support/payments";

/**
 * Fuzzing the payment webhook in this process against the Firestore emulator and the fake providers:
 * 10,000 generated requests per provider. For every request: an answer, never a 5xx or a thrown error;
 * errors in the envelope with a code documented in docs/payments.md; no secret in any answer; no
 * Firestore write and no 2xx unless the callback carried this vendor's valid proof.
 */

const CASES = 10_000;
const db = adminDb();
const CODES = documentedCodes(readFileSync(join(__dirname, "../../../docs/payments.md"), "utf8"), "### Errors");
let fake: FakePayments;

const sideEffects = fuzzSideEffects();
const { writes, unhandled } = sideEffects;

beforeAll(async () => {
  fake = await startFakePayments();
  sideEffects.start();
});
afterAll(async () => {
  sideEffects.stop();
  vi.restoreAllMocks();
  await fake.close();
});

type Proof = "valid" | "forged" | "stale" | "none" | "garbage" | "other-scheme" | "other-body";
const PROOFS: Proof[] = ["valid", "valid", "forged", "stale", "none", "garbage", "other-scheme", "other-body"];

const hmac = (secret: string, text: Buffer) => createHmac("sha256", secret).update(text).digest("hex");
const now = () => Math.floor(Date.now() / 1000);

/** The headers (and, for PayDunya, the body) a request carries for each kind of proof. */
function prove(
  provider: ProviderName,
  account: Record<string, string>,
  proof: Proof,
  raw: Buffer,
): {
  headers: Record<string, string>;
  body: Buffer;
} {
  const t = proof === "stale" ? now() - 900 : now();
  const signed = (secret: string, separator: string, body = raw) =>
    `t=${t},v1=${hmac(secret, Buffer.concat([Buffer.from(`${t}${separator}`), body]))}`;
  if (provider === "paydunya") {
    const sha512 = (text: string) => createHash("sha512").update(text).digest("hex");
    const rightKey = proof === "valid" || proof === "stale";
    const hash = rightKey ? sha512(account.paydunyaMasterKey!) : proof === "none" ? undefined : sha512("not-the-key");
    const form = new URLSearchParams(raw.toString("utf8"));
    if (hash !== undefined) form.set("data[hash]", proof === "garbage" ? "zz" : hash);
    else form.delete("data[hash]");
    return { headers: { "content-type": "application/x-www-form-urlencoded" }, body: Buffer.from(form.toString()) };
  }
  if (provider === "wave") {
    const secret = account.waveWebhookSecret!;
    const headers: Record<string, Record<string, string>> = {
      valid: { "wave-signature": signed(secret, "") },
      forged: { "wave-signature": signed("wave_sn_WHS_forged", "") },
      stale: { "wave-signature": signed(secret, "") },
      none: {},
      garbage: { "wave-signature": "t=x,v1=zz,v1" },
      "other-scheme": { authorization: `Bearer ${secret}` },
      "other-body": { "wave-signature": signed(secret, "", Buffer.concat([raw, Buffer.from(" ")])) },
    };
    return { headers: { "content-type": "application/json", ...headers[proof] }, body: raw };
  }
  const secret = account.orangeWebhookSecret!;
  const basic = `Basic ${account.orangeCallbackApiKey}`;
  const headers: Record<string, Record<string, string>> = {
    valid: { "x-sonatel-signature": signed(secret, ","), authorization: basic },
    forged: { "x-sonatel-signature": signed("om-forged", ","), authorization: basic },
    stale: { "x-sonatel-signature": signed(secret, ","), authorization: basic },
    none: {},
    garbage: { "x-sonatel-signature": "t=1,v1=00", authorization: "Basic " },
    "other-scheme": { "x-sonatel-signature": signed(secret, ""), authorization: basic },
    "other-body": {
      "x-sonatel-signature": signed(secret, ",", Buffer.concat([raw, Buffer.from(" ")])),
      authorization: basic,
    },
  };
  return { headers: { "content-type": "application/json", ...headers[proof] }, body: raw };
}

/** A real invoice at the fake PayDunya (still open): a confirmed IPN for it changes nothing and answers 200. */
async function openInvoice(account: Record<string, string>): Promise<string> {
  const res = await fetch(`${account.paydunyaApiUrl}/v1/checkout-invoice/create`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "paydunya-master-key": account.paydunyaMasterKey!,
      "paydunya-private-key": account.paydunyaPrivateKey!,
      "paydunya-token": account.paydunyaToken!,
    },
    body: JSON.stringify({
      invoice: { total_amount: 30000, description: "fuzz" },
      store: { name: "fuzz" },
      custom_data: { reference: "CMD-ABCDEF" },
    }),
  });
  return ((await res.json()) as { token: string }).token;
}

function bodies(provider: ProviderName, invoice = "test_unknown"): fc.Arbitrary<Buffer> {
  const reference = fc.oneof(fc.constantFrom("CMD-ABCDEF", "CMD-2345ZZ", ""), oddString);
  const shaped =
    provider === "wave"
      ? reference
          .chain((ref) =>
            mutated({
              id: "AE_1",
              type: "checkout.session.completed",
              data: {
                id: "cos-1",
                amount: "30000",
                currency: "XOF",
                payment_status: "succeeded",
                transaction_id: "T_1",
                client_reference: ref,
              },
            }),
          )
          .map((value) => JSON.stringify(value) ?? "")
      : provider === "orange_money"
        ? reference
            .chain((ref) =>
              mutated({
                transactionId: "MP1",
                status: "SUCCESS",
                reference: ref,
                amount: { value: 30000, unit: "XOF" },
              }),
            )
            .map((value) => JSON.stringify(value) ?? "")
        : fc
            .record({
              token: fc.oneof(fc.constant(invoice), fc.constant(invoice), fc.constant("test_unknown"), oddString),
              status: fc.constantFrom("completed", "cancelled", ""),
              extra: fc.dictionary(oddString, oddString, { maxKeys: 3 }),
            })
            .map(({ token, status, extra }) =>
              new URLSearchParams({
                "data[invoice][token]": token,
                "data[status]": status,
                ...extra,
              }).toString(),
            );
  return fc
    .oneof(
      { weight: 6, arbitrary: shaped },
      {
        weight: 1,
        arbitrary: anyJson.map((value) => JSON.stringify(value)),
      },
      { weight: 1, arbitrary: oddString },
      {
        weight: 1,
        arbitrary: fc.constantFrom("", "{}", "[]", "null", "a=b"),
      },
    )
    .map((text) => Buffer.from(text, "utf8"));
}

function judge(response: WebhookResponse, secrets: string[]): string | undefined {
  const { status } = response;
  if (!Number.isInteger(status) || status < 200 || status > 599) return `status ${status}`;
  if (response.status >= 500) return `a ${response.status}: ${JSON.stringify(response.body)}`;
  const serialized = JSON.stringify(response.body);
  if (STACK_TRACE.test(serialized)) return `a stack trace in ${serialized.slice(0, 300)}`;
  for (const secret of secrets) if (serialized.includes(secret)) return "a secret in the answer";
  if (response.status >= 400) {
    const error = (response.body as { error?: { code?: unknown; message?: unknown } }).error;
    if (response.body.ok !== false || typeof error?.code !== "string" || typeof error.message !== "string") {
      return `not the error envelope: ${serialized.slice(0, 300)}`;
    }
    if (!CODES.has(error.code)) return `undocumented code "${error.code}"`;
  } else if (response.body.ok !== true) return `a success without ok: true: ${serialized.slice(0, 300)}`;
  return undefined;
}

describe.each(PROVIDER_NAMES)("fuzzing the %s payment webhook", (provider) => {
  it(`answers ${CASES} generated requests within the contract`, async () => {
    const vendor = await createVendor(db, { config: { autoReplyEnabled: false } });
    const account = paymentAccount(provider, fake) as Record<string, string>;
    await givePaymentAccount(vendor.vendorId, account, fake);
    const secrets = accountSecrets(account);
    const invoice = provider === "paydunya" ? await openInvoice(account) : undefined;
    const good = [`/api/webhooks/payments/${provider}/${vendor.vendorId}`, `/${provider}/${vendor.vendorId}`];
    const path = fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom(...good) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          `/${PROVIDER_NAMES.find((p) => p !== provider)}/${vendor.vendorId}`,
          `/${provider}/vendor_nobody`,
          `/${provider}`,
          "/",
          "",
          `/${provider}/${vendor.vendorId}/x`,
          `/stripe/${vendor.vendorId}`,
          "/%E0%A4%A/x",
        ),
      },
      { weight: 1, arbitrary: oddString.map((id) => `/${provider}/${encodePathSegment(id)}`) },
    );
    const method = fc.oneof(
      { weight: 12, arbitrary: fc.constant("POST") },
      {
        weight: 1,
        arbitrary: fc.constantFrom("GET", "PUT", ""),
      },
    );
    const statuses = new Map<number, number>();
    let fiveXx = 0;
    let unauthenticatedWrites = 0;
    let cases = 0;
    const deps = { scheduler: { schedule: () => Promise.resolve() } };

    await fc.assert(
      fc.asyncProperty(
        fc.record({
          verb: method,
          path,
          raw: bodies(provider, invoice),
          proof: fc.constantFrom(...PROOFS),
        }),
        async ({ verb, path: p, raw, proof }) => {
          const { headers, body } = prove(provider, account, proof, raw);
          // Only a fresh proof made with this vendor's own secret, at this vendor's URL, may write.
          // PayDunya's IPN has no timestamp: "stale" carries the right hash there.
          const proven = proof === "valid" || (provider === "paydunya" && proof === "stale");
          const authenticated = proven && good.includes(p) && verb === "POST";
          const before = writes();
          const response = await handlePaymentWebhook(
            {
              method: verb,
              path: p,
              headers,
              rawBody: body,
            } satisfies WebhookRequest,
            deps,
          );
          const wrote = writes() - before;
          cases += 1;
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (response.status >= 500) fiveXx += 1;
          if (!authenticated && wrote > 0) unauthenticatedWrites += 1;
          const problem = judge(response, secrets);
          if (problem) throw new Error(`${problem} (${verb} ${p.slice(0, 80)}, ${proof}, ${body.length} bytes)`);
          if (!authenticated && (wrote > 0 || response.status < 300)) {
            throw new Error(`unauthenticated request ${response.status}, ${wrote} writes (${proof})`);
          }
        },
      ),
      { numRuns: CASES, endOnFailure: true },
    );
    const summary = [...statuses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}:${n}`)
      .join(" ");
    console.log(
      `fuzz: ${provider} payment webhook ${cases} cases, 5xx ${fiveXx}, ` +
        `unauthenticated writes ${unauthenticatedWrites}, unhandled rejections ${unhandled()} (${summary})`,
    );
    expect(cases).toBe(CASES);
    expect(fiveXx).toBe(0);
    expect(unauthenticatedWrites).toBe(0);
    expect(unhandled()).toBe(0);
    for (const status of [200, 401, 404, 405]) {
      expect(statuses.get(status) ?? 0, `answers with ${status}`).toBeGreaterThan(0);
    }
  }, 600_000);
});
