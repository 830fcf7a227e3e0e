/**
 * The metrics registry of one node process. Each node gets its own registry (never prom-client's
 * global one), so nodes run side by side in one process (tests, the simulation) do not mix their
 * figures; every series carries the node's id as the `node` label.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

export function createNodeRegistry(nodeId: number): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ node: String(nodeId) });
  // CPU, resident memory, heap, event-loop lag, GC: the process health a dashboard shows first.
  collectDefaultMetrics({ register: registry });
  return registry;
}
