export interface FakeCheckout {
  provider: "wave" | "paydunya" | "orange_money";
  /** Wave session id, PayDunya token, Orange Money reference. */
  id: string;
  reference?: string;
  amount: number;
  currency: string;
  url: string;
  status: "open" | "paid" | "failed";
  transactionId?: string;
  callbackUrl?: string;
  validity?: number;
  request: Record<string, unknown>;
  account: { vendorId: string } & Record<string, unknown>;
  createdAt: number;
}

export interface FakeCallback {
  url: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  answer: string;
  at: number;
}

export interface FakePaymentsFault {
  provider?: "wave" | "paydunya" | "orange_money";
  /** An error page with this status (503 by default). */
  httpStatus?: number;
  /** Never answer; the connection is closed after `delayMs` (default 30 s). */
  hang?: boolean;
  delayMs?: number;
  times?: number;
}

export interface PayResult {
  provider: string;
  id: string;
  reference?: string;
  status: string;
  callbacks: Array<{ status: number; answer: string }>;
}

export interface FakePayments {
  port: number;
  url: string;
  waveApiUrl: string;
  paydunyaApiUrl: string;
  orangeApiUrl: string;
  checkouts: FakeCheckout[];
  callbacks: FakeCallback[];
  requests: Array<{ method: string; path: string; body: string; at: number }>;
  addAccount(vendorId: string, account: Record<string, unknown>, callbackUrl: string): void;
  injectFault(fault: FakePaymentsFault): void;
  clearFaults(): void;
  /** The next `times` (default 1) checkouts of `provider` (or any) answer `url` as their link. */
  answerCheckoutUrl(override: { provider?: "wave" | "paydunya" | "orange_money"; url: string; times?: number }): void;
  pay(
    reference: string,
    options?: { fail?: boolean; times?: number; amount?: number; vendorId?: string },
  ): Promise<PayResult>;
  find(reference: string, vendorId?: string): FakeCheckout;
  callbackFor(
    checkout: FakeCheckout,
    options?: { fail?: boolean; amount?: number; signedAt?: number; secret?: string },
  ): { url: string; headers: Record<string, string>; body: string };
  send(callback: { url: string; headers: Record<string, string>; body: string }): Promise<FakeCallback>;
  close(): Promise<void>;
}

export function startFakePayments(options?: {
  port?: number;
  onCheckout?: (checkout: FakeCheckout) => void;
  onCallback?: (callback: FakeCallback) => void;
}): Promise<FakePayments>;
