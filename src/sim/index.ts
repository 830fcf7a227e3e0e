/**
 * Deterministic simulation: whole clusters in one process on virtual time, with faults drawn from
 * one seed and invariants checked after every event. A failing seed replays exactly.
 */
export { runRaftSimulation, type RaftSimOptions, type SimResult } from './raft-simulation.js';
export { SimulationFailure } from './failure.js';
