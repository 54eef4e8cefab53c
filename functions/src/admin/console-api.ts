import { randomUUID } from "node:crypto";
import { z } from "zod";
import { compactKeyword } from "../engine/intents";
import { describeIssues, documentIdSchema, e164Schema, externalIdSchema, holdsLoneSurrogate } from "../model/common";
import { productSchema } from "../model/product";
import { consoleSecretSchema } from "../model/secrets";
import { errorResponse, header, parseJsonBody, type WebhookRequest, type WebhookResponse } from "../http/handler";
import { logger } from "../shared/logger";
import {
  conversationThread,
  pausedConversations,
  redriveFailedMessage,
  resumeConversation,
} from "../store/conversations";
import { recentOrderDocs, setOrderStatusByOperator } from "../store/orders";
import { readAllProductDocs, writeProductFields } from "../store/products";
import { listVendorSummaries, readVendorConfig } from "../store/vendor-configs";
import { writeInstanceFields } from "../store/waba-instances";
import type { ClaimConflict } from "../store/routing-index";
import { AllowedHosts, DEFAULT_PROVIDER_API_HOSTS, PROVIDER_URL_FIELDS, staffUrlProblem } from "../model/provider-urls";
import type { AttemptScheduler } from "../outbound/dispatch";
import { authorizeConsoleUser, authorizeVendorAdmin } from "./authorize";
import { IDEMPOTENCY_KEY, sendVendorMessage, vendorInstance } from "./vendor-send";
import type {
  FailedMessagesAnswer,
  HandoffsAnswer,
  NumbersAnswer,
  OrdersAnswer,
  ProductsAnswer,
  SessionAnswer,
  ThreadAnswer,
} from "./console-types";
import {
  failedMessagesView,
  handoffView,
  numbersView,
  orderTotals,
  orderView,
  productView,
  SECRET_FIELDS,
  threadMessageView,
} from "./console-views";

/**
 * The operator console's calls (`/api/admin/vendors` and `/api/admin/vendors/{vendorId}/{resource}/...`),
 * behind the same ID tokens as the rest of the admin API. Every write is the document edit an operator
 * would make in the Firestore console, so the same triggers (onboarding check, order lifecycle, stock
 * spread, vendor messages) do the rest.
 */
const VENDORS_ROUTE = /^(?:\/api\/admin)?\/vendors\/?$/;
const RESOURCES = "numbers|products|orders|handoffs|conversations|failed-messages";
const RESOURCE_ROUTE = new RegExp(`^(?:/api/admin)?/vendors/([^/]+)/(${RESOURCES})(?:/([^/]+))?(?:/([^/]+))?/?$`);

/** Who calls: an operator (`admin`) or one of the vendor's staff. */
interface Caller {
  uid: string;
  admin: boolean;
}

type Handler = (
  vendorId: string,
  request: WebhookRequest,
  ids: [string | undefined, string | undefined],
  caller: Caller,
  deps: ConsoleDeps,
) => Promise<WebhookResponse>;

export interface ConsoleDeps {
  /** Where a reply's send attempts are queued. */
  scheduler: AttemptScheduler;
  /** PROVIDER_API_HOSTS: where a vendor's staff may point a provider API URL. */
  providerApiHosts?: () => string;
}

const ok = (body: Record<string, unknown>, status = 200): WebhookResponse => ({ status, body: { ok: true, ...body } });
/** A read's answer, checked against the shape the console reads (console-types.ts). */
const answer = <T extends { ok: true }>(body: Omit<T, "ok">): WebhookResponse => ok(body);
const methodNotAllowed = (method: string): WebhookResponse => ({
  ...errorResponse(405, "method_not_allowed", `Use ${method}.`),
  headers: { Allow: method },
});

/** A stored value as sort text: only strings sort by their text (ISO times among them). */
const textOrEmpty = (value: unknown): string => (typeof value === "string" ? value : "");

function decode(segment: string | undefined): string | undefined {
  if (segment === undefined) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function jsonOf(request: WebhookRequest): { ok: true; json: unknown } | { ok: false; response: WebhookResponse } {
  const body = parseJsonBody(request.rawBody ?? Buffer.alloc(0));
  // A "\ud800" escape parses, but such text has no UTF-8 form: Firestore would fail the write.
  if (body.ok && holdsLoneSurrogate(body.json))
    return {
      ok: false,
      response: errorResponse(400, "invalid_json", "The body holds text that is not valid Unicode."),
    };
  return body;
}

// --- numbers -------------------------------------------------------------------------------------

const optionalText = z.string().trim().max(500).optional();

/** What the console's number form may write; an empty text removes a plain field and keeps a secret. */
const numberFormSchema = z.strictObject({
  phoneNumber: optionalText,
  provider: z.enum(["wasender", "meta", "unipile"]).optional(),
  wasenderInstanceId: optionalText,
  wasenderApiUrl: optionalText,
  webhookSignatureScheme: z.enum(["any", "secret", "hmac", ""]).optional(),
  sendRatePerMinute: z.union([z.number().int().positive(), z.literal("")]).optional(),
  failoverProvider: z.enum(["meta", "unipile", ""]).optional(),
  metaPhoneNumberId: optionalText,
  metaApiUrl: optionalText,
  unipileAccountId: optionalText,
  unipileApiUrl: optionalText,
  businessName: optionalText,
  // Secrets set through the console: long enough not to be guessed; empty keeps the stored one.
  ...Object.fromEntries(SECRET_FIELDS.map((name) => [name, consoleSecretSchema.optional()])),
});

/** The 409 for account keys another number holds: the owner is named to operators only. */
function alreadyInUse(conflicts: ClaimConflict[], caller: Caller): WebhookResponse {
  const what = conflicts.map(({ field, label, key }) => `${field}: the ${label} ${key}`).join("; ");
  if (!caller.admin)
    return errorResponse(409, "already_in_use", `${what}: already in use by another number.`, {
      fields: conflicts.map(({ field }) => field),
    });
  const owners = conflicts.map(({ field, key, owner }) => ({ field, key, ...owner }));
  const named = conflicts.map(({ owner }) => `waba_instances/${owner.wabaInstanceId} of vendor "${owner.vendorId}"`);
  return errorResponse(409, "already_in_use", `${what}: already in use by ${[...new Set(named)].join(", ")}.`, {
    fields: conflicts.map(({ field }) => field),
    owners,
  });
}

const numbers: Handler = async (vendorId, request, [id], caller, deps) => {
  if (id === undefined) {
    if (request.method !== "GET") return methodNotAllowed("GET");
    return answer<NumbersAnswer>({ vendorId, numbers: await numbersView(vendorId, { admin: caller.admin }) });
  }
  if (request.method !== "PUT") return methodNotAllowed("PUT");
  if (!documentIdSchema.safeParse(id).success)
    return errorResponse(400, "invalid_id", "The number's id is not a valid document id.");
  const body = jsonOf(request);
  if (!body.ok) return body.response;
  const parsed = numberFormSchema.safeParse(body.json);
  if (!parsed.success)
    return errorResponse(400, "invalid_number", "The number is not valid.", { problems: describeIssues(parsed.error) });
  const fields: Record<string, unknown> = {};
  const removed: string[] = [];
  const secrets = new Set<string>(SECRET_FIELDS);
  for (const [name, value] of Object.entries(parsed.data as Record<string, unknown>)) {
    if (value === undefined) continue;
    // Secrets are write-only: left empty, the stored one stays.
    if (value === "") {
      if (!secrets.has(name)) removed.push(name);
      continue;
    }
    fields[name] = value;
  }
  if (!caller.admin) {
    // Staff may point a provider URL only at an allowed https host: the number's keys go there.
    const allowed = new AllowedHosts(deps.providerApiHosts?.() ?? DEFAULT_PROVIDER_API_HOSTS);
    const problems = PROVIDER_URL_FIELDS.flatMap((field) => {
      const url = fields[field];
      const problem = typeof url === "string" ? staffUrlProblem(url, allowed) : undefined;
      return problem ? [`${field}: ${problem}`] : [];
    });
    if (problems.length > 0)
      return errorResponse(400, "url_not_allowed", "A provider API URL points where the vendor's staff may not.", {
        problems,
      });
  }
  const written = await writeInstanceFields(vendorId, id, fields, removed, { staff: !caller.admin });
  if (!written.ok && written.reason === "other_vendor")
    return errorResponse(
      409,
      "instance_of_another_vendor",
      caller.admin
        ? `waba_instances/${id} belongs to vendor "${written.owner}": choose another id.`
        : "This number id is already in use: choose another id.",
    );
  if (!written.ok) return alreadyInUse(written.conflicts, caller);
  logger.info("console: number written", { vendorId, wabaInstanceId: id, fields: Object.keys(fields), removed });
  return ok({ wabaInstanceId: id, created: written.created }, written.created ? 201 : 200);
};

// --- products ------------------------------------------------------------------------------------

const productFormSchema = productSchema.omit({ stockSync: true }).strict();

const products: Handler = async (vendorId, request, [givenId]) => {
  // POST /products creates one (its id made from the keyword); PUT /products/{id} edits that one.
  let id = givenId;
  const creating = id === undefined && request.method === "POST";
  if (id === undefined && !creating) {
    if (request.method !== "GET") return methodNotAllowed("GET, POST");
    const docs = await readAllProductDocs(vendorId);
    const list = docs.map(({ id: productId, data }) =>
      productView(productId, data, productSchema.safeParse(data).success),
    );
    return answer<ProductsAnswer>({
      vendorId,
      products: list.sort((a, b) => textOrEmpty(a.keyword).localeCompare(textOrEmpty(b.keyword))),
    });
  }
  if (!creating && request.method !== "PUT") return methodNotAllowed("PUT");
  if (!creating && !documentIdSchema.safeParse(id).success)
    return errorResponse(400, "invalid_id", "The product id is not a valid document id.");
  const body = jsonOf(request);
  if (!body.ok) return body.response;
  const raw =
    body.json !== null && typeof body.json === "object" ? { ...(body.json as Record<string, unknown>) } : body.json;
  // An empty image URL or description means none.
  const removed: string[] = [];
  if (raw !== null && typeof raw === "object") {
    for (const name of ["imageUrl", "description"]) {
      const record = raw as Record<string, unknown>;
      if (record[name] === "" || record[name] === null) {
        delete record[name];
        removed.push(name);
      }
    }
  }
  const parsed = productFormSchema.safeParse(raw);
  if (!parsed.success)
    return errorResponse(400, "invalid_product", "The product is not valid.", {
      problems: describeIssues(parsed.error),
    });
  const keyword = compactKeyword(parsed.data.keyword);
  if (keyword.length === 0)
    return errorResponse(400, "invalid_product", "The product is not valid.", {
      problems: ["keyword: must contain a letter or a digit"],
    });
  const existing = await readAllProductDocs(vendorId);
  const clash = existing.find(
    (other) =>
      other.id !== id && typeof other.data.keyword === "string" && compactKeyword(other.data.keyword) === keyword,
  );
  if (clash) {
    return errorResponse(
      409,
      "duplicate_keyword",
      `The keyword "${parsed.data.keyword}" is already used by "${String(clash.data.name)}" ` +
        `(keyword ${String(clash.data.keyword)}, product ${clash.id}): buyers could not tell them apart.`,
      // Named apart as well, for a console to say it in its person's language.
      { productId: clash.id, keyword: clash.data.keyword, name: clash.data.name },
    );
  }
  if (creating) {
    const taken = new Set(existing.map((other) => other.id));
    const base =
      keyword
        .normalize("NFD")
        .replace(/[^a-z0-9]/g, "")
        .slice(0, 40) || "product";
    id = taken.has(base) ? `${base}_${randomUUID().slice(0, 6)}` : base;
  }
  const productId = id!;
  await writeProductFields(vendorId, productId, parsed.data, removed);
  logger.info("console: product written", { vendorId, productId, created: creating });
  return ok({ productId }, creating ? 201 : 200);
};

// --- orders --------------------------------------------------------------------------------------

const orderStatusBody = z.strictObject({ status: z.enum(["paid", "cancelled"]) });

const orders: Handler = async (vendorId, request, [reference, action], { uid }) => {
  if (reference === undefined) {
    if (request.method !== "GET") return methodNotAllowed("GET");
    const startOfDay = new Date();
    startOfDay.setUTCHours(0, 0, 0, 0); // Dakar is on UTC all year.
    const [recent, today] = await Promise.all([
      recentOrderDocs(vendorId, 100),
      recentOrderDocs(vendorId, 1000, startOfDay),
    ]);
    return answer<OrdersAnswer>({
      vendorId,
      orders: recent.map(({ reference: id, data }) => orderView(id, data)),
      today: {
        since: startOfDay.toISOString(),
        totals: orderTotals(today.map(({ reference: id, data }) => orderView(id, data))),
      },
    });
  }
  if (action !== "status") return errorResponse(404, "not_found", "Use POST /orders/{reference}/status.");
  if (request.method !== "POST") return methodNotAllowed("POST");
  const body = jsonOf(request);
  if (!body.ok) return body.response;
  const parsed = orderStatusBody.safeParse(body.json);
  if (!parsed.success)
    return errorResponse(400, "invalid_status", 'Send { "status": "paid" } or { "status": "cancelled" }.');
  if (!documentIdSchema.safeParse(reference).success)
    return errorResponse(404, "unknown_order", `No order "${reference}".`);
  const result = await setOrderStatusByOperator(vendorId, reference, parsed.data.status, uid);
  if (!result.ok && result.reason === "not_found")
    return errorResponse(404, "unknown_order", `No order "${reference}".`);
  if (!result.ok)
    return errorResponse(
      409,
      "not_reserved",
      `Order ${reference} is ${result.status ?? "not reserved"}: ` +
        "only a reserved order can be marked paid or cancelled.",
    );
  logger.info("console: order status set", { vendorId, reference, status: parsed.data.status });
  return ok({ reference, status: parsed.data.status });
};

// --- handoffs and conversations -----------------------------------------------------------------

const handoffs: Handler = async (vendorId, request) => {
  if (request.method !== "GET") return methodNotAllowed("GET");
  const waiting = await pausedConversations(vendorId, 100);
  return answer<HandoffsAnswer>({
    vendorId,
    handoffs: waiting
      .map(({ customer, data }) => handoffView(customer, data))
      .sort((a, b) => textOrEmpty(b.pausedAt).localeCompare(textOrEmpty(a.pausedAt))),
  });
};

/** Stripe's shape of an idempotency key: what a client generates once per message it means to send. */

const replySchema = z.strictObject({ text: z.string().trim().min(1, "must not be empty").max(4096) });

const conversations: Handler = async (vendorId, request, [customer, action], { uid }, deps) => {
  if (customer === undefined || !e164Schema.safeParse(customer).success) {
    return errorResponse(404, "not_found", "Use /conversations/{customer E.164}/messages or /resume.");
  }
  if (action === "messages" && request.method === "GET") {
    const thread = await conversationThread(vendorId, customer, 100);
    return answer<ThreadAnswer>({
      vendorId,
      customer,
      messages: thread.map(({ id, data }) => threadMessageView(id, data)),
    });
  }
  if (action === "messages") {
    if (request.method !== "POST") return methodNotAllowed("GET, POST");
    const body = jsonOf(request);
    if (!body.ok) return body.response;
    const parsed = replySchema.safeParse(body.json);
    if (!parsed.success)
      return errorResponse(400, "invalid_message", "The message is not valid.", {
        problems: describeIssues(parsed.error),
      });
    const key = header(request, "idempotency-key");
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key))
      return errorResponse(400, "invalid_idempotency_key", "Idempotency-Key must be 8-255 visible ASCII characters.");
    // The admin API's send, for this conversation's customer.
    const lookup = await vendorInstance(vendorId);
    if (!lookup.ok) return lookup.response;
    const content = { text: parsed.data.text };
    const message = {
      vendorId,
      customer,
      content,
      origin: "console" as const,
      ...(key !== undefined && { idempotencyKey: key }),
    };
    logger.info("console reply", { vendorId, uid });
    return sendVendorMessage(message, lookup, deps.scheduler);
  }
  if (action === "resume") {
    if (request.method !== "POST") return methodNotAllowed("POST");
    if (!(await resumeConversation(vendorId, customer, `console ${uid}`)))
      return errorResponse(404, "unknown_conversation", `No conversation with ${customer}.`);
    return ok({ customer, botPaused: false });
  }
  return errorResponse(404, "not_found", "Use /conversations/{customer}/messages or /resume.");
};

// --- failed messages -----------------------------------------------------------------------------

const redriveSchema = z.strictObject({ path: z.string().min(1) });

const failedMessages: Handler = async (vendorId, request, [action], { uid }) => {
  if (action === undefined) {
    if (request.method !== "GET") return methodNotAllowed("GET");
    return answer<FailedMessagesAnswer>({ vendorId, failed: await failedMessagesView(vendorId, 7) });
  }
  if (action !== "redrive") return errorResponse(404, "not_found", "Use POST /failed-messages/redrive.");
  if (request.method !== "POST") return methodNotAllowed("POST");
  const body = jsonOf(request);
  if (!body.ok) return body.response;
  const parsed = redriveSchema.safeParse(body.json);
  if (!parsed.success) return errorResponse(400, "invalid_request", 'Send { "path": "<the failed message\'s path>" }.');
  const match = /^vendors\/([^/]+)\/conversations\/([^/]+)\/(messages|outbound)\/([^/]+)$/.exec(parsed.data.path);
  if (!match || match[1] !== vendorId)
    return errorResponse(404, "unknown_message", "No such failed message of this vendor.");
  const [, , customer = "", collection = "messages", messageId = ""] = match;
  const where = collection === "outbound" ? "outbound" : "messages";
  if (!e164Schema.safeParse(customer).success || !externalIdSchema.safeParse(messageId).success)
    return errorResponse(404, "unknown_message", "No such failed message of this vendor.");
  const result = await redriveFailedMessage(vendorId, customer, messageId, where, uid);
  if (!result.ok && result.reason === "not_failed")
    return errorResponse(409, "not_failed", "Only a failed outbound message can be sent again.");
  if (!result.ok)
    return errorResponse(409, "already_redriven", `Already sent again as ${result.as}.`, { messageId: result.as });
  logger.info("console: failed message sent again", { vendorId, messageId, newMessageId: result.messageId });
  return ok({ messageId: result.messageId, path: result.path, status: "queued" }, 202);
};

const HANDLERS: Record<string, Handler> = {
  numbers,
  products,
  orders,
  handoffs,
  conversations,
  "failed-messages": failedMessages,
};

/** Whether the path is one of the console's routes. */
export function isConsoleRoute(path: string): boolean {
  return VENDORS_ROUTE.test(path) || RESOURCE_ROUTE.test(path);
}

/** GET /api/admin/vendors: the vendors this account may manage (all of them for an operator). */
async function listVendors(request: WebhookRequest): Promise<WebhookResponse> {
  if (request.method !== "GET") return methodNotAllowed("GET");
  const user = await authorizeConsoleUser(header(request, "authorization"));
  if (!user.ok) return errorResponse(user.status, user.code, user.message);
  const me = { uid: user.uid, admin: user.admin, vendorId: user.vendorId ?? null };
  if (user.admin)
    return answer<SessionAnswer>({
      me,
      vendors: (await listVendorSummaries()).sort((a, b) => a.vendorId.localeCompare(b.vendorId)),
    });
  const vendorId = user.vendorId!;
  const config = await readVendorConfig(vendorId);
  const summary =
    config.found && config.valid
      ? { businessName: config.config.businessName ?? vendorId, language: config.config.language }
      : { businessName: vendorId, language: "fr" };
  return answer<SessionAnswer>({ me, vendors: [{ vendorId, ...summary }] });
}

export async function handleConsoleRequest(request: WebhookRequest, deps: ConsoleDeps): Promise<WebhookResponse> {
  if (VENDORS_ROUTE.test(request.path)) return listVendors(request);
  const match = RESOURCE_ROUTE.exec(request.path)!;
  const vendorId = decode(match[1]);
  if (vendorId === undefined || !documentIdSchema.safeParse(vendorId).success)
    return errorResponse(404, "not_found", "The vendor id is not valid.");
  const auth = await authorizeVendorAdmin(header(request, "authorization"), vendorId);
  if (!auth.ok) return errorResponse(auth.status, auth.code, auth.message);
  const first = decode(match[3]);
  const second = decode(match[4]);
  if ((match[3] !== undefined && first === undefined) || (match[4] !== undefined && second === undefined))
    return errorResponse(404, "not_found", "Malformed path.");
  return HANDLERS[match[2]!]!(vendorId, request, [first, second], { uid: auth.uid, admin: auth.admin }, deps);
}
