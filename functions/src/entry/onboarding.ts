import "./global";
import { onDocumentWritten } from "firebase-functions/v2/firestore";
import { onInstanceWritten } from "../onboarding/on-instance-written";
import { outboundDeps } from "./outbound-deps";

/** Onboarding by console edits (validate, index, sync vendor_configs); a reconnected number sends what waited. */
export const onWabaInstanceWritten = onDocumentWritten(
  { document: "waba_instances/{wabaInstanceId}", timeoutSeconds: 300 },
  (event) =>
    onInstanceWritten(event.params.wabaInstanceId, event.data?.before.data(), event.data?.after.data(), outboundDeps()),
);
