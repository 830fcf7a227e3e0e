/**
 * History checking for queue workloads (Jepsen's queue/Kafka checkers in spirit): pure functions
 * over a recorded history of sends, polls and final replica logs, shared by the deterministic
 * simulation and runs against real processes.
 */
export * from './history.js';
export { FinalLog, finalLogs, latestOffsetsByKey, type KeyOf } from './final-log.js';
export type { CheckOptions } from './options.js';
export { checkHistory, describeReport, type CheckReport, type CheckStats } from './queue-checker.js';
export type { LostWrite, ReorderedSend } from './write-checks.js';
export type { DirtyRead, DuplicatedValue, InconsistentOffset, UnexpectedValue } from './offset-checks.js';
export type { DivergentReplica, ReplicaProblem } from './replica-checks.js';
export { quantile, unavailability, type PartitionAvailability, type UnavailabilityWindow } from './availability.js';
