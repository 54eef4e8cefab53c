import { getMetaCloudRegistry, type MetaCloudRegistry } from "../meta/meta-cloud-registry";
import type { MessagingInstance, WasenderInstance } from "../model/waba-instance";
import { readInstance, readVendorInstanceCached } from "../store/waba-instances";
import { readRuntime } from "../store/waba-runtime";
import { getVendorWasenderRegistry, type VendorWasenderRegistry } from "../wasender/vendor-wasender-registry";
import type { VendorWasenderService } from "../wasender/vendor-wasender-service";
import type { MessagingProvider } from "./types";

export type { MessagingProvider, SendFailure, SendFailureCode, SendResult } from "./types";

export const DEFAULT_META_API_URL = "https://graph.facebook.com/v25.0";

/** Which provider sends one message: the number's Wasender session, or its Cloud API number. */
export type Channel = "wasender" | "meta";

/**
 * The one way to a provider: the `MessagingProvider` that sends as an instance's number (through
 * Wasender, or through Meta for a Cloud API number or a failover), and the Wasender session calls the
 * admin API makes. Services are pooled per process by the registries.
 */
export class ProviderRegistry {
  private readonly defaultMetaApiUrl: () => string;
  private readonly wasender: VendorWasenderRegistry;
  private readonly meta: MetaCloudRegistry;

  constructor(
    /** The global Wasender base URL, for instances without their own `wasenderApiUrl`. */
    private readonly defaultWasenderApiUrl: () => string,
    options: {
      /** The global Graph API base (META_GRAPH_API_URL), for instances without their own `metaApiUrl`. */
      metaApiUrl?: () => string;
      wasender?: VendorWasenderRegistry;
      meta?: MetaCloudRegistry;
    } = {},
  ) {
    this.defaultMetaApiUrl = options.metaApiUrl ?? (() => DEFAULT_META_API_URL);
    this.wasender = options.wasender ?? getVendorWasenderRegistry();
    this.meta = options.meta ?? getMetaCloudRegistry();
  }

  /**
   * The provider that sends as this number through `channel` (its own provider unless a failover says
   * otherwise). Undefined when the number has no such channel configured.
   */
  forInstance(instance: MessagingInstance, channel: Channel = instance.provider === "meta" ? "meta" : "wasender"): MessagingProvider | undefined {
    if (channel === "meta") {
      if (!instance.metaPhoneNumberId || !instance.metaAccessToken) return undefined;
      return this.meta.getService({
        vendorId: instance.vendorId,
        wabaInstanceId: instance.id,
        phoneNumberId: instance.metaPhoneNumberId,
        accessToken: instance.metaAccessToken,
        apiUrl: instance.metaApiUrl ?? this.defaultMetaApiUrl(),
      });
    }
    return instance.provider === "wasender" ? this.wasenderSession(instance) : undefined;
  }

  /** The number's Wasender session, for session settings and status (admin API). */
  wasenderSession(instance: WasenderInstance): VendorWasenderService {
    return this.wasender.getService({
      vendorId: instance.vendorId,
      wabaInstanceId: instance.id,
      apiKey: instance.wasenderApiKey,
      apiUrl: instance.wasenderApiUrl ?? this.defaultWasenderApiUrl(),
      ...(instance.wasenderInstanceId && { instanceId: instance.wasenderInstanceId }),
      ...(instance.wasenderAccessToken && { accessToken: instance.wasenderAccessToken }),
    });
  }
}

export type InstanceResolution =
  | { ok: true; instance: MessagingInstance }
  /** Not usable for sending now but may be later (disconnected): the message waits, or fails over. */
  | { ok: false; wait: true; reason: string; instance: MessagingInstance }
  | { ok: false; wait: false; reason: string };

/**
 * The usable instance of this vendor for a message: the number `wabaInstanceId` when given (a reply
 * leaves from the number the customer wrote to), else the vendor's configured number. Refuses an
 * instance that is invalid, or owned by another vendor. `fresh` reads the documents rather than the
 * cache (the admin API acts on what an operator just edited).
 */
export async function resolveInstance(
  vendorId: string,
  wabaInstanceId: string,
  options: { fresh?: boolean } = {},
): Promise<InstanceResolution> {
  let check = options.fresh ? await readInstance(wabaInstanceId) : await readVendorInstanceCached(vendorId, wabaInstanceId);
  // A cached "disconnected" may be older than the reconnection that woke this message: ask the document.
  if (!options.fresh && check?.usable && check.instance.status === "disconnected") check = await readInstance(wabaInstanceId);
  if (!check) return { ok: false, wait: false, reason: `waba_instances/${wabaInstanceId} is not a number of vendor ${vendorId}` };
  if (!check.usable) return { ok: false, wait: false, reason: `waba_instances/${wabaInstanceId} is invalid: ${check.problems.join("; ")}` };
  const instance = check.instance;
  if (instance.vendorId !== vendorId) return { ok: false, wait: false, reason: `waba_instances/${wabaInstanceId} belongs to another vendor` };
  if (instance.status === "disconnected") {
    // The session's own state is runtime state: read only on this (waiting) path, never on a send's.
    const sessionStatus = instance.provider === "meta" ? undefined : (await readRuntime(instance.id)).sessionStatus;
    const from = instance.provider === "meta" ? "marked disconnected" : `disconnected from Wasender${sessionStatus ? ` (${sessionStatus})` : ""}`;
    return { ok: false, wait: true, reason: `the number ${instance.phoneNumber} is ${from}`, instance };
  }
  return { ok: true, instance };
}
