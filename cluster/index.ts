/**
 * The local cluster supervisor: lays out a run directory, starts and stops node processes,
 * injects faults through NodeAdmin, and merges every node's status into one picture. The
 * `brokerlab` CLI and `startCluster` are two front ends over this one implementation.
 *
 * Invariants: every wait is bounded; every process the supervisor starts is stopped by it (SIGTERM,
 * then SIGKILL) or, for tests, by the exit hook; signals go only to pids whose command line
 * still names the node's config file.
 */
export { Supervisor, UnknownNodeError, ClusterNotReadyError, DEFAULT_READY_TIMEOUT_MS, DEFAULT_SHUTDOWN_TIMEOUT_MS } from './supervisor.js';
export type { SupervisorOptions } from './supervisor.js';
export { startCluster, LocalCluster, DEFAULT_WAIT_MS } from './start-cluster.js';
export type { StartClusterOptions, WaitOptions, ClusterNode, CreateTopicOptions } from './start-cluster.js';
export type { NewClusterOptions, CreatedCluster } from './create-cluster.js';
export { planPorts, KAFKA_DEFAULT_PORT, KAFKA_PORT_BASE_OFFSET, METRICS_DEFAULT_PORT, METRICS_PORT_BASE_OFFSET } from './port-plan.js';
export { metricsAddressOf, prometheusTargets, writePrometheusTargets, PROMETHEUS_TARGETS_FILE, type FileSdTargetGroup } from './prometheus-targets.js';
export type { PortPlan, PortPlanOptions, PortProbe } from './port-plan.js';
export { RunDir, NoClusterError, CorruptStateError, defaultRunDir, kafkaAddressOf, STATE_FILE_NAME } from './run-dir.js';
export type { ClusterState, ClusterNodeRecord, FaultState, PartitionCut } from './run-dir.js';
export { InvalidClusterOptionError, parseConfigAssignments, planTopology, MAX_NODES } from './plan.js';
export { findPartition, mergeClusterStatus } from './cluster-status.js';
export type { ClusterStatus, NodeView, PartitionView, ReplicaView } from './cluster-status.js';
export { processState, type ProcessState } from './process-state.js';
export { applyFault, delayClientsOf, delayNode, healNodes, injectFault, isolateClientsOf, isolateNode, partitionNodes, reapplyFaults, startNodeAgain, undoFault, type FaultPushResult } from './fault-injection.js';
export { fault, describeFault, type Fault, type FaultKind } from '../src/common/faults.js';
export { describeFaultSpec, describePartition } from './faults.js';
export { observeDeparture, observeReturn, type DepartureReport, type ReturnReport, type LeaderMove, type IsrChange } from './reaction.js';
export { clusterTiming, departureWaitMs, returnWaitMs, readyWaitMs } from './timing.js';
export { NodeNotBuiltError, tailOfFile, type StopOutcome } from './node-process.js';
export { NodeUnreachableError } from './admin-client.js';
export { PortUnavailableError } from './ports.js';
export { WaitTimeoutError } from './wait.js';
