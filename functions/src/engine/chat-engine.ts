import type { Language } from "../model/vendor-config";
import type { OutboundContent } from "../model/message";
import type { Product } from "../model/product";

/** The engine's view of a vendor's settings (from `vendor_configs`). */
export interface EngineVendor {
  vendorId: string;
  businessName?: string;
  welcomeMessage?: string;
  language: Language;
}

/** Per (vendor, customer) state the engine owns; stored on the conversation document between messages. */
export type ConversationState = Record<string, unknown>;

export interface EngineMessage {
  from: string;
  customerName?: string;
  text: string;
}

/** What the engine may ask of the vendor's catalogue; backed by Firestore in production. */
export interface Catalog {
  activeProducts(): Promise<Product[]>;
}

export interface ChatEngineInput {
  vendor: EngineVendor;
  state: ConversationState;
  message: EngineMessage;
  catalog: Catalog;
}

export interface ChatEngineOutput {
  replies: OutboundContent[];
  state: ConversationState;
}

/** The seam between transport and conversation: no Firebase, no HTTP, just a message in and replies out. */
export interface ChatEngine {
  readonly name: string;
  handle(input: ChatEngineInput): Promise<ChatEngineOutput>;
}
