export interface SimulationOptions {
  seed?: number;
  workload?: "buyers" | "rush" | "scale" | "faults";
  buyers?: number;
  vendors?: number;
  buyersPerVendor?: number;
  atOnce?: number;
  lone?: number;
  concurrency?: number;
  maxDelayMs?: number;
  repeatShare?: number;
  crashShare?: number;
  loseShare?: number;
  batchShare?: number;
  orderShare?: number;
  payShare?: number;
  backlogShare?: number;
  stock?: number;
  retryDelayMs?: number;
  scheduleEveryMs?: number;
  staleMs?: number;
  reservationMs?: number;
  instanceDeathEveryMs?: number;
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
  instanceDeaths: number;
  killed: number;
  lostTasks: number;
  sweepRounds: number;
  scheduledRounds: number;
}

interface Latencies {
  n: number;
  p50: number;
  p99: number;
}

export const SIM_DEFAULTS: SimulationOptions;

export function simulateDelivery(options?: SimulationOptions): Promise<{
  seed: number;
  violations: string[];
  stats: SimulationStats;
  /** What the invariants looked at: buyers, products' stock, payments, replies that ended failed. */
  checked: { buyers: number; products: number; payments: number; failed: number };
  figures: {
    rush?: { card: Latencies; oui: Latencies; seconds: number };
    scale?: { lone: Latencies; loaded: Latencies; repliesPerSecond: number };
    backlog?: { waiting: number };
  };
  retries: Record<string, { transactions: number; retried: number; retries: number; refused: number }>;
  sends: number;
  seconds: number;
}>;

export function closeSimulator(): Promise<void>;
