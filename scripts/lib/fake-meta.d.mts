export interface FakeMetaSend {
  phoneNumberId: string;
  /** International digits, without "+". */
  to: string;
  type: string;
  text?: string;
  caption?: string;
  link?: string;
  filename?: string;
  wamid: string;
  token: string;
  body: Record<string, unknown>;
  at: number;
}

export interface FakeMetaRequest {
  method: string;
  path: string;
  phoneNumberId?: string;
  token: string;
  body: string;
  at: number;
}

export interface FakeMetaFault {
  /** Answer Meta's error body with this code (HTTP status: Meta's usual one unless `httpStatus`). */
  code?: number;
  /** Alone: a bare error page without Meta's body (or `body`), as a proxy answers. */
  httpStatus?: number;
  title?: string;
  details?: string;
  body?: unknown;
  /** Reset the connection without answering. */
  drop?: boolean;
  /** Never answer; the connection is closed after `delayMs` (default 30 s). */
  hang?: boolean;
  delayMs?: number;
  /** Only requests for this number. */
  phoneNumberId?: string;
  times?: number;
}

export interface MetaErrorBody {
  error: {
    message: string;
    type: string;
    code: number;
    error_data: { messaging_product: "whatsapp"; details: string };
    fbtrace_id: string;
  };
}

export interface FakeMeta {
  port: number;
  /** e.g. "http://127.0.0.1:PORT/v25.0". */
  apiUrl: string;
  sends: FakeMetaSend[];
  requests: FakeMetaRequest[];
  errorBody(code: number, title: string, details?: string): MetaErrorBody;
  injectFault(fault: FakeMetaFault): void;
  clearFaults(): void;
  waitForSends(
    count: number,
    options?: { timeoutMs?: number; predicate?: (send: FakeMetaSend) => boolean },
  ): Promise<FakeMetaSend[]>;
  close(): Promise<void>;
}

export function startFakeMeta(options?: {
  port?: number;
  /** phone_number_id -> the token allowed to send as it; absent = any non-empty token. */
  tokens?: Record<string, string>;
  /** Adds `message_status` to each success, e.g. "accepted". */
  messageStatus?: string;
  onSend?: (send: FakeMetaSend) => void;
}): Promise<FakeMeta>;
