export interface FakeUnipileSend {
  accountId: string;
  /** International digits, without "+". */
  to: string;
  attendeeId: string;
  text: string;
  apiKey: string;
  chatId: string;
  messageId: string;
  at: number;
}

export interface FakeUnipileRequest {
  method: string;
  path: string;
  apiKey: string;
  contentType?: string;
  accountId?: string;
  at: number;
}

export interface FakeUnipileFault {
  /** Answer Unipile's error body of this type (its usual HTTP status unless `httpStatus`). */
  type?: string;
  /** Alone: a bare error page (or `body`), as a proxy answers. */
  httpStatus?: number;
  detail?: string;
  body?: unknown;
  /** With a 429: the `retry-after` header, in seconds. */
  retryAfter?: number;
  drop?: boolean;
  hang?: boolean;
  delayMs?: number;
  /** Only requests for this account. */
  accountId?: string;
  times?: number;
}

export interface FakeUnipile {
  port: number;
  apiUrl: string;
  sends: FakeUnipileSend[];
  requests: FakeUnipileRequest[];
  errorBody(type: string, detail?: string): Record<string, unknown>;
  errorTypes: string[];
  injectFault(fault: FakeUnipileFault): void;
  clearFaults(): void;
  disconnect(accountId: string): void;
  reconnect(accountId: string): void;
  waitForSends(
    count: number,
    options?: { timeoutMs?: number; predicate?: (send: FakeUnipileSend) => boolean },
  ): Promise<FakeUnipileSend[]>;
  close(): Promise<void>;
}

export function startFakeUnipile(options?: {
  port?: number;
  apiKeys?: string[];
  accounts?: string[];
  onSend?: (send: FakeUnipileSend) => void;
}): Promise<FakeUnipile>;
