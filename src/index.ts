/** The brokerlab package: what `import ... from 'brokerlab'` offers. */
export { startCluster, LocalCluster, fault, describeFault } from '../cluster/index.js';
export type {
  StartClusterOptions,
  WaitOptions,
  ClusterNode,
  CreateTopicOptions,
  ClusterStatus,
  NodeView,
  PartitionView,
  ReplicaView,
  ProcessState,
  StopOutcome,
  Fault,
  FaultKind,
} from '../cluster/index.js';
export * from './client/index.js';
