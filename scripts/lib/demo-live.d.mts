export interface DemoBuyer {
  phone: string;
  name: string;
  says: string[];
  pays?: boolean;
}

export interface DemoLiveVendor {
  vendorId: string;
  instance: { wasenderWebhookSecret: string };
}

export const BUYERS: DemoBuyer[];
export function playBuyer(options: {
  hosting: string;
  vendor: DemoLiveVendor;
  buyer: DemoBuyer;
  adminToken: () => Promise<string> | string;
  pauseMs?: number;
}): Promise<void>;
export function playDemoLive(options: {
  hosting: string;
  vendor: DemoLiveVendor;
  adminToken: () => Promise<string> | string;
  stopping: () => boolean;
}): Promise<void>;
