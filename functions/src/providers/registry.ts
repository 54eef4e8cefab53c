import { getMetaCloudRegistry, type MetaCloudRegistry } from "../meta/meta-cloud-registry";
import { ownChannel, type Channel, type Providers } from "../messaging/provider";
import type { MessagingProvider } from "../messaging/types";
import type { MessagingInstance, WasenderInstance } from "../model/waba-instance";
import { getUnipileRegistry, type UnipileRegistry } from "../unipile/unipile-registry";
import { getVendorWasenderRegistry, type VendorWasenderRegistry } from "../wasender/vendor-wasender-registry";
import type { VendorWasenderService } from "../wasender/vendor-wasender-service";

export const DEFAULT_META_API_URL = "https://graph.facebook.com/v25.0";

/**
 * The providers wired together, above `messaging/` (which only knows the `Providers` interface) and
 * the concrete providers' folders. Services are pooled per process by each provider's registry; a
 * changed key, token, account or URL yields a new service at the next send.
 */
export class ProviderRegistry implements Providers {
  private readonly defaultMetaApiUrl: () => string;
  private readonly wasender: VendorWasenderRegistry;
  private readonly meta: MetaCloudRegistry;
  private readonly unipile: UnipileRegistry;

  constructor(
    /** The global Wasender base URL, for instances without their own `wasenderApiUrl`. */
    private readonly defaultWasenderApiUrl: () => string,
    options: {
      /** The global Graph API base (META_GRAPH_API_URL), for instances without their own `metaApiUrl`. */
      metaApiUrl?: () => string;
      wasender?: VendorWasenderRegistry;
      meta?: MetaCloudRegistry;
      unipile?: UnipileRegistry;
    } = {},
  ) {
    this.defaultMetaApiUrl = options.metaApiUrl ?? (() => DEFAULT_META_API_URL);
    this.wasender = options.wasender ?? getVendorWasenderRegistry();
    this.meta = options.meta ?? getMetaCloudRegistry();
    this.unipile = options.unipile ?? getUnipileRegistry();
  }

  forInstance(instance: MessagingInstance, channel: Channel = ownChannel(instance)): MessagingProvider | undefined {
    switch (channel) {
      case "meta":
        if (!instance.metaPhoneNumberId || !instance.metaAccessToken) return undefined;
        return this.meta.getService({
          vendorId: instance.vendorId,
          wabaInstanceId: instance.id,
          phoneNumberId: instance.metaPhoneNumberId,
          accessToken: instance.metaAccessToken,
          apiUrl: instance.metaApiUrl ?? this.defaultMetaApiUrl(),
        });
      case "unipile":
        if (!instance.unipileAccountId || !instance.unipileApiKey || !instance.unipileApiUrl) return undefined;
        return this.unipile.getService({
          vendorId: instance.vendorId,
          wabaInstanceId: instance.id,
          accountId: instance.unipileAccountId,
          apiKey: instance.unipileApiKey,
          apiUrl: instance.unipileApiUrl,
        });
      case "wasender":
        return instance.provider === "wasender" ? this.wasenderSession(instance) : undefined;
    }
  }

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
