import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { wasenderMessage } from "./payloads";

/**
 * Generators for the handler fuzz tests: Wasender events as Wasender sends them and mutated, every
 * header and signature variant, truncated and padded bodies; admin API calls with every kind of token.
 * Each generated request carries what the test needs to judge the answer (was it validly signed?).
 */

/** Strings from every corner: Unicode, controls, RTL, emoji, numbers as text, percent-escapes, long runs. */
export const oddString = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "\u202e",
    "\ufeff",
    "\ud800",
    "😀👍🏿",
    "é́́",
    "0",
    "-1",
    "1e309",
    "NaN",
    "null",
    "__proto__",
    "constructor",
    "%E0%A4%A",
    "../..",
    "{shop}",
  ),
  fc.nat({ max: 3_000 }).map((n) => "x".repeat(n)),
);

/** encodeURIComponent, which throws on a lone surrogate: such a string is sent as its UTF-8 bytes, escaped. */
export function encodePathSegment(segment: string): string {
  try {
    return encodeURIComponent(segment);
  } catch {
    return [...Buffer.from(segment, "utf8")].map((byte) => `%${byte.toString(16).padStart(2, "0")}`).join("");
  }
}

export const anyJson = fc.jsonValue({ maxDepth: 5 });

function pathsOf(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== "object") return [prefix];
  return [prefix, ...Object.entries(value).flatMap(([key, inner]) => pathsOf(inner, [...prefix, key]))];
}

function setAt(root: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  if (root === null || typeof root !== "object") return root;
  let node = root as Record<string, unknown>;
  for (const key of path.slice(0, -1)) {
    node = node[key] as Record<string, unknown>;
    // An earlier edit replaced this part with something that has no inside: nothing left to edit.
    if (node === null || typeof node !== "object") return root;
  }
  if (value === undefined) delete node[path[path.length - 1]!];
  else node[path[path.length - 1]!] = value;
  return root;
}

/** The document as is, or with one to three parts replaced: wrong types, removed, arrays for objects, odd strings. */
export function mutated(base: unknown): fc.Arbitrary<unknown> {
  const paths = pathsOf(base);
  const replacement = fc.oneof(
    anyJson,
    oddString,
    fc.constant(undefined),
    fc.constant(null),
    fc.array(anyJson, { maxLength: 3 }),
    fc.integer(),
    fc.boolean(),
  );
  const edit = fc.tuple(fc.constantFrom(...paths), replacement);
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(base) },
    {
      weight: 4,
      arbitrary: fc
        .array(edit, { minLength: 1, maxLength: 3 })
        .map((edits) => edits.reduce((doc, [path, value]) => setAt(doc, path, value), structuredClone(base))),
    },
  );
}

/** A few fixed message ids, so validly signed messages are mostly duplicates: the fuzz does not flood the triggers. */
const IDS = ["FUZZ0001", "FUZZ0002", "FUZZ0003"];

export const WEBHOOK_EVENTS = {
  "messages.received": () => fc.constantFrom(...IDS).chain((id) => mutated({ messages: wasenderMessage({ id }) })),
  "messages.upsert": () =>
    fc
      .constantFrom(...IDS)
      .chain((id) => mutated({ messages: [wasenderMessage({ id }), wasenderMessage({ id: `${id}B`, fromMe: true })] })),
  "messages-personal.received": () =>
    fc.constantFrom(...IDS).chain((id) => mutated(wasenderMessage({ id, lid: true }))),
  "messages-group.received": () =>
    mutated({
      ...wasenderMessage({ id: "FUZZG" }),
      key: { ...wasenderMessage().key, id: "FUZZG", remoteJid: "120363@g.us", participant: "x" },
    }),
  message: () => fc.constantFrom(...IDS).chain((id) => mutated({ from: "221771234567", message: "Test message", id })),
  "messages.update": () =>
    mutated({ update: { status: 3 }, key: { id: "FUZZS", remoteJid: "221771234567@s.whatsapp.net", fromMe: true } }),
  "message-receipt.update": () =>
    mutated({
      message: {
        key: { id: "FUZZS", fromMe: true },
        receipt: { userJid: "221771234567@s.whatsapp.net", receiptTimestamp: 1764000000 },
      },
    }),
  "message.sent": () => mutated({ key: { id: "FUZZS", fromMe: true }, status: "sent" }),
  "session.status": () => mutated({ status: "connected", session_id: "1" }),
  "qrcode.updated": () => mutated({ qr: "2@abc" }),
  "chats.update": () => anyJson,
} as const;

const envelope = fc
  .constantFrom(...(Object.keys(WEBHOOK_EVENTS) as Array<keyof typeof WEBHOOK_EVENTS>))
  .chain((event) => WEBHOOK_EVENTS[event]().map((data) => ({ event, timestamp: 1764000000, data })));

/** Bodies: events (mutated as a whole too), arbitrary JSON, truncated, padded, deeply nested, huge. */
export const rawBody: fc.Arbitrary<Buffer> = fc
  .oneof(
    { weight: 10, arbitrary: envelope.map((body) => JSON.stringify(body)) },
    { weight: 3, arbitrary: envelope.chain((body) => mutated(body)).map((body) => JSON.stringify(body) ?? "") },
    { weight: 1, arbitrary: anyJson.map((value) => JSON.stringify(value)) },
    {
      weight: 2,
      arbitrary: envelope.chain((body) => {
        const text = JSON.stringify(body);
        return fc.nat({ max: text.length }).map((n) => text.slice(0, n));
      }),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          envelope,
          fc.constantFrom(" ", "\n", "\u0000", "garbage", "}}", "\ufeff", ","),
          fc.nat({ max: 50 }),
          fc.boolean(),
        )
        .map(([body, pad, n, before]) => (before ? pad.repeat(n) : "") + JSON.stringify(body) + pad.repeat(n)),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 100, max: 50_000 })
        .map((n) => `{"event":"messages.received","data":${'{"messages":'.repeat(n)}1${"}".repeat(n)}}`),
    },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 50_000 }).map((n) => "[".repeat(n) + "]".repeat(n)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "",
        "null",
        "true",
        "1",
        '"x"',
        "{}",
        "[]",
        '{"event":1}',
        "<xml/>",
        "event=message&data=x",
      ),
    },
    // Near and over the 1 MiB limit: a long text in one field (only that copy counts towards the body).
    {
      weight: 1,
      arbitrary: fc.constantFrom(900_000, 1_048_000, 1_048_576, 1_100_000).map((n) =>
        JSON.stringify({
          event: "messages.received",
          data: {
            messages: { ...wasenderMessage({ id: "FUZZBIG" }), message: undefined, messageBody: "x".repeat(n) },
          },
        }),
      ),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString("latin1")) },
  )
  .map((text) => Buffer.from(text, "utf8"));

export type SignatureKind =
  | "none"
  | "secret"
  | "secret-padded"
  | "secret-wrong"
  | "secret-empty"
  | "secret-array"
  | "secret-case"
  | "hmac"
  | "hmac-prefixed"
  | "hmac-upper"
  | "hmac-other-body"
  | "hmac-garbage"
  | "both-one-right"
  | "both-wrong";

export const signatureKind = fc.constantFrom<SignatureKind>(
  "none",
  "secret",
  "secret",
  "secret",
  "secret-padded",
  "secret-wrong",
  "secret-empty",
  "secret-array",
  "secret-case",
  "hmac",
  "hmac",
  "hmac-prefixed",
  "hmac-upper",
  "hmac-other-body",
  "hmac-garbage",
  "both-one-right",
  "both-wrong",
);

const hmac = (secret: string, body: Buffer) => createHmac("sha256", secret).update(body).digest("hex");

/** The signature headers of one kind, for this body and secret. */
export function signatureHeaders(kind: SignatureKind, secret: string, body: Buffer): Record<string, string | string[]> {
  switch (kind) {
    case "none":
      return {};
    case "secret":
      return { "x-webhook-signature": secret };
    case "secret-padded":
      return { "x-webhook-signature": `  ${secret}\t` };
    case "secret-wrong":
      return { "x-webhook-signature": `${secret}x` };
    case "secret-empty":
      return { "x-webhook-signature": "" };
    case "secret-array":
      return { "x-webhook-signature": ["wrong", secret] };
    case "secret-case":
      return { "x-webhook-signature": secret.toUpperCase() };
    case "hmac":
      return { "x-wasender-signature": hmac(secret, body) };
    case "hmac-prefixed":
      return { "x-wasender-signature": `sha256=${hmac(secret, body)}` };
    case "hmac-upper":
      return { "x-wasender-signature": hmac(secret, body).toUpperCase() };
    case "hmac-other-body":
      return { "x-wasender-signature": hmac(secret, Buffer.concat([body, Buffer.from(" ")])) };
    case "hmac-garbage":
      return { "x-wasender-signature": "zz-not-hex" };
    case "both-one-right":
      return { "x-webhook-signature": "wrong", "x-wasender-signature": hmac(secret, body) };
    case "both-wrong":
      return { "x-webhook-signature": "wrong", "x-wasender-signature": hmac("wrong", body) };
  }
}

/**
 * The oracle, written independently of the code under test: Wasender's header equal to the secret
 * (surrounding blanks aside), or the design document's header equal to the hex HMAC of the exact bytes.
 */
export function validlySigned(
  headers: Record<string, string | string[] | undefined>,
  secret: string,
  body: Buffer,
): boolean {
  const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
  const plain = first(headers["x-webhook-signature"]);
  const mac = first(headers["x-wasender-signature"]);
  if (plain !== undefined && plain.trim() === secret) return true;
  return (
    mac !== undefined &&
    mac
      .trim()
      .replace(/^sha256=/i, "")
      .toLowerCase() === hmac(secret, body)
  );
}

export const contentType = fc.constantFrom<string | string[] | undefined>(
  "application/json",
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  undefined,
  "",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/json; charset=utf-16",
  ["application/json", "text/plain"],
);

export const method = fc.oneof(
  { weight: 20, arbitrary: fc.constant("POST") },
  { weight: 1, arbitrary: fc.constantFrom("GET", "PUT", "DELETE", "OPTIONS", "PATCH", "HEAD", "post", "") },
);

/** Codes from a reference table whose rows start `| status | \`code\` |`, under the given heading. */
export function documentedCodes(reference: string, heading: string): Set<string> {
  const start = reference.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`docs/reference.md has no "${heading}" section`);
  const rest = reference.slice(start + heading.length + 2);
  const end = rest.search(/\n#{2,3} /);
  const section = end < 0 ? rest : rest.slice(0, end);
  return new Set([...section.matchAll(/^\| \d{3} \| `([a-z_]+)` \|/gm)].map((match) => match[1]!));
}

/** The reference documentation, where every error code a client may get is listed. */
export function referenceDoc(): string {
  return readFileSync(join(__dirname, "../../../docs/reference.md"), "utf8");
}

/** A stack trace or a source path in an answer. */
export const STACK_TRACE = /\bat .+:\d+:\d+|node_modules|\.ts:\d|\.js:\d/;

/** The Auth user every generated token names (it must exist in the Auth emulator). */
export const FUZZ_USER = "fuzz-user";

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/**
 * An ID token as the Auth emulator issues them (unsigned, `alg: none`; the Admin SDK accepts those only
 * while FIREBASE_AUTH_EMULATOR_HOST is set), with any claims and times.
 */
export function emulatorIdToken(
  projectId: string,
  claims: Record<string, unknown>,
  { expiresIn = 3600, issuedAgo = 10 } = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: `https://securetoken.google.com/${projectId}`,
    aud: projectId,
    auth_time: now - issuedAgo,
    user_id: FUZZ_USER,
    sub: FUZZ_USER,
    iat: now - issuedAgo,
    exp: now - issuedAgo + expiresIn,
    firebase: { identities: {}, sign_in_provider: "custom" },
    ...claims,
  };
  return `${b64url({ alg: "none", typ: "JWT" })}.${b64url(payload)}.`;
}
