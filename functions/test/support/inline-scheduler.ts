import { afterAll, beforeAll } from "vitest";
import { type FakeWasender, startFakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { AlloPermetEngine } from "../../src/engine/allopermet-engine";
import { ProviderRegistry } from "../../src/providers/registry";
import { performAttempt, RetryLater } from "../../src/outbound/deliver";
import { type AttemptScheduler, type Dispatch, type OutboundDeps, taskIdFor } from "../../src/outbound/dispatch";
import type { ReplyDeps } from "../../src/replies/reply-to-inbound";
import { InboundLimiter } from "../../src/shared/inbound-limiter";
import { ProviderServices } from "../../src/providers/services";

/**
 * A stand-in for Cloud Tasks in tests that run functions in process (their own project, where no task
 * queue exists): runs each dispatched attempt in this process no earlier than its time, refuses a
 * duplicate task id as the queue does, and delivers again a task that asks to be retried.
 */
export class InlineScheduler implements AttemptScheduler {
  private readonly seen = new Set<string>();
  private pending = 0;
  private idleWaiters: Array<() => void> = [];
  deps!: OutboundDeps;
  readonly ran: Dispatch[] = [];

  async schedule(dispatches: readonly Dispatch[]): Promise<void> {
    for (const dispatch of dispatches) {
      const id = taskIdFor(dispatch);
      if (this.seen.has(id)) continue;
      this.seen.add(id);
      this.pending += 1;
      setTimeout(() => void this.run(dispatch), Math.max(0, (dispatch.at ?? 0) - Date.now()));
    }
  }

  private async run(dispatch: Dispatch, deliveries = 1): Promise<void> {
    const { at: _at, ...task } = dispatch;
    try {
      this.ran.push(dispatch);
      await performAttempt(task, this.deps);
    } catch (error) {
      if (error instanceof RetryLater && deliveries < 100) {
        setTimeout(() => void this.run(dispatch, deliveries + 1), 200);
        return;
      }
      throw error;
    }
    this.pending -= 1;
    if (this.pending === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Resolves once every task dispatched so far (and the tasks they dispatched) has run. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

/**
 * What the message trigger gets in a function, built for a test that runs it in process: a fake
 * Wasender as the global default, the real engine, and the InlineScheduler in place of Cloud Tasks.
 */
export async function inProcessReplies(): Promise<{
  deps: ReplyDeps;
  scheduler: InlineScheduler;
  wasender: FakeWasender;
  close: () => Promise<void>;
}> {
  const wasender = await startFakeWasender();
  const registry = new ProviderServices();
  const scheduler = new InlineScheduler();
  const deps: ReplyDeps = {
    providers: new ProviderRegistry(() => wasender.apiUrl, { services: registry }),
    scheduler,
    engine: new AlloPermetEngine(),
    limiter: new InboundLimiter(undefined),
    platformPaymentLink: () => "https://pay.example.test/{vendorId}/{reference}?amount={amount}",
  };
  scheduler.deps = deps;
  return { deps, scheduler, wasender, close: async () => (await registry.close(), await wasender.close()) };
}

/** `inProcessReplies` for a whole test file: started before its tests, closed after them. */
export function useInProcessReplies(): Awaited<ReturnType<typeof inProcessReplies>> {
  const suite = {} as Awaited<ReturnType<typeof inProcessReplies>>;
  beforeAll(async () => {
    Object.assign(suite, await inProcessReplies());
  });
  afterAll(() => suite.close());
  return suite;
}
