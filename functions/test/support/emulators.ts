import { randomUUID } from "node:crypto";
import { getApps, initializeApp, type App } from "firebase-admin/app";
import { getFirestore, Timestamp, type Firestore } from "firebase-admin/firestore";
import { FUNCTIONS_REGION } from "../../src/config/region";
import { hmacSha256Hex } from "../../src/shared/crypto";

export const PROJECT_ID = "demo-livepay";
export const HOSTING_URL = "http://127.0.0.1:5000";
export const FUNCTIONS_URL = `http://127.0.0.1:5001/${PROJECT_ID}/${FUNCTIONS_REGION}`;

if (!process.env.FIRESTORE_EMULATOR_HOST) {
  throw new Error("FIRESTORE_EMULATOR_HOST is not set: run these tests through `npm test` (firebase emulators:exec)");
}

/** The Admin SDK on the emulators' project, where the Functions emulator's triggers listen. */
export function adminDb(): Firestore {
  const app: App = getApps().find((a) => a.name === "[DEFAULT]") ?? initializeApp({ projectId: PROJECT_ID });
  return getFirestore(app);
}

export function uniqueId(prefix: string): string {
  return `${prefix}_${randomUUID().slice(0, 8)}`;
}

export interface TestVendor {
  vendorId: string;
  wabaInstanceId: string;
  apiKey: string;
  secret: string;
  phoneNumber: string;
}

/** Onboards a vendor the way an operator does: a `waba_instances` and a `vendor_configs` document. */
export async function createVendor(
  db: Firestore,
  options: {
    apiUrl?: string;
    instance?: Record<string, unknown>;
    config?: Record<string, unknown>;
    products?: Record<string, Record<string, unknown>>;
  } = {},
): Promise<TestVendor> {
  const vendorId = uniqueId("vendor");
  const vendor: TestVendor = {
    vendorId,
    wabaInstanceId: `waba_${vendorId}`,
    apiKey: `key-${randomUUID()}`,
    secret: `secret-${randomUUID()}`,
    phoneNumber: `+2217${Math.floor(10_000_000 + Math.random() * 89_999_999)}`,
  };
  const instance: Record<string, unknown> = {
    vendorId,
    phoneNumber: vendor.phoneNumber,
    provider: "wasender",
    wasenderInstanceId: `session-${vendorId}`,
    wasenderApiKey: vendor.apiKey,
    wasenderWebhookSecret: vendor.secret,
    status: "connected",
    businessName: `Shop ${vendorId}`,
    ...(options.apiUrl && { wasenderApiUrl: options.apiUrl }),
    ...options.instance,
  };
  // A field given as undefined is left out (a Meta-only number has no Wasender fields).
  await db
    .collection("waba_instances")
    .doc(vendor.wabaInstanceId)
    .set(Object.fromEntries(Object.entries(instance).filter(([, value]) => value !== undefined)));
  await db
    .collection("vendor_configs")
    .doc(vendorId)
    .set({
      vendorId,
      wabaInstanceId: vendor.wabaInstanceId,
      wabaProvider: "wasender",
      businessName: `Shop ${vendorId}`,
      language: "fr",
      autoReplyEnabled: true,
      ...options.config,
    });
  for (const [productId, product] of Object.entries(options.products ?? {})) {
    await db.collection("vendors").doc(vendorId).collection("products").doc(productId).set(product);
  }
  return vendor;
}

export type Signing = { scheme: "secret" | "hmac" | "none"; secret?: string };

export interface PostOptions {
  via?: "hosting" | "function";
  signing?: Signing;
  headers?: Record<string, string>;
  method?: string;
  /** Sent as is instead of JSON-serializing the body. */
  raw?: string | Buffer;
  path?: string;
}

export function webhookUrl(vendorId: string, via: "hosting" | "function" = "hosting"): string {
  return via === "hosting"
    ? `${HOSTING_URL}/api/webhooks/wasender/${vendorId}`
    : `${FUNCTIONS_URL}/wasenderMessageWebhook/${vendorId}`;
}

/** POSTs a webhook as Wasender would: X-Webhook-Signature = the secret, or the design's HMAC header. */
export async function postWebhook(
  vendor: Pick<TestVendor, "vendorId" | "secret">,
  body: unknown,
  options: PostOptions = {},
) {
  const raw = options.raw ?? JSON.stringify(body ?? {});
  const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
  const signing = options.signing ?? { scheme: "secret" };
  const secret = signing.secret ?? vendor.secret;
  const headers: Record<string, string> = { "content-type": "application/json", ...options.headers };
  if (signing.scheme === "secret") headers["x-webhook-signature"] = secret;
  if (signing.scheme === "hmac") headers["x-wasender-signature"] = hmacSha256Hex(secret, bytes);
  const url = options.path ? `${HOSTING_URL}${options.path}` : webhookUrl(vendor.vendorId, options.via);
  const response = await fetch(url, {
    method: options.method ?? "POST",
    headers,
    body: options.method === "GET" ? undefined : bytes,
  });
  return readResponse(response);
}

/** Status, raw text and (when it parses) JSON of a response. */
export async function readResponse(response: Response) {
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json, headers: response.headers };
}

/** Polls until `probe` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function messagesOf(db: Firestore, vendorId: string, customer: string) {
  return db.collection("vendors").doc(vendorId).collection("conversations").doc(customer).collection("messages");
}

/** An inbound text message as the webhook stores it, not yet decided (for tests that run the trigger's code). */
export function pendingInbound(
  vendor: Pick<TestVendor, "vendorId" | "wabaInstanceId">,
  customer: string,
  messageId: string,
  text: string,
  receivedAt = Timestamp.now(),
) {
  return {
    direction: "inbound",
    vendorId: vendor.vendorId,
    wabaInstanceId: vendor.wabaInstanceId,
    waMessageId: messageId.replace(/^in_/, ""),
    from: customer,
    text,
    kind: "text",
    event: "messages.received",
    processing: { state: "pending" },
    receivedAt,
  };
}

/** A conversation's outbound messages: everything the backend sends, each with its delivery. */
export function outboundOf(db: Firestore, vendorId: string, customer: string) {
  return db.collection("vendors").doc(vendorId).collection("conversations").doc(customer).collection("outbound");
}

export const AUTH_EMULATOR = `http://${process.env.FIREBASE_AUTH_EMULATOR_HOST ?? "127.0.0.1:9099"}`;

/** A user in the Auth emulator with these custom claims, and a fresh ID token for it. */
export async function idTokenWithClaims(claims: Record<string, unknown>): Promise<string> {
  const { getAuth } = await import("firebase-admin/auth");
  adminDb();
  const email = `${randomUUID()}@example.test`;
  const user = await getAuth().createUser({ email, password: "password-123" });
  await getAuth().setCustomUserClaims(user.uid, claims);
  const res = await fetch(
    `${AUTH_EMULATOR}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=demo-key`,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: "password-123", returnSecureToken: true }),
    },
  );
  const body = (await res.json()) as { idToken?: string };
  if (!body.idToken) throw new Error(`the Auth emulator gave no ID token: ${JSON.stringify(body)}`);
  return body.idToken;
}

/** Calls the admin API through Hosting. */
export async function adminCall(path: string, options: { method?: string; token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(`${HOSTING_URL}/api/admin${path}`, {
    method: options.method ?? "POST",
    headers,
    ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
  });
  return readResponse(response);
}
