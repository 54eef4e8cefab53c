import "./global";
import { onDocumentWritten } from "firebase-functions/v2/firestore";
import { invalidateConfig, vendorKey } from "../store/config-cache";

/** A vendor_configs edit takes effect at once: the cached vendor configuration is dropped. */
export const onVendorConfigWritten = onDocumentWritten("vendor_configs/{vendorId}", (event) =>
  invalidateConfig([vendorKey(event.params.vendorId)]),
);
