import type { WasenderInstance } from "../model/waba-instance";
import { readInstance, readVendorInstanceCached } from "../store/waba-instances";
import { getVendorWasenderRegistry, type VendorWasenderRegistry } from "../wasender/vendor-wasender-registry";
import type { VendorWasenderService } from "../wasender/vendor-wasender-service";
import type { MessagingProvider } from "./types";

export type { MessagingProvider, SendFailure, SendFailureCode, SendResult } from "./types";

/**
 * The one way to a provider: the `MessagingProvider` that sends as an instance's number, and the
 * Wasender session calls the admin API makes. Services are pooled per process by the registry.
 */
export class ProviderRegistry {
  constructor(
    /** The global Wasender base URL, for instances without their own `wasenderApiUrl`. */
    private readonly defaultWasenderApiUrl: () => string,
    private readonly wasender: VendorWasenderRegistry = getVendorWasenderRegistry(),
  ) {}

  /** The provider that sends as this number. */
  forInstance(instance: WasenderInstance): MessagingProvider {
    return this.wasenderSession(instance);
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
  | { ok: true; instance: WasenderInstance }
  /** Not usable for sending now but may be later (disconnected): the message waits. */
  | { ok: false; wait: true; reason: string; instance: WasenderInstance }
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
    return { ok: false, wait: true, reason: `the number ${instance.phoneNumber} is disconnected from Wasender`, instance };
  }
  return { ok: true, instance };
}
