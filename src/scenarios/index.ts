/**
 * Scenarios: short programs that run a message-queue lesson on a real cluster, print what they
 * measured, and check that the lesson held (acks and data loss, duplicates and idempotence, per-key
 * ordering, asynchronous work, peak shaving, decoupled consumer groups). `brokerlab scenario NAME`
 * runs one; `runScenario` runs one from code. Every scenario bounds every wait and undoes every
 * fault it injects, so it can run against a cluster someone is using.
 */
import { asyncScenario } from './async.js';
import { decouplingScenario } from './decoupling.js';
import { duplicatesScenario } from './duplicates.js';
import { lossScenario } from './loss.js';
import { orderingScenario } from './ordering.js';
import { peakShavingScenario } from './peak-shaving.js';
import type { Scenario } from './scenario.js';

export { runScenario, type RunScenarioOptions } from './run.js';
export type { Print, Scale, Scenario, ScenarioContext, ScenarioResult, CheckedClaim } from './scenario.js';
export { undoActiveFaults } from './support/faults.js';
export { lossScenario, type LossResult, type LossRun } from './loss.js';
export { duplicatesScenario, type DuplicatesResult, type RetryRun } from './duplicates.js';
export type { RedeliveryRun } from './redelivery.js';
export { orderingScenario, type OrderingResult } from './ordering.js';
export { asyncScenario, type AsyncResult } from './async.js';
export { peakShavingScenario, type PeakShavingResult } from './peak-shaving.js';
export { decouplingScenario, type DecouplingResult, type GroupFigures } from './decoupling.js';

/** In the order a learner should meet them. */
export const SCENARIOS: readonly Scenario[] = [lossScenario, duplicatesScenario, orderingScenario, asyncScenario, peakShavingScenario, decouplingScenario];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
