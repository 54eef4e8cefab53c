import { ownChannel, type Channel, type Providers } from "../messaging/provider";
import type { AdminCallResult, MessagingProvider, SendResult, WasenderSession } from "../messaging/types";
import type { MessagingInstance, WasenderInstance } from "../model/waba-instance";
import {
  AllowedHosts,
  DEFAULT_PROVIDER_API_HOSTS,
  storedUrlProblem,
  type ProviderUrlField,
} from "../model/provider-urls";
import type { VendorWasenderService } from "../wasender/vendor-wasender-service";
import { getProviderServices, type ProviderServices } from "./services";

export const DEFAULT_META_API_URL = "https://graph.facebook.com/v25.0";

/**
 * What a number gets instead of a provider when the URL it would call breaks the tenants' rule (a URL
 * its vendor's staff set, on a host not allowed): every call fails as `not_configured`, before any
 * request, so no key or token leaves for that host.
 */
class RefusedUrl implements MessagingProvider, WasenderSession {
  constructor(
    readonly provider: string,
    private readonly reason: string,
  ) {}

  private failure() {
    return { ok: false as const, failure: { code: "not_configured" as const, message: this.reason } };
  }

  send(): Promise<SendResult> {
    return Promise.resolve(this.failure());
  }

  lookupMessageId(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }

  updateSession(): Promise<AdminCallResult> {
    return Promise.resolve(this.failure());
  }

  sessionStatus(): Promise<AdminCallResult> {
    return Promise.resolve(this.failure());
  }
}

/** Which of the vendor's numbers a service speaks for. */
const numberOf = (instance: MessagingInstance) => ({ vendorId: instance.vendorId, wabaInstanceId: instance.id });

/**
 * The providers wired together, above `messaging/` (which only knows the `Providers` interface) and
 * the concrete providers' folders. Services are pooled per process (`ProviderServices`); a changed key,
 * token, account or URL yields a new service at the next send.
 */
export class ProviderRegistry implements Providers {
  private readonly defaultMetaApiUrl: () => string;
  private readonly services: ProviderServices;
  private readonly providerApiHosts: () => string;
  private allowed: { list: string; hosts: AllowedHosts } | undefined;

  constructor(
    /** The global Wasender base URL, for instances without their own `wasenderApiUrl`. */
    private readonly defaultWasenderApiUrl: () => string,
    options: {
      /** The global Graph API base (META_GRAPH_API_URL), for instances without their own `metaApiUrl`. */
      metaApiUrl?: () => string;
      services?: ProviderServices;
      /** PROVIDER_API_HOSTS: where a URL set by a vendor's staff may point. */
      providerApiHosts?: () => string;
    } = {},
  ) {
    this.providerApiHosts = options.providerApiHosts ?? (() => DEFAULT_PROVIDER_API_HOSTS);
    this.defaultMetaApiUrl = options.metaApiUrl ?? (() => DEFAULT_META_API_URL);
    this.services = options.services ?? getProviderServices();
  }

  /** The refusal for a number whose URL in `field` breaks the tenants' rule, or undefined. */
  private refusal(instance: MessagingInstance, field: ProviderUrlField, provider: string): RefusedUrl | undefined {
    const list = this.providerApiHosts();
    if (this.allowed?.list !== list) this.allowed = { list, hosts: new AllowedHosts(list) };
    const problem = storedUrlProblem(instance as unknown as Record<string, unknown>, field, this.allowed.hosts);
    return problem === undefined ? undefined : new RefusedUrl(provider, `waba_instances/${instance.id}: ${problem}`);
  }

  forInstance(instance: MessagingInstance, channel: Channel = ownChannel(instance)): MessagingProvider | undefined {
    switch (channel) {
      case "meta":
        if (!instance.metaPhoneNumberId || !instance.metaAccessToken) return undefined;
        return (
          this.refusal(instance, "metaApiUrl", "meta") ??
          this.services.meta({
            ...numberOf(instance),
            phoneNumberId: instance.metaPhoneNumberId,
            accessToken: instance.metaAccessToken,
            apiUrl: instance.metaApiUrl ?? this.defaultMetaApiUrl(),
          })
        );
      case "unipile":
        if (!instance.unipileAccountId || !instance.unipileApiKey || !instance.unipileApiUrl) return undefined;
        return (
          this.refusal(instance, "unipileApiUrl", "unipile") ??
          this.services.unipile({
            ...numberOf(instance),
            accountId: instance.unipileAccountId,
            apiKey: instance.unipileApiKey,
            apiUrl: instance.unipileApiUrl,
          })
        );
      case "wasender":
        return instance.provider === "wasender" ? this.wasenderSession(instance) : undefined;
    }
  }

  wasenderSession(instance: WasenderInstance): VendorWasenderService | RefusedUrl {
    return (
      this.refusal(instance, "wasenderApiUrl", "wasender") ??
      this.services.wasender({
        ...numberOf(instance),
        apiKey: instance.wasenderApiKey,
        apiUrl: instance.wasenderApiUrl ?? this.defaultWasenderApiUrl(),
        ...(instance.wasenderInstanceId && { instanceId: instance.wasenderInstanceId }),
        ...(instance.wasenderAccessToken && { accessToken: instance.wasenderAccessToken }),
        ...(instance.wasenderTimeoutSeconds && { timeoutMs: instance.wasenderTimeoutSeconds * 1000 }),
      })
    );
  }
}
