/**
 * Whole-cluster deterministic simulation: real node runtimes on a virtual clock and network,
 * a producer/consumer workload recorded as a history, faults from the seed, and the history
 * checker's verdict. A failing seed replays exactly (`replayClusterSeed`).
 */
export { runClusterSimulation, type ClusterSimOptions, type ClusterSimResult } from './cluster-simulation.js';
export { LEADER_KILLS, MIXED_FAULTS, type NemesisProfile } from '../nemesis.js';
export { TOPOLOGIES, type TopologyName } from './topology.js';
export { staleIsrEpochOptions } from './stale-isr-epoch.js';
export { mustBeSafe, replayClusterSeed, replayCommand, runScenario, runSeeds, safetyFailure, scenarioOptions, summarizeRun, SCENARIOS, type ScenarioName, type SeedRangeOutcome } from './scenarios.js';
