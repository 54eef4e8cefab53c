export interface DemoVendor {
  vendorId: string;
  instance: Record<string, unknown>;
  config: Record<string, unknown>;
  products: Record<string, Record<string, unknown>>;
}

export const DEMO_VENDORS: DemoVendor[];
export const WASENDER_DEMO_VENDORS: DemoVendor[];
export const META_DEMO_VENDORS: DemoVendor[];
export const UNIPILE_DEMO_VENDORS: DemoVendor[];
export const PAYMENTS_SANDBOX_URL: string;
export const DEMO_PAYMENT_ACCOUNTS: Record<string, unknown>;
