export interface FakeSend {
  msgId: number;
  waMessageId: string;
  documentUrl?: string;
  apiKey: string;
  to: string;
  text?: string;
  imageUrl?: string;
  body: Record<string, unknown>;
  at: number;
}

export interface FakeRequest {
  method: string;
  path: string;
  apiKey: string;
  body: string;
  at: number;
}

export interface FakeFault {
  status?: number;
  body?: unknown;
  delayMs?: number;
  drop?: boolean;
  times?: number;
}

export interface FakeWasender {
  port: number;
  apiUrl: string;
  sends: FakeSend[];
  requests: FakeRequest[];
  sessionSettings: Map<string, Record<string, unknown>>;
  setSessionStatus(status: string): void;
  addSession(id: string, accessToken: string): void;
  injectFault(fault: FakeFault): void;
  waitForSends(count: number, options?: { timeoutMs?: number; predicate?: (send: FakeSend) => boolean }): Promise<FakeSend[]>;
  close(): Promise<void>;
}

export function startFakeWasender(options?: {
  port?: number;
  apiKeys?: string[];
  ratePerMinute?: number;
  onSend?: (send: FakeSend) => void;
  sessions?: Record<string, string>;
  sessionStatus?: string;
}): Promise<FakeWasender>;
