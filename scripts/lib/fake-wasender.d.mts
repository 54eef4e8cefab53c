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
  headers?: Record<string, string>;
  delayMs?: number;
  drop?: boolean;
  /** Never answer; the connection is closed after `delayMs` (default 30 s). */
  hang?: boolean;
  /** Only requests whose path starts with this, e.g. "/api/send-message". */
  path?: string;
  /** Only requests made with this session key. */
  apiKey?: string;
  /** Only sends to this number. */
  to?: string;
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
  clearFaults(): void;
  waitForSends(
    count: number,
    options?: { timeoutMs?: number; predicate?: (send: FakeSend) => boolean },
  ): Promise<FakeSend[]>;
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
