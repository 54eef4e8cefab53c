import type { WasenderInstance } from "../model/waba-instance";
import type { Envelope } from "../wasender/envelope";

/** A webhook event whose signature matched one of the vendor's numbers: what each event handler gets. */
export interface VerifiedEvent {
  vendorId: string;
  instance: WasenderInstance;
  envelope: Envelope;
}
