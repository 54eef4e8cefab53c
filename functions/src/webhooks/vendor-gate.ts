import { admit, jsonEvent, pass, refuse, type Step, type WebhookDoor } from "../http/admission";
import { errorResponse, type WebhookRequest, type WebhookResponse } from "../http/handler";
import type { MessagingInstance, WasenderInstance } from "../model/waba-instance";
import { vendorConfigCache, type ConfigCache, type SnapshotOptions } from "../store/config-cache";
import type { Authentication, Authenticator } from "./authenticate";
import { loadVendorInstances, type VendorInstances } from "./vendor-instances";
import { vendorRoute, type VendorTarget, type WebhookRoute } from "./vendor-path";

/**
 * How a changed or revoked secret (a deleted instance, one moved to another vendor, a deleted config)
 * stops working within 5 s on every function instance: the freshness bounds of the configuration cache
 * (ACCEPT_MAX_AGE_MS without Redis, REDIS_SAFETY_NET_MS with it), which the send path keeps too.
 */
export { ACCEPT_MAX_AGE_MS, REDIS_SAFETY_NET_MS } from "../store/config-cache";

/**
 * A request the cached credentials refuse may re-read the documents (a secret rotated a moment ago):
 * a few times in a row (RECHECK_BURST), then once per RECHECK_INTERVAL_MS, per vendor and function
 * instance. A flood of bad signatures thus costs at most 3 re-reads (6 reads) a minute, after the burst.
 */
export const RECHECK_INTERVAL_MS = 20_000;
export const RECHECK_BURST = 3;
/** Vendors whose budget is remembered; beyond, the oldest is forgotten (it may then re-read once more). */
const MAX_TRACKED_VENDORS = 10_000;

/** Each vendor's re-read budget on one function instance: a token bucket. */
export class RecheckBudget {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly intervalMs = RECHECK_INTERVAL_MS,
    private readonly burst = RECHECK_BURST,
  ) {}

  /** True (and a token spent) when the vendor's documents may be re-read now. */
  take(vendorId: string, now = Date.now()): boolean {
    const bucket = this.buckets.get(vendorId) ?? { tokens: this.burst, at: now };
    const tokens = Math.min(this.burst, bucket.tokens + (now - bucket.at) / this.intervalMs);
    const allowed = tokens >= 1;
    this.buckets.delete(vendorId);
    this.buckets.set(vendorId, { tokens: allowed ? tokens - 1 : tokens, at: now });
    if (this.buckets.size > MAX_TRACKED_VENDORS) this.buckets.delete(this.buckets.keys().next().value!);
    return allowed;
  }
}

/** What one function instance keeps between requests; a test builds a second one as a second instance. */
export interface GateState {
  cache: ConfigCache;
  budget: RecheckBudget;
}

let defaultState: GateState | undefined;

export function defaultGateState(): GateState {
  defaultState ??= { cache: vendorConfigCache(), budget: new RecheckBudget() };
  return defaultState;
}

export interface GateDecision<I extends MessagingInstance = WasenderInstance> {
  vendor: VendorInstances;
  /** Undefined when the vendor has no usable number to check against. */
  auth: Authentication<I> | undefined;
}

/**
 * Which of the vendor's numbers signed this request, from the cache when it can be trusted:
 * - a cached credential lets a request in only while it is fresh enough (see ACCEPT_MAX_AGE_MS); an
 *   older one is re-read first, from Redis if another instance read it that recently, else Firestore;
 * - a request the cache refuses is checked again against Redis (where the triggers drop changed
 *   entries, so a rotated secret works at once), then against the documents within the vendor's
 *   RecheckBudget; an unknown vendor id waits for its negative entry to expire, and a request with no
 *   signature is not re-checked.
 * Warm, a webhook costs no Firestore read with Redis, and one re-read per 4 s and vendor without; a
 * refused one costs none beyond the budget.
 */
export async function admitRequest<I extends MessagingInstance = WasenderInstance>(
  vendorId: string,
  request: WebhookRequest,
  authenticator: Authenticator<I>,
  state: GateState = defaultGateState(),
): Promise<GateDecision<I>> {
  const decide = async (options: SnapshotOptions): Promise<GateDecision<I>> => {
    const vendor = await loadVendorInstances(vendorId, options, state.cache);
    return {
      vendor,
      auth: vendor.kind === "ready" ? authenticator.authenticate(request, vendor.instances) : undefined,
    };
  };
  let decision = await decide({});
  if (!decision.auth?.ok && decision.vendor.fromCache && state.cache.usesRedis) {
    decision = await decide({ skipMemory: true });
  }
  // A request with no signature header at all cannot become valid by re-reading: it never spends the
  // budget (one whose header the cached scheme ignored may: the scheme may have changed).
  const recheckable = authenticator.signed(request) && decision.vendor.kind !== "unknown";
  if (!decision.auth?.ok && decision.vendor.fromCache && recheckable && state.budget.take(vendorId)) {
    decision = await decide({ fresh: true });
  }
  const maxAgeMs = state.cache.credentialMaxAgeMs;
  if (decision.auth?.ok && decision.vendor.fromCache && Date.now() - decision.vendor.readAt > maxAgeMs) {
    decision = await decide({ maxAgeMs, skipMemory: true });
  }
  return decision;
}

/** A request the gate let in: the number it is for, every number that signed it, the vendor's usable numbers. */
export interface SignedRequest<I extends MessagingInstance> {
  vendorId: string;
  instance: I;
  signers: I[];
  instances: MessagingInstance[];
}

/** What one messaging provider plugs into the vendor gate. */
export interface NumberGate<I extends MessagingInstance> {
  authenticator: Authenticator<I>;
  /** Whether the vendor has a number this provider could have signed for at all. */
  hasNumber(instances: MessagingInstance[]): boolean;
  /** The 409 for a vendor without one (`problems` name the invalid documents' fields). */
  noNumber(vendorId: string, problems: string[]): WebhookResponse;
  rejections: { note(vendorId: string, code: string): void };
}

/**
 * The gate's decision as a webhook acts on it: the numbers that signed, or the answer to a request it
 * did not let in (404 unknown vendor, 409 no number of this provider, 401 bad signature, noted in
 * `rejections`).
 */
export function vendorGate<I extends MessagingInstance>(gate: NumberGate<I>, state: GateState) {
  return async ({ vendorId }: { vendorId: string }, request: WebhookRequest): Promise<Step<SignedRequest<I>>> => {
    const { vendor, auth } = await admitRequest(vendorId, request, gate.authenticator, state);
    if (vendor.kind === "unknown") return refuse(errorResponse(404, "unknown_vendor", `Unknown vendor "${vendorId}".`));
    if (vendor.kind === "unusable" || !auth || !gate.hasNumber(vendor.instances)) {
      return refuse(gate.noNumber(vendorId, vendor.kind === "unusable" ? vendor.problems : []));
    }
    if (!auth.ok) {
      gate.rejections.note(vendorId, auth.code);
      return refuse(errorResponse(401, auth.code, auth.message));
    }
    return pass({ vendorId, instance: auth.signers[0]!, signers: auth.signers, instances: vendor.instances });
  };
}

/** A messaging provider's webhook: its vendor URL, its gate, its JSON event, Meta's GET verification. */
export interface VendorWebhook<I extends MessagingInstance, Event> extends NumberGate<I> {
  route: WebhookRoute;
  /** The event in the JSON body, or the 400 for a body that is not one. */
  read(json: unknown): Step<Event>;
  verify?(vendorId: string, request: WebhookRequest, state: GateState): Promise<WebhookResponse>;
}

/**
 * A messaging provider's webhook handler: the common admission with the provider's parts plugged in,
 * then `handle` with the signed request and its event. `state` is what one function instance keeps
 * between requests (its configuration cache); tests pass a second one as a second instance.
 */
export function vendorWebhook<I extends MessagingInstance, Event>(
  webhook: VendorWebhook<I, Event>,
  handle: (signed: SignedRequest<I>, event: Event) => Promise<WebhookResponse>,
) {
  return async (request: WebhookRequest, state: GateState = defaultGateState()): Promise<WebhookResponse> => {
    const door: WebhookDoor<VendorTarget, SignedRequest<I>, Event> = {
      route: vendorRoute(webhook.route),
      authenticate: vendorGate(webhook, state),
      read: jsonEvent((json) => webhook.read(json)),
      ...(webhook.verify && { verify: ({ vendorId }, get) => webhook.verify!(vendorId, get, state) }),
    };
    const admitted = await admit(request, door);
    return admitted.ok ? handle(admitted.value.sender, admitted.value.event) : admitted.response;
  };
}
