/**
 * Deterministic simulation: Raft alone (RaftDriver over RaftCore per node) and whole clusters, in
 * one process on virtual time, sharing one event loop, virtual network, nemesis and fault injector,
 * with faults drawn from one seed and invariants checked after every event. A failing seed replays
 * exactly.
 */
export { runRaftSimulation, type RaftSimOptions, type SimResult } from './raft-simulation.js';
export { SimulationFailure } from './failure.js';
