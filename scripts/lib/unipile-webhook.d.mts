export const UNIPILE_AUTH_HEADER: string;
export function unipileWebhookPath(vendorId: string): string;
export function unipileTextEvent(options: {
  accountId: string;
  from: string;
  name: string;
  text: string;
  id?: string;
}): Record<string, unknown>;
export function unipileAccountStatusEvent(options: { accountId: string; status: string }): Record<string, unknown>;
