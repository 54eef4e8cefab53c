import { randomUUID } from "node:crypto";
import { getAuth } from "firebase-admin/auth";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { handleAdminRequest, type AdminDeps } from "../../src/admin/admin-api";
import type { WebhookRequest, WebhookResponse } from "../../src/http/handler";
import { ProviderRegistry } from "../../src/providers/registry";
import { handleMetaWebhook } from "../../src/webhooks/meta-webhook";
import { handleUnipileWebhook } from "../../src/webhooks/unipile-webhook";
import { unipileAccount, unipileAccountStatus, unipileFields, unipileMessage } from "../support/unipile";
import { handleWasenderWebhook } from "../../src/webhooks/wasender-webhook";
import { metaBody, metaFields, metaNumber, metaSignature, metaStatus, metaText } from "../support/meta";
import { fuzzSideEffects } from "../support/fuzz-side-effects";
import {
  adminDb,
  createVendor,
  eventually,
  HOSTING_URL,
  messagesOf,
  PROJECT_ID,
  type TestVendor,
} from "../support/emulators";
import { AllowedHosts, DEFAULT_PROVIDER_API_HOSTS, staffUrlProblem } from "../../src/model/provider-urls";
import {
  anyJson,
  contentType,
  documentedCodes,
  emulatorIdToken,
  encodePathSegment,
  FUZZ_USER,
  method,
  mutated,
  oddString,
  rawBody,
  referenceDoc,
  signatureHeaders,
  signatureKind,
  STACK_TRACE,
  validlySigned,
} from "../support/fuzz-inputs";
import { functionInstance } from "../support/in-process";
import { messagesReceived } from "../support/payloads";

/**
 * Fuzzing the HTTP handlers in this process against the Firestore emulator (3,000 generated requests
 * per webhook, 10,000 admin calls), then a smaller sample through Hosting. Properties, for every request:
 * - an answer, never a thrown error or an unhandled rejection, and never a 5xx (storage works here);
 * - every error in the envelope { ok: false, error: { code, message } } with a code from docs/reference.md;
 * - no stack trace, no secret in any answer;
 * - no Firestore write, and no 2xx, unless the request was validly authenticated.
 */

/**
 * Per webhook; `LIVEPAY_FUZZ_CASES=10000 npm test -- emulators/fuzz` runs more. The admin API keeps its
 * 10,000: its rarest answer (a 202 for a valid vendor's message) comes about once per thousand calls.
 */
const WEBHOOK_CASES = Number(process.env.LIVEPAY_FUZZ_CASES) || 3_000;
const ADMIN_CASES = 10_000;
/** Console write calls as a vendor's staff: each may run a transaction, so fewer than the pure routes. */
const CONSOLE_CASES = 2_000;
const HTTP_CASES = 200;
const db = adminDb();
const text = referenceDoc();
const WEBHOOK_CODES = documentedCodes(text, "### Errors");
const ADMIN_CODES = documentedCodes(text, "### Admin API errors");

let wasender: FakeWasender;
let vendor: TestVendor;
const accessToken = `pat-${randomUUID()}`;

const sideEffects = fuzzSideEffects();
const { writes, unhandled, mark, pathsSince } = sideEffects;
let suffix = 0;
const other_suffix = () => `${Date.now().toString(36)}${(suffix += 1)}`;

beforeAll(async () => {
  wasender = await startFakeWasender();
  // Replies off: validly signed messages are stored and the triggers end at once, so the fuzz does not load the emulators.
  vendor = await createVendor(db, {
    apiUrl: wasender.apiUrl,
    instance: { wasenderAccessToken: accessToken },
    config: { autoReplyEnabled: false },
  });
  wasender.addSession(`session-${vendor.vendorId}`, accessToken);
  // In emulator mode the Admin SDK also checks that the token's user exists (and is not disabled).
  await getAuth()
    .createUser({ uid: FUZZ_USER })
    .catch((error: { code?: string }) => {
      if (error.code !== "auth/uid-already-exists") throw error;
    });
  sideEffects.start();
});

afterAll(async () => {
  sideEffects.stop();
  vi.restoreAllMocks();
  await wasender.close();
});

interface Tally {
  cases: number;
  fiveXx: number;
  unauthenticatedWrites: number;
  unauthenticated2xx: number;
  statuses: Map<number, number>;
}

const tally = (): Tally => ({
  cases: 0,
  fiveXx: 0,
  unauthenticatedWrites: 0,
  unauthenticated2xx: 0,
  statuses: new Map(),
});

/** Checks one answer against the properties; returns why it fails, or undefined. */
function judge(response: WebhookResponse, codes: Set<string>, secrets: string[]): string | undefined {
  if (!Number.isInteger(response.status) || response.status < 200 || response.status > 599)
    return `status ${response.status}`;
  if (response.status >= 500) return `a ${response.status}: ${JSON.stringify(response.body)}`;
  const serialized = JSON.stringify(response.body);
  if (STACK_TRACE.test(serialized)) return `a stack trace or source path in ${serialized.slice(0, 300)}`;
  for (const secret of secrets) if (serialized.includes(secret)) return "a secret in the answer";
  if (response.status >= 400) {
    const error = (response.body as { ok?: unknown; error?: { code?: unknown; message?: unknown } }).error;
    if (response.body.ok !== false || typeof error?.code !== "string" || typeof error.message !== "string")
      return `not the error envelope: ${serialized.slice(0, 300)}`;
    if (!codes.has(error.code)) return `undocumented code "${error.code}"`;
  } else if (response.body.ok !== true) {
    return `a success without ok: true: ${serialized.slice(0, 300)}`;
  }
  return undefined;
}

function summary(what: string, t: Tally): string {
  const statuses = [...t.statuses.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status}:${n}`)
    .join(" ");
  return `fuzz: ${what} ${t.cases} cases, 5xx ${t.fiveXx}, unauthenticated writes ${t.unauthenticatedWrites}, unauthenticated 2xx ${t.unauthenticated2xx}, unhandled rejections ${unhandled()} (${statuses})`;
}

describe("fuzzing the Wasender webhook pipeline", () => {
  it(`answers ${WEBHOOK_CASES} generated requests within the contract`, async () => {
    const instance = functionInstance("memory");
    const t = tally();
    const vendorPath = fc.oneof(
      {
        weight: 12,
        arbitrary: fc.constantFrom(
          `/${vendor.vendorId}`,
          `/api/webhooks/wasender/${vendor.vendorId}`,
          `/${vendor.vendorId}/status`,
          `/${vendor.vendorId}/connection`,
        ),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          `/${vendor.vendorId}/other`,
          `/${vendor.vendorId}/status/x`,
          "/",
          "",
          "/api/webhooks/wasender/",
          `/${vendor.vendorId}%2Fstatus`,
          "/%E0%A4%A",
          `/${"a".repeat(300)}`,
          "/vendor_nobody",
          "/..",
        ),
      },
      { weight: 1, arbitrary: oddString.map((id) => `/${encodePathSegment(id)}`) },
      { weight: 1, arbitrary: oddString.map((id) => `/${id}`) },
    );
    const request = fc.record({
      method,
      path: vendorPath,
      body: rawBody,
      kind: signatureKind,
      contentType,
      extra: fc.dictionary(
        fc.constantFrom("x-forwarded-for", "user-agent", "content-length", "x-webhook-event"),
        oddString,
        { maxKeys: 2 },
      ),
    });

    await fc.assert(
      fc.asyncProperty(request, async ({ method: verb, path, body, kind, contentType: type, extra }) => {
        const headers: WebhookRequest["headers"] = {
          ...extra,
          ...signatureHeaders(kind, vendor.secret, body),
          ...(type !== undefined && { "content-type": type }),
        };
        const signed = validlySigned(headers, vendor.secret, body);
        const before = writes();
        const response = await handleWasenderWebhook({ method: verb, path, headers, rawBody: body }, instance);
        const wrote = writes() - before;
        t.cases += 1;
        t.statuses.set(response.status, (t.statuses.get(response.status) ?? 0) + 1);
        if (response.status >= 500) t.fiveXx += 1;
        if (!signed && wrote > 0) t.unauthenticatedWrites += 1;
        if (!signed && response.status < 300) t.unauthenticated2xx += 1;
        const problem = judge(response, WEBHOOK_CODES, [vendor.secret, vendor.apiKey, accessToken]);
        if (problem) throw new Error(`${problem} (${verb} ${path.slice(0, 80)}, ${kind}, ${body.length} bytes)`);
        if (!signed && (wrote > 0 || response.status < 300))
          throw new Error(`unauthenticated request ${response.status}, ${wrote} writes (${kind})`);
      }),
      { numRuns: WEBHOOK_CASES, endOnFailure: true },
    );
    console.log(summary("wasender webhook", t));
    expect(t.cases).toBe(WEBHOOK_CASES);
    expect(unhandled()).toBe(0);
    // The generator reached every part of the pipeline.
    for (const status of [200, 400, 401, 404, 405])
      expect(t.statuses.get(status) ?? 0, `answers with ${status}`).toBeGreaterThan(0);
  }, 240_000);
});

describe("fuzzing the Meta webhook", () => {
  const META_CASES = WEBHOOK_CASES;
  it(`answers ${META_CASES} generated requests within the contract`, async () => {
    const number = metaNumber();
    // Replies off: validly signed messages are stored and the triggers end at once.
    const metaVendor = await createVendor(db, {
      instance: {
        provider: "meta",
        wasenderInstanceId: undefined,
        wasenderApiKey: undefined,
        wasenderWebhookSecret: undefined,
        ...metaFields(number, "https://graph.example.test/v25.0"),
      },
      config: { autoReplyEnabled: false },
    });
    const instance = functionInstance("memory");
    const t = tally();
    const base = metaBody(
      [metaText(number.phoneNumberId, "+221771234567", "Bonjour", "wamid.FUZZ1")],
      [metaStatus(number.phoneNumberId, "wamid.FUZZ2", "read")],
    );
    const body = fc
      .oneof(
        { weight: 4, arbitrary: mutated(base).map((b) => JSON.stringify(b) ?? "") },
        { weight: 1, arbitrary: anyJson.map((b) => JSON.stringify(b)) },
        { weight: 1, arbitrary: oddString },
        {
          weight: 1,
          arbitrary: fc.constantFrom("", "{}", '{"object":"whatsapp_business_account","entry":[]}', "[]", "null"),
        },
      )
      .map((text) => Buffer.from(text, "utf8"));
    type Signing = "valid" | "wrong-secret" | "none" | "garbage" | "sha1" | "other-body";
    const signing = fc.constantFrom<Signing>(
      "valid",
      "valid",
      "valid",
      "wrong-secret",
      "none",
      "garbage",
      "sha1",
      "other-body",
    );
    const headerFor = (kind: Signing, raw: Buffer): Record<string, string> => {
      switch (kind) {
        case "valid":
          return { "x-hub-signature-256": metaSignature(number.appSecret, raw) };
        case "wrong-secret":
          return { "x-hub-signature-256": metaSignature("not-the-secret", raw) };
        case "none":
          return {};
        case "garbage":
          return { "x-hub-signature-256": "sha256=zz" };
        case "sha1":
          return { "x-hub-signature": "sha1=00" };
        case "other-body":
          return { "x-hub-signature-256": metaSignature(number.appSecret, Buffer.concat([raw, Buffer.from(" ")])) };
      }
    };
    const path = fc.oneof(
      {
        weight: 10,
        arbitrary: fc.constantFrom(`/${metaVendor.vendorId}`, `/api/webhooks/meta/${metaVendor.vendorId}`),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          `/${metaVendor.vendorId}/status`,
          "/",
          "/api/webhooks/meta/",
          "/vendor_nobody",
          "/%E0%A4%A",
        ),
      },
      { weight: 1, arbitrary: oddString.map((id) => `/${encodePathSegment(id)}`) },
    );
    const query = fc.oneof(
      fc.constant({ "hub.mode": "subscribe", "hub.verify_token": number.verifyToken, "hub.challenge": "12345" }),
      fc.record({
        "hub.mode": fc.constantFrom("subscribe", "unsubscribe", ""),
        "hub.verify_token": fc.oneof(fc.constant(number.verifyToken), oddString),
        "hub.challenge": oddString,
      }),
      fc.dictionary(oddString, oddString, { maxKeys: 3 }),
    );
    const verb = fc.oneof(
      { weight: 10, arbitrary: fc.constant("POST") },
      { weight: 3, arbitrary: fc.constant("GET") },
      { weight: 1, arbitrary: fc.constantFrom("PUT", "DELETE", "") },
    );

    await fc.assert(
      fc.asyncProperty(
        fc.record({ verb, path, raw: body, kind: signing, query }),
        async ({ verb: m, path: p, raw, kind, query: q }) => {
          const headers = { "content-type": "application/json", ...headerFor(kind, raw) };
          const before = writes();
          const response = await handleMetaWebhook({ method: m, path: p, headers, rawBody: raw, query: q }, instance);
          const wrote = writes() - before;
          t.cases += 1;
          t.statuses.set(response.status, (t.statuses.get(response.status) ?? 0) + 1);
          if (response.status >= 500) t.fiveXx += 1;
          const signed = m === "POST" && kind === "valid";
          const verified =
            m === "GET" &&
            q["hub.mode"] === "subscribe" &&
            q["hub.verify_token"] === number.verifyToken &&
            /^[A-Za-z0-9._-]{1,256}$/.test(String(q["hub.challenge"]));
          if (!signed && wrote > 0) t.unauthenticatedWrites += 1;
          if (!signed && !verified && response.status < 300) t.unauthenticated2xx += 1;
          // A verification's answer is the bare challenge (plain text), not the JSON envelope.
          if (response.text !== undefined) {
            if (!verified || response.text !== q["hub.challenge"])
              throw new Error(`a challenge echoed without the verify token (${m} ${p})`);
            return;
          }
          const problem = judge(response, WEBHOOK_CODES, [number.appSecret, number.accessToken, number.verifyToken]);
          if (problem) throw new Error(`${problem} (${m} ${p.slice(0, 80)}, ${kind}, ${raw.length} bytes)`);
          if (!signed && (wrote > 0 || (response.status < 300 && !verified)))
            throw new Error(`unauthenticated request ${response.status}, ${wrote} writes (${kind})`);
        },
      ),
      { numRuns: META_CASES, endOnFailure: true },
    );
    console.log(summary("meta webhook", t));
    expect(t.cases).toBe(META_CASES);
    for (const status of [200, 400, 401, 403, 404, 405])
      expect(t.statuses.get(status) ?? 0, `answers with ${status}`).toBeGreaterThan(0);
  }, 240_000);
});

describe("fuzzing the Unipile webhook", () => {
  const UNIPILE_CASES = WEBHOOK_CASES;
  it(`answers ${UNIPILE_CASES} generated requests within the contract`, async () => {
    const account = unipileAccount();
    // Replies off: authenticated messages are stored and the triggers end at once.
    const unipileVendor = await createVendor(db, {
      instance: {
        provider: "unipile",
        wasenderInstanceId: undefined,
        wasenderApiKey: undefined,
        wasenderWebhookSecret: undefined,
        ...unipileFields(account, "https://api1.unipile.example.test:13111/api/v1"),
      },
      config: { autoReplyEnabled: false },
    });
    const instance = functionInstance("memory");
    const t = tally();
    const message = unipileMessage(account.accountId, "+221771234567", "Bonjour", {
      message_id: "msg_FUZZ1",
      provider_message_id: "3EB0FUZZ1",
    });
    const body = fc
      .oneof(
        { weight: 3, arbitrary: mutated(message).map((b) => JSON.stringify(b) ?? "") },
        {
          weight: 1,
          arbitrary: mutated(unipileAccountStatus(account.accountId, "OK")).map((b) => JSON.stringify(b) ?? ""),
        },
        { weight: 1, arbitrary: anyJson.map((b) => JSON.stringify(b)) },
        { weight: 1, arbitrary: oddString },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            "",
            "{}",
            "[]",
            "null",
            '{"AccountStatus":{}}',
            JSON.stringify({ ...message, account_id: "acc_other" }),
          ),
        },
      )
      .map((text) => Buffer.from(text, "utf8"));
    type Auth = "valid" | "padded" | "wrong" | "none" | "empty" | "prefix" | "array";
    const auth = fc.constantFrom<Auth>(
      "valid",
      "valid",
      "valid",
      "padded",
      "wrong",
      "none",
      "empty",
      "prefix",
      "array",
    );
    const headerFor = (kind: Auth): Record<string, string | string[]> => {
      switch (kind) {
        case "valid":
          return { "unipile-auth": account.webhookSecret };
        case "padded":
          return { "unipile-auth": ` ${account.webhookSecret} ` };
        case "wrong":
          return { "unipile-auth": "not-the-secret" };
        case "none":
          return {};
        case "empty":
          return { "unipile-auth": "" };
        case "prefix":
          return { "unipile-auth": account.webhookSecret.slice(0, -1) };
        case "array":
          return { "unipile-auth": ["not-the-secret", account.webhookSecret] };
      }
    };
    const path = fc.oneof(
      {
        weight: 10,
        arbitrary: fc.constantFrom(`/${unipileVendor.vendorId}`, `/api/webhooks/unipile/${unipileVendor.vendorId}`),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          `/${unipileVendor.vendorId}/status`,
          "/",
          "/api/webhooks/unipile/",
          "/vendor_nobody",
          "/%E0%A4%A",
        ),
      },
      { weight: 1, arbitrary: oddString.map((id) => `/${encodePathSegment(id)}`) },
    );
    const verb = fc.oneof(
      { weight: 12, arbitrary: fc.constant("POST") },
      { weight: 1, arbitrary: fc.constantFrom("GET", "PUT", "DELETE", "") },
    );
    const type = fc.constantFrom(undefined, "application/json", "text/plain", "multipart/form-data");

    await fc.assert(
      fc.asyncProperty(
        fc.record({ verb, path, raw: body, kind: auth, type }),
        async ({ verb: m, path: p, raw, kind, type: ct }) => {
          const headers = { ...(ct && { "content-type": ct }), ...headerFor(kind) };
          const before = writes();
          const response = await handleUnipileWebhook({ method: m, path: p, headers, rawBody: raw }, instance);
          const wrote = writes() - before;
          t.cases += 1;
          t.statuses.set(response.status, (t.statuses.get(response.status) ?? 0) + 1);
          if (response.status >= 500) t.fiveXx += 1;
          const authenticated = m === "POST" && (kind === "valid" || kind === "padded");
          if (!authenticated && wrote > 0) t.unauthenticatedWrites += 1;
          if (!authenticated && response.status < 300) t.unauthenticated2xx += 1;
          const problem = judge(response, WEBHOOK_CODES, [account.webhookSecret, account.apiKey]);
          if (problem) throw new Error(`${problem} (${m} ${p.slice(0, 80)}, ${kind}, ${raw.length} bytes)`);
          if (!authenticated && (wrote > 0 || response.status < 300))
            throw new Error(`unauthenticated request ${response.status}, ${wrote} writes (${kind})`);
        },
      ),
      { numRuns: UNIPILE_CASES, endOnFailure: true },
    );
    console.log(summary("unipile webhook", t));
    expect(t.cases).toBe(UNIPILE_CASES);
    expect(t.fiveXx).toBe(0);
    expect(t.unauthenticatedWrites).toBe(0);
    for (const status of [200, 400, 401, 403, 404, 405])
      expect(t.statuses.get(status) ?? 0, `answers with ${status}`).toBeGreaterThan(0);
  }, 600_000);
});

/** The admin API's dependencies in this process. */
const adminDeps = () =>
  ({
    providers: new ProviderRegistry(() => wasender.apiUrl),
    // Queued messages are not sent from here: the queue is the outbound code's, not the admin API's.
    scheduler: { schedule: async () => {} },
    publicBaseUrl: () => "https://livepay.example.test",
    sweep: async () => ({}),
  }) as unknown as AdminDeps;

describe("fuzzing the admin API", () => {
  it(`answers ${ADMIN_CASES} generated calls within the contract`, async () => {
    const deps = adminDeps();
    const t = tally();
    const tokens = {
      admin: emulatorIdToken(PROJECT_ID, { admin: true }),
      vendor: emulatorIdToken(PROJECT_ID, { vendorId: vendor.vendorId }),
      otherVendor: emulatorIdToken(PROJECT_ID, { vendorId: "vendor_other" }),
      adminAsString: emulatorIdToken(PROJECT_ID, { admin: "true" }),
      noClaims: emulatorIdToken(PROJECT_ID, {}),
      expired: emulatorIdToken(PROJECT_ID, { admin: true }, { expiresIn: 60, issuedAgo: 7_200 }),
      otherProject: emulatorIdToken("demo-other-project", { admin: true }),
      noSubject: emulatorIdToken(PROJECT_ID, { admin: true, sub: "" }),
    };
    type TokenKind = keyof typeof tokens | "none" | "malformed";
    const tokenKind = fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom<TokenKind>("admin", "vendor") },
      {
        weight: 30,
        arbitrary: fc.constantFrom<TokenKind>(
          "none",
          "malformed",
          "otherVendor",
          "adminAsString",
          "noClaims",
          "expired",
          "otherProject",
          "noSubject",
        ),
      },
    );
    const authorization = (kind: TokenKind) =>
      kind === "none"
        ? fc.constantFrom<string | undefined>(undefined, "", "Bearer", "Bearer ", "Basic YWRtaW46YWRtaW4=")
        : kind === "malformed"
          ? fc.oneof(
              oddString.map((s) => `Bearer ${s}`),
              fc.constantFrom(
                "Bearer a.b.c",
                "Bearer eyJhbGciOiJub25lIn0.e30.",
                "Bearer ..",
                `Bearer ${tokens.admin}x`,
                `Bearer ${tokens.admin.slice(0, 40)}`,
              ),
              oddString,
            )
          : fc.constantFrom(
              `Bearer ${tokens[kind]}`,
              `bearer ${tokens[kind]}`,
              `Bearer  ${tokens[kind]}`,
              `${tokens[kind]}`,
            );
    const action = fc.constantFrom(
      "messages",
      "messages",
      "messages",
      "wasender-status",
      "setup-wasender-webhook",
      "messages",
      "wasender-status",
      "setup-wasender-webhook",
      "nothing",
    );
    const vendorSegment = fc.oneof(
      { weight: 16, arbitrary: fc.constant(vendor.vendorId) },
      { weight: 1, arbitrary: fc.constantFrom("vendor_nobody", "%E0%A4%A", "a%2Fb", "..", "") },
      { weight: 1, arbitrary: oddString.map(encodePathSegment) },
    );
    const path = fc.oneof(
      {
        weight: 10,
        arbitrary: fc
          .tuple(fc.constantFrom("/api/admin", ""), vendorSegment, action)
          .map(([prefix, id, act]) => `${prefix}/vendors/${id}/${act}`),
      },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          "/api/admin/jobs/expire-reservations",
          "/jobs/sweep",
          "/api/admin/jobs/other",
          "/api/admin",
          "/",
          "/api/admin/vendors",
        ),
      },
      { weight: 1, arbitrary: oddString.map((s) => `/api/admin/${s}`) },
    );
    const messageBody = fc.oneof(
      {
        weight: 3,
        arbitrary: mutated({ to: "+221771234567", text: "Votre commande est prête" }).map((b) =>
          Buffer.from(JSON.stringify(b) ?? ""),
        ),
      },
      {
        weight: 1,
        arbitrary: mutated({
          to: "77 123 45 67",
          text: "x",
          imageUrl: "https://example.test/a.jpg",
          documentUrl: "ftp://x",
        }).map((b) => Buffer.from(JSON.stringify(b) ?? "")),
      },
      { weight: 1, arbitrary: anyJson.map((b) => Buffer.from(JSON.stringify(b))) },
      { weight: 1, arbitrary: oddString.map((s) => Buffer.from(s)) },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
    // Mostly the route's own method (GET for wasender-status, POST elsewhere), sometimes another.
    const call = tokenKind
      .chain((kind) =>
        fc.record({
          kind: fc.constant(kind),
          authorization: authorization(kind),
          path,
          body: messageBody,
          otherMethod: fc.oneof(
            { weight: 8, arbitrary: fc.constant(null) },
            { weight: 1, arbitrary: fc.constantFrom("POST", "GET", "PUT", "DELETE", "OPTIONS") },
          ),
        }),
      )
      .map(({ otherMethod, ...rest }) => ({
        ...rest,
        method: otherMethod ?? (rest.path.endsWith("/wasender-status") ? "GET" : "POST"),
      }));

    await fc.assert(
      fc.asyncProperty(call, async ({ kind, authorization: auth, method: verb, path: target, body }) => {
        // The console's vendor list answers any vendor's staff, with their own vendor only (checked below).
        const listsVendors =
          verb === "GET" &&
          /^(?:\/api\/admin)?\/vendors\/?$/.test(target) &&
          (kind === "vendor" || kind === "otherVendor");
        const authorized =
          kind === "admin" ||
          listsVendors ||
          (kind === "vendor" && !target.includes("/jobs/") && target.includes(`/vendors/${vendor.vendorId}/`));
        // A validly authorized platform job would really run the sweeps over other tests' data: not here.
        const route = authorized && target.includes("/jobs/") ? target.replace("/jobs/", "/jobz/") : target;
        const headers: WebhookRequest["headers"] = {
          "content-type": "application/json",
          ...(auth !== undefined && { authorization: auth }),
        };
        const before = writes();
        const response = await handleAdminRequest({ method: verb, path: route, headers, rawBody: body }, deps);
        const wrote = writes() - before;
        t.cases += 1;
        t.statuses.set(response.status, (t.statuses.get(response.status) ?? 0) + 1);
        if (response.status >= 500) t.fiveXx += 1;
        if (!authorized && wrote > 0) t.unauthenticatedWrites += 1;
        if (!authorized && response.status < 300) t.unauthenticated2xx += 1;
        const problem = judge(response, ADMIN_CODES, [
          vendor.secret,
          vendor.apiKey,
          accessToken,
          ...Object.values(tokens),
        ]);
        if (problem) throw new Error(`${problem} (${verb} ${route.slice(0, 80)}, token ${kind})`);
        if (!authorized && (wrote > 0 || response.status < 300))
          throw new Error(`unauthorized call ${response.status}, ${wrote} writes (token ${kind})`);
        if (
          listsVendors &&
          kind === "otherVendor" &&
          (wrote > 0 || JSON.stringify(response.body).includes(vendor.vendorId))
        ) {
          throw new Error(
            `another vendor's staff saw this vendor in the vendor list (${response.status}, ${wrote} writes)`,
          );
        }
      }),
      { numRuns: ADMIN_CASES, endOnFailure: true },
    );
    console.log(summary("admin api", t));
    expect(t.cases).toBe(ADMIN_CASES);
    expect(unhandled()).toBe(0);
    for (const status of [200, 202, 400, 401, 403, 404, 405])
      expect(t.statuses.get(status) ?? 0, `answers with ${status}`).toBeGreaterThan(0);
  }, 240_000);

  it(`drives the console's write routes as a vendor's staff with ${CONSOLE_CASES} hostile calls: nothing outside its vendor`, async () => {
    const deps = adminDeps();
    // The staff's own vendor (its documents may be changed at will) and another vendor whose accounts
    // they try to take: a phone, a Wasender session, a Cloud API number and a Unipile account.
    const tenant = await createVendor(db, { apiUrl: wasender.apiUrl, config: { autoReplyEnabled: false } });
    const other = await createVendor(db, {
      apiUrl: wasender.apiUrl,
      config: { autoReplyEnabled: false },
      instance: {
        failoverProvider: "unipile",
        unipileAccountId: `acc_${other_suffix()}`,
        unipileApiKey: "unipile-key-1234567890",
        unipileApiUrl: "https://api1.unipile.com:13111/api/v1",
        metaPhoneNumberId: `1${Date.now()}`,
      },
    });
    const otherData = (await db.collection("waba_instances").doc(other.wabaInstanceId).get()).data()!;
    const otherKeys: Array<[string, string]> = [
      ["phone_index", other.phoneNumber],
      ["wasender_session_index", `session-${other.vendorId}`],
      ["meta_phone_index", String(otherData.metaPhoneNumberId)],
      ["unipile_account_index", String(otherData.unipileAccountId)],
    ];
    for (const [kind, key] of otherKeys)
      await eventually(
        async () => (await db.collection(kind).doc(key).get()).exists || undefined,
        15_000,
        `${kind} claimed`,
      );
    const snapshotOther = async () =>
      JSON.stringify(
        await Promise.all([
          db
            .collection("waba_instances")
            .doc(other.wabaInstanceId)
            .get()
            .then((d) => d.data() ?? null),
          ...otherKeys.map(([kind, key]) =>
            db
              .collection(kind)
              .doc(key)
              .get()
              .then((d) => d.get("wabaInstanceId") ?? null),
          ),
        ]),
      );
    const otherBefore = await snapshotOther();
    const staff = emulatorIdToken(PROJECT_ID, { vendorId: tenant.vendorId });
    const allowedHosts = new AllowedHosts(DEFAULT_PROVIDER_API_HOSTS);
    const hostileUrl = fc.oneof(
      fc.constantFrom(
        "http://169.254.169.254/latest/meta-data",
        "http://127.0.0.9:8080/api",
        "https://127.0.0.9/api",
        "https://collector.127.0.0.9.example/api",
        "https://www.wasenderapi.com.127.0.0.9.example/api",
        "https://api1.unipile.com@127.0.0.9/api/v1",
        "https://user:pw@graph.facebook.com/v25.0",
        "https://a.b.unipile.com/api/v1",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "https://www.wasenderapi.com/api",
        "https://graph.facebook.com/v25.0",
        "https://api2.unipile.com:13111/api/v1",
        "",
      ),
      fc.webUrl({ validSchemes: ["http", "https"] }),
      oddString,
    );
    const secret = fc.oneof(fc.constantFrom("", "x", "short-secret", "a-long-enough-secret-value"), oddString);
    const numberBody = fc.record(
      {
        phoneNumber: fc.oneof(fc.constantFrom(other.phoneNumber, tenant.phoneNumber, "77 123 45 67", ""), oddString),
        provider: fc.constantFrom("wasender", "meta", "unipile", "other"),
        wasenderInstanceId: fc.oneof(fc.constantFrom(`session-${other.vendorId}`, "a/b", "..", "__x__", ""), oddString),
        wasenderApiUrl: hostileUrl,
        metaApiUrl: hostileUrl,
        unipileApiUrl: hostileUrl,
        metaPhoneNumberId: fc.oneof(
          fc.constant(String(otherData.metaPhoneNumberId)),
          fc.stringMatching(/^\d{5,16}$/),
          oddString,
        ),
        unipileAccountId: fc.oneof(fc.constant(String(otherData.unipileAccountId)), oddString),
        failoverProvider: fc.constantFrom("meta", "unipile", "", "x"),
        sendRatePerMinute: fc.oneof(fc.integer({ min: -5, max: 300 }), fc.constant("")),
        wasenderApiKey: secret,
        wasenderWebhookSecret: secret,
        unipileApiKey: secret,
        vendorId: fc.constantFrom(other.vendorId, tenant.vendorId),
        staffProviderUrls: fc.constant({ wasenderApiUrl: "https://www.wasenderapi.com/api" }),
      },
      { requiredKeys: [] },
    );
    const numberId = fc.oneof(
      fc.constantFrom(tenant.wabaInstanceId, other.wabaInstanceId, "waba_fuzz_a", "waba_fuzz_b", "..", "a%2Fb"),
      oddString.map(encodePathSegment),
    );
    const customer = fc.oneof(
      fc.constantFrom(encodeURIComponent("+221770001122"), "%2B221770001123"),
      oddString.map(encodePathSegment),
    );
    const call = fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({
          path: numberId.map((id) => `numbers/${id}`),
          method: fc.constant("PUT"),
          body: numberBody,
        }),
      },
      {
        // A plain new number now and then, so that creation (201) is exercised in every run.
        weight: 1,
        arbitrary: fc.record({
          path: fc.integer({ min: 0, max: 1_000_000 }).map((n) => `numbers/waba_fuzz_new_${n}`),
          method: fc.constant("PUT"),
          body: fc.constant({ businessName: "Fuzz shop" }),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          path: fc.constantFrom("products", "products/robe1", `products/${encodePathSegment("../x")}`),
          method: fc.constantFrom("POST", "PUT"),
          body: mutated({ keyword: "ROBE1", name: "Robe", price: 1000, stock: 3, active: true }),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          path: fc.oneof(
            fc.constantFrom("orders/CMD-7KQ2XA/status"),
            oddString.map((x) => `orders/${encodePathSegment(x)}/status`),
          ),
          method: fc.constant("POST"),
          body: mutated({ status: "paid" }),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          path: fc.tuple(customer, fc.constantFrom("messages", "resume")).map(([c, a]) => `conversations/${c}/${a}`),
          method: fc.constant("POST"),
          body: mutated({ text: "Bonjour" }),
          key: fc.oneof(fc.constant(undefined), fc.constantFrom("k", "a-good-idempotency-key"), oddString),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          path: fc.constant("failed-messages/redrive"),
          method: fc.constant("POST"),
          body: fc.oneof(
            fc.constantFrom(
              { path: `vendors/${other.vendorId}/conversations/+221770001122/outbound/out_x` },
              { path: `vendors/${tenant.vendorId}/conversations/+221770001122/outbound/__x__` },
              { path: `vendors/${tenant.vendorId}/conversations/../outbound/out_x` },
            ),
            mutated({ path: `vendors/${tenant.vendorId}/conversations/+221770001122/messages/in_x` }),
          ),
        }),
      },
    );
    const t = tally();
    let outside = 0;
    let urlsStored = 0;
    let ownersNamed = 0;
    await fc.assert(
      fc.asyncProperty(call, async ({ path, method: verb, body, ...rest }) => {
        const key = (rest as { key?: string }).key;
        const headers: WebhookRequest["headers"] = {
          "content-type": "application/json",
          authorization: `Bearer ${staff}`,
          ...(key !== undefined && { "idempotency-key": key }),
        };
        const before = mark();
        const response = await handleAdminRequest(
          {
            method: verb,
            path: `/api/admin/vendors/${tenant.vendorId}/${path}`,
            headers,
            rawBody: Buffer.from(JSON.stringify(body) ?? ""),
          },
          deps,
        );
        t.cases += 1;
        t.statuses.set(response.status, (t.statuses.get(response.status) ?? 0) + 1);
        if (response.status >= 500) t.fiveXx += 1;
        const problem = judge(response, ADMIN_CODES, [tenant.secret, tenant.apiKey, other.secret, other.apiKey]);
        if (problem) throw new Error(`${problem} (${verb} ${path.slice(0, 80)})`);
        // An answer may repeat what the staff typed (the other vendor's session id holds its vendor id).
        const text = JSON.stringify(response.body).replaceAll(`session-${other.vendorId}`, "");
        if (text.includes(other.vendorId) || text.includes(other.wabaInstanceId)) {
          ownersNamed += 1;
          throw new Error(`the other vendor named to staff: ${text.slice(0, 300)}`);
        }
        for (const written of pathsSince(before)) {
          const [collection, id] = written.split("/");
          let ours: boolean;
          if (collection === "vendors") ours = id === tenant.vendorId;
          else if (collection === "waba_instances" || collection?.endsWith("_index")) {
            const data = (await db.doc(written).get()).data();
            ours = data === undefined || data.vendorId === tenant.vendorId;
            if (collection === "waba_instances" && data) {
              for (const field of ["wasenderApiUrl", "metaApiUrl", "unipileApiUrl"]) {
                const url = data[field];
                if (typeof url !== "string" || url === wasender.apiUrl) continue;
                if (staffUrlProblem(url, allowedHosts) !== undefined) {
                  urlsStored += 1;
                  throw new Error(`staff stored ${field} ${url}`);
                }
              }
            }
          } else ours = false;
          if (!ours) {
            outside += 1;
            throw new Error(`a write outside the staff's vendor: ${written}`);
          }
        }
      }),
      { numRuns: CONSOLE_CASES, endOnFailure: true },
    );
    console.log(
      `${summary("console writes as staff", t)}; writes outside the vendor ${outside}, URLs outside the allowed hosts stored ${urlsStored}, owners named ${ownersNamed}`,
    );
    expect(t.cases).toBe(CONSOLE_CASES);
    expect(t.fiveXx).toBe(0);
    expect(unhandled()).toBe(0);
    expect(await snapshotOther()).toBe(otherBefore);
    for (const status of [200, 201, 202, 400, 404, 409])
      expect(t.statuses.get(status) ?? 0, `answers with ${status}`).toBeGreaterThan(0);
  }, 600_000);
});

describe("a sample through Hosting", () => {
  it(`answers ${HTTP_CASES} generated webhook requests and ${HTTP_CASES / 2} admin calls over HTTP within the contract, writing nothing unauthenticated`, async () => {
    const t = tally();
    const unsignedIds: string[] = [];
    const request = fc.record({
      body: fc.oneof({ weight: 3, arbitrary: rawBody }, { weight: 2, arbitrary: fc.constant(null) }),
      kind: signatureKind,
      contentType: fc.constantFrom("application/json", "text/plain", "application/octet-stream"),
      method: fc.constantFrom("POST", "POST", "POST", "GET", "PUT"),
      subpath: fc.constantFrom("", "", "/status", "/connection", "/nothing"),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ body, kind, contentType: type, method: verb, subpath }) => {
        // A fresh message id for the "null" bodies: afterwards, none of the unsigned ones may exist.
        const id = `FUZZHTTP${randomUUID().slice(0, 8).toUpperCase()}`;
        const bytes = body ?? Buffer.from(JSON.stringify(messagesReceived({ id })));
        const headers = { "content-type": type, ...signatureHeaders(kind, vendor.secret, bytes) } as Record<
          string,
          string
        >;
        const signed = validlySigned(headers, vendor.secret, bytes);
        if (!signed && body === null) unsignedIds.push(id);
        const response = await fetch(`${HOSTING_URL}/api/webhooks/wasender/${vendor.vendorId}${subpath}`, {
          method: verb,
          headers,
          ...(verb !== "GET" && { body: bytes }),
        });
        const answer = await response.text();
        t.cases += 1;
        t.statuses.set(response.status, (t.statuses.get(response.status) ?? 0) + 1);
        if (response.status >= 500) t.fiveXx += 1;
        if (!signed && response.status < 300) t.unauthenticated2xx += 1;
        expect(response.status).toBeLessThan(500);
        expect(answer).not.toMatch(STACK_TRACE);
        expect(answer).not.toContain(vendor.secret);
        let json: any;
        try {
          json = JSON.parse(answer);
        } catch {
          // The one documented exception: malformed JSON sent as application/json is refused by the
          // functions framework before our code, with a plain 400.
          expect(response.status).toBe(400);
          expect(type).toBe("application/json");
          return;
        }
        if (response.status >= 400) {
          expect(json.ok).toBe(false);
          expect(WEBHOOK_CODES).toContain(json.error.code);
          expect(typeof json.error.message).toBe("string");
        }
        if (!signed) expect(response.status).toBeGreaterThanOrEqual(300);
      }),
      { numRuns: HTTP_CASES },
    );
    // Nothing unsigned was stored (the Functions emulator's writes, checked in Firestore itself).
    const stored = await Promise.all(
      unsignedIds.map((id) => messagesOf(db, vendor.vendorId, "+221771234567").doc(`in_${id}`).get()),
    );
    t.unauthenticatedWrites = stored.filter((doc) => doc.exists).length;
    expect(t.unauthenticatedWrites).toBe(0);
    expect(unsignedIds.length).toBeGreaterThan(0);
    console.log(summary("wasender webhook through Hosting", t));

    const admin = tally();
    const call = fc.record({
      // HTTP header values are bytes: characters past Latin-1 cannot be sent at all.
      authorization: fc.oneof(
        fc.constant(undefined),
        oddString.map((s) => `Bearer ${s.replace(/[^\x20-\x7e\xa0-\xff]/g, "?")}`),
        fc.constant(`Bearer ${emulatorIdToken(PROJECT_ID, { admin: true }, { expiresIn: 60, issuedAgo: 7_200 })}`),
        fc.constant(`Bearer ${emulatorIdToken(PROJECT_ID, { vendorId: "vendor_other" })}`),
      ),
      method: fc.constantFrom("POST", "GET"),
      action: fc.constantFrom("messages", "wasender-status", "setup-wasender-webhook"),
      body: fc.oneof(anyJson, fc.constant({ to: "+221771234567", text: "bonjour" })),
    });
    await fc.assert(
      fc.asyncProperty(call, async ({ authorization: auth, method: verb, action: act, body }) => {
        const response = await fetch(`${HOSTING_URL}/api/admin/vendors/${vendor.vendorId}/${act}`, {
          method: verb,
          headers: { "content-type": "application/json", ...(auth !== undefined && { authorization: auth }) },
          ...(verb === "POST" && { body: JSON.stringify(body) }),
        });
        const answer = await response.text();
        admin.cases += 1;
        admin.statuses.set(response.status, (admin.statuses.get(response.status) ?? 0) + 1);
        if (response.status < 300) admin.unauthenticated2xx += 1;
        expect(response.status).toBeLessThan(500);
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(answer).not.toMatch(STACK_TRACE);
        let json: any;
        try {
          json = JSON.parse(answer);
        } catch {
          // As for the webhook: a JSON body that is not an object or array, sent as application/json,
          // is refused by the functions framework with a plain 400 before our code runs.
          expect(response.status).toBe(400);
          expect(verb).toBe("POST");
          return;
        }
        expect(json.ok).toBe(false);
        expect(ADMIN_CODES).toContain(json.error.code);
      }),
      { numRuns: HTTP_CASES / 2 },
    );
    console.log(summary("admin api through Hosting", admin));
  }, 120_000);
});
