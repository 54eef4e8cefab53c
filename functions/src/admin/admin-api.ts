import { logger } from "../shared/logger";
import { z } from "zod";
import { describeIssues, documentIdSchema, wellFormed } from "../model/common";
import { isWasender, type WasenderInstance } from "../model/waba-instance";
import type { SendFailure } from "../messaging/provider";
import type { OutboundDeps } from "../outbound/dispatch";
import { toE164 } from "../shared/phone";
import { readVendorConfig } from "../store/vendor-configs";
import { recordRegistration, recordSessionStatus } from "../store/waba-instances";
import { instanceStatusFor, sessionStatusSchema } from "../wasender/session-payloads";
import { REGISTERED_EVENTS } from "../wasender/registered-events";
import { errorResponse, header, type WebhookRequest, type WebhookResponse } from "../http/handler";
import { sweepReservations } from "../orders/reservation-sweep";
import { authorizeAdmin, authorizeVendorAdmin } from "./authorize";
import { vendorHealth } from "./health";
import { handleConsoleRequest, isConsoleRoute } from "./console-api";
import { liveSnapshot } from "./live-snapshot";
import { ordersExport } from "./orders-export";
import { IDEMPOTENCY_KEY, type InstanceLookup, sendVendorMessage, vendorInstance } from "./vendor-send";

export interface AdminDeps extends OutboundDeps {
  publicBaseUrl: () => string;
  /** PROVIDER_API_HOSTS: where a vendor's staff may point a provider API URL (default: the design's). */
  providerApiHosts?: () => string;
  /** The self-healing sweep (stuck inbound, lost send tasks, expired leases, failed links). */
  sweep: () => Promise<Record<string, number>>;
}

const JOB_ROUTE = /^(?:\/api\/admin)?\/jobs\/(expire-reservations|sweep)\/?$/;
const ROUTE = /^(?:\/api\/admin)?\/vendors\/([^/]+)\/(setup-wasender-webhook|wasender-status|messages|health)\/?$/;
/** Read-only views of a vendor's orders: the CSV export and the live page. */
const VIEW_ROUTE = /^(?:\/api\/admin)?\/vendors\/([^/]+)\/(orders\.csv|live)\/?$/;
const METHODS: Record<string, string> = {
  "setup-wasender-webhook": "POST",
  "wasender-status": "GET",
  messages: "POST",
  health: "GET",
};

/** Wasender's failure as an admin error that names the cause. */
function wasenderError(failure: SendFailure, what: string): WebhookResponse {
  const map: Record<string, [number, string]> = {
    unauthorized: [502, "wasender_unauthorized"],
    not_found: [502, "wasender_unknown_session"],
    rate_limited: [503, "wasender_rate_limited"],
    server_error: [502, "wasender_unavailable"],
    timeout: [504, "wasender_timeout"],
    unreachable: [502, "wasender_unreachable"],
    connection_lost: [502, "wasender_unreachable"],
    not_configured: [409, "instance_incomplete"],
  };
  // A gateway's 502/504 is an answer, not a lost connection, for a call that sends nothing.
  const kind = failure.code === "connection_lost" && failure.httpStatus ? "server_error" : failure.code;
  const [status, code] = map[kind] ?? [502, "wasender_error"];
  const response = errorResponse(status, code, `${what}: ${failure.message}`, {
    ...(failure.httpStatus && { wasenderStatus: failure.httpStatus }),
    ...(failure.retryAfterSeconds !== undefined && { retryAfterSeconds: failure.retryAfterSeconds }),
  });
  if (failure.retryAfterSeconds !== undefined) response.headers = { "Retry-After": String(failure.retryAfterSeconds) };
  return response;
}

async function setupWebhook(vendorId: string, instance: WasenderInstance, deps: AdminDeps): Promise<WebhookResponse> {
  const base = deps.publicBaseUrl().replace(/\/+$/, "");
  if (!/^https?:\/\//.test(base)) {
    return errorResponse(
      500,
      "public_base_url_missing",
      "The PUBLIC_BASE_URL parameter is not set: Wasender would not know where to post.",
    );
  }
  const registration = {
    webhook_url: `${base}/api/webhooks/wasender/${vendorId}`,
    webhook_enabled: true,
    webhook_events: REGISTERED_EVENTS,
  };
  const result = await deps.providers.wasenderSession(instance).updateSession(registration);
  if (!result.ok) return wasenderError(result.failure, "Wasender did not register the webhook");
  await recordRegistration(instance.id, { url: registration.webhook_url, events: REGISTERED_EVENTS });
  logger.info("webhook registered at Wasender", {
    vendorId,
    wabaInstanceId: instance.id,
    url: registration.webhook_url,
  });
  return { status: 200, body: { ok: true, vendorId, wabaInstanceId: instance.id, registered: registration } };
}

async function wasenderStatus(vendorId: string, instance: WasenderInstance, deps: AdminDeps): Promise<WebhookResponse> {
  const result = await deps.providers.wasenderSession(instance).sessionStatus();
  if (!result.ok) return wasenderError(result.failure, "Wasender did not report the session status");
  const raw = (result.json as { status?: unknown; data?: { status?: unknown } } | undefined) ?? {};
  const reported = raw.status ?? raw.data?.status;
  const text = typeof reported === "string" || typeof reported === "number" ? String(reported) : "";
  const parsed = sessionStatusSchema.safeParse(text.trim().toLowerCase());
  if (!parsed.success)
    return errorResponse(502, "wasender_bad_response", "Wasender answered without a known session status.");
  const status = instanceStatusFor(parsed.data);
  await recordSessionStatus(instance.id, parsed.data, status);
  return { status: 200, body: { ok: true, vendorId, wabaInstanceId: instance.id, sessionStatus: parsed.data, status } };
}

const sendRequestSchema = z.object({
  to: z.string().min(1),
  // A lone surrogate ("\ud800" in the JSON) has no UTF-8 form: Firestore would refuse the whole message.
  text: z.string().trim().min(1, "must not be empty").max(4096).transform(wellFormed),
  imageUrl: z.url({ protocol: /^https?$/ }).optional(),
  documentUrl: z.url({ protocol: /^https?$/ }).optional(),
});

/** `POST …/messages`: a vendor-started message to a customer (`sendVendorMessage`), from the admin API or the console. */
async function sendMessage(
  vendorId: string,
  lookup: Extract<InstanceLookup, { ok: true }>,
  request: WebhookRequest,
  deps: AdminDeps,
): Promise<WebhookResponse> {
  let json: unknown;
  try {
    json = JSON.parse((request.rawBody ?? Buffer.alloc(0)).toString("utf8"));
  } catch {
    return errorResponse(400, "invalid_json", "The body is not valid JSON: { to, text, imageUrl?, documentUrl? }.");
  }
  const parsed = sendRequestSchema.safeParse(json);
  if (!parsed.success)
    return errorResponse(400, "invalid_message", "The message is not valid.", {
      problems: describeIssues(parsed.error),
    });
  const to = toE164(parsed.data.to);
  if (!to)
    return errorResponse(
      400,
      "invalid_phone",
      `"${parsed.data.to}" is not a phone number (use E.164, e.g. +221771234567).`,
    );
  const key = header(request, "idempotency-key");
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key))
    return errorResponse(400, "invalid_idempotency_key", "Idempotency-Key must be 8-255 visible ASCII characters.");
  const { text, imageUrl, documentUrl } = parsed.data;
  const content = { text, ...(imageUrl && { imageUrl }), ...(documentUrl && { documentUrl }) };
  const message = {
    vendorId,
    customer: to,
    content,
    origin: "api" as const,
    ...(key !== undefined && { idempotencyKey: key }),
  };
  return sendVendorMessage(message, lookup, deps.scheduler);
}

/**
 * POST /api/admin/jobs/expire-reservations and /api/admin/jobs/sweep (admins only): the scheduled
 * jobs, run now. The emulator never fires schedules, so `npm start` calls them; operators may too.
 */
async function runJob(job: string, request: WebhookRequest, deps: AdminDeps): Promise<WebhookResponse> {
  if (request.method !== "POST")
    return { ...errorResponse(405, "method_not_allowed", "Use POST."), headers: { Allow: "POST" } };
  const auth = await authorizeAdmin(header(request, "authorization"));
  if (!auth.ok) return errorResponse(auth.status, auth.code, auth.message);
  if (job === "sweep") return { status: 200, body: { ok: true, ...(await deps.sweep()) } };
  const { reconciled, expired } = await sweepReservations(new Date(), deps);
  return { status: 200, body: { ok: true, expired, reconciled } };
}

/** A path segment decoded, or undefined when its percent-encoding is malformed (e.g. "%E0%A4%A"). */
function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** GET `orders.csv` and `live`: for the vendor's staff and operators; an unknown vendor is said so to operators only. */
async function vendorView(request: WebhookRequest, rawVendorId: string, view: string): Promise<WebhookResponse> {
  const vendorId = safeDecode(rawVendorId);
  if (vendorId === undefined || !documentIdSchema.safeParse(vendorId).success)
    return errorResponse(404, "not_found", "The vendor id is not valid.");
  if (request.method !== "GET")
    return { ...errorResponse(405, "method_not_allowed", "Use GET."), headers: { Allow: "GET" } };
  const auth = await authorizeVendorAdmin(header(request, "authorization"), vendorId);
  if (!auth.ok) return errorResponse(auth.status, auth.code, auth.message);
  if (auth.admin && !(await readVendorConfig(vendorId)).found)
    return errorResponse(404, "unknown_vendor", `Unknown vendor "${vendorId}".`);
  if (view === "live") return { status: 200, body: { ok: true, ...(await liveSnapshot(vendorId)) } };
  logger.info("admin call", { vendorId, action: view, uid: auth.uid });
  return ordersExport(vendorId, request);
}

/** `/api/admin/vendors/{vendorId}/...`: operators' and vendors' calls, behind a Firebase ID token. */
export async function handleAdminRequest(request: WebhookRequest, deps: AdminDeps): Promise<WebhookResponse> {
  const job = JOB_ROUTE.exec(request.path);
  if (job) return runJob(job[1]!, request, deps);
  const view = VIEW_ROUTE.exec(request.path);
  if (view) return vendorView(request, view[1]!, view[2]!);
  if (isConsoleRoute(request.path))
    return handleConsoleRequest(request, {
      scheduler: deps.scheduler,
      ...(deps.providerApiHosts && { providerApiHosts: deps.providerApiHosts }),
    });
  const match = ROUTE.exec(request.path);
  if (!match) return errorResponse(404, "not_found", `No admin route at ${request.path}.`);
  const [, rawVendorId = "", action = ""] = match;
  const vendorId = safeDecode(rawVendorId);
  if (vendorId === undefined || !documentIdSchema.safeParse(vendorId).success)
    return errorResponse(404, "not_found", "The vendor id is not valid.");
  const method = METHODS[action]!;
  if (request.method !== method)
    return { ...errorResponse(405, "method_not_allowed", `Use ${method}.`), headers: { Allow: method } };

  const auth = await authorizeVendorAdmin(header(request, "authorization"), vendorId);
  if (!auth.ok) return errorResponse(auth.status, auth.code, auth.message);

  if (action === "health") {
    logger.info("admin call", { vendorId, action, uid: auth.uid });
    const health = await vendorHealth(vendorId, { admin: auth.admin });
    if ((health.numbers as unknown[]).length === 0 && !(await readVendorConfig(vendorId)).found) {
      return errorResponse(404, "unknown_vendor", `Unknown vendor "${vendorId}".`);
    }
    return { status: 200, body: { ok: true, ...health } };
  }
  const lookup = await vendorInstance(vendorId);
  if (!lookup.ok) return lookup.response;
  logger.info("admin call", { vendorId, action, uid: auth.uid });
  if (action === "setup-wasender-webhook" || action === "wasender-status") {
    const instance = lookup.instance;
    if (!isWasender(instance)) {
      const kind = instance.provider === "unipile" ? "Unipile" : "Meta";
      const message = `waba_instances/${instance.id} is a ${kind} number (provider "${instance.provider}"): it has no Wasender session.`;
      return errorResponse(409, "not_a_wasender_number", message);
    }
    return action === "setup-wasender-webhook"
      ? setupWebhook(vendorId, instance, deps)
      : wasenderStatus(vendorId, instance, deps);
  }
  return sendMessage(vendorId, lookup, request, deps);
}
