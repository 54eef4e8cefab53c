export interface ConsoleUser {
  role: string;
  email: string;
  password: string;
  claims: Record<string, unknown>;
}

export const CONSOLE_USERS: ConsoleUser[];
export function ensureConsoleUsers(users?: ConsoleUser[]): Promise<ConsoleUser[]>;
