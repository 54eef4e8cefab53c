export interface SimulationOptions {
  seed?: number;
  buyers?: number;
  vendors?: number;
  concurrency?: number;
  maxDelayMs?: number;
  repeatShare?: number;
  crashShare?: number;
  loseShare?: number;
  batchShare?: number;
  retryDelayMs?: number;
  sweepRounds?: number;
  say?: (line: string) => void;
}

export interface SimulationStats {
  deliveries: number;
  repeated: number;
  sameMoment: number;
  died: number;
  threw: number;
  retried: number;
  gaveUp: number;
  lostTasks: number;
  sweepRounds: number;
}

export const SIM_DEFAULTS: Required<Omit<SimulationOptions, "seed" | "say">>;

export function simulateDelivery(
  options?: SimulationOptions,
): Promise<{ seed: number; violations: string[]; stats: SimulationStats; sends: number; seconds: number }>;

export function closeSimulator(): Promise<void>;
