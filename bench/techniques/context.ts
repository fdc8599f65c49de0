/** What the technique benchmarks hand a technique: no politeness waits, nothing recorded. */
import type { TechniqueContext, TechniqueNetwork } from '../../activities/techniques/types';

/** A context that measures the protocol, not the limiter. */
export function benchContext(network: TechniqueNetwork): TechniqueContext {
  return { network, signal: new AbortController().signal, heartbeat: () => undefined, waitForDomainSlot: async () => undefined };
}
