/**
 * The JSON the dashboard page renders, built from one ClusterStatus, the supervisor's state file
 * (pids and the network faults it put in force) and the latest rates. Pure, so it is unit-tested
 * without a cluster; the page only draws what is here.
 */
import type { ClusterStatus, NodeView, PartitionView } from '../cluster-status.js';
import { describeFaultSpec, faultSpecFor } from '../faults.js';
import type { ClusterState } from '../run-dir.js';
import type { Rates } from './rates.js';

/**
 * - running: up, answering, no network fault;
 * - stopped: not running, and the supervisor stopped it (`stop`, `down`: its pid was cleared);
 * - dead: not running although the supervisor last started it (killed, or crashed);
 * - paused: SIGSTOPped;
 * - isolated: cut off from its peers (isolate, or on one side of a network partition) or its clients;
 * - delayed: what it sends to peers or clients is held back.
 */
export type NodeState = 'running' | 'stopped' | 'dead' | 'paused' | 'isolated' | 'delayed';

export interface NodeSnapshot {
  id: number;
  roles: string[];
  state: NodeState;
  pid: number | null;
  /** Answered its status call within the deadline. */
  reachable: boolean;
  /** Why it did not answer (not running, paused, a timeout). */
  error?: string;
  isController: boolean;
  /** Its Raft role: leader, follower, candidate, observer... */
  raftRole?: string;
  raftTerm?: number;
  fenced?: boolean;
  brokerEpoch?: number;
  /** The network faults in force for it, as the CLI prints them ("isolated", "delay 50 ms"), or "none". */
  faults: string;
  delayMs: number;
  kafkaAddress?: string;
  metricsAddress?: string;
  /** Partitions it leads. */
  leaderOf: number;
  messagesInPerSec?: number;
  bytesOutPerSec?: number;
  metricsError?: string;
}

export interface ReplicaSnapshot {
  id: number;
  isLeader: boolean;
  inIsr: boolean;
  logEndOffset?: number;
  lag?: number;
}

export interface PartitionSnapshot {
  /** `topic-partition`, Kafka's way of naming one. */
  key: string;
  topic: string;
  partition: number;
  /** -1: no leader. */
  leader: number;
  leaderEpoch: number;
  highWatermark?: number;
  isr: number[];
  underReplicated: boolean;
  replicas: ReplicaSnapshot[];
}

export interface Snapshot {
  takenAtMs: number;
  runDir: string;
  profile: string;
  activeController?: number;
  raftTerm?: number;
  nodes: NodeSnapshot[];
  partitions: PartitionSnapshot[];
  /** Network partitions in force, as "{1} | {2,3}". */
  networkPartitions: string[];
  rates?: Rates;
}

export function buildSnapshot(status: ClusterStatus, state: Pick<ClusterState, 'nodes' | 'faults' | 'profile'>, runDir: string, rates?: Rates): Snapshot {
  const partitions = status.partitions.map(partitionSnapshot);
  const snapshot: Snapshot = {
    takenAtMs: status.takenAtMs,
    runDir,
    profile: state.profile,
    nodes: status.nodes.map((n) => nodeSnapshot(n, state, status, partitions, rates)),
    partitions,
    networkPartitions: state.faults.partitions.map((c) => `{${c.nodes.join(',')}} | {${c.others.join(',')}}`),
  };
  if (status.activeController !== undefined) snapshot.activeController = status.activeController;
  if (status.raftTerm !== undefined) snapshot.raftTerm = status.raftTerm;
  if (rates) snapshot.rates = rates;
  return snapshot;
}

export function nodeStateOf(view: Pick<NodeView, 'id' | 'process'>, state: Pick<ClusterState, 'nodes' | 'faults'>): NodeState {
  if (view.process === 'dead') {
    const record = state.nodes.find((n) => n.id === view.id);
    return record?.pid ? 'dead' : 'stopped';
  }
  if (view.process === 'paused') return 'paused';
  // From the faults as injected: isolating node 1 also has its peers drop 1, but they are not isolated.
  const f = state.faults;
  const partitioned = f.partitions.some((c) => c.nodes.includes(view.id) || c.others.includes(view.id));
  if (f.isolated.includes(view.id) || f.clientsIsolated.includes(view.id) || partitioned) return 'isolated';
  if ((f.delays[String(view.id)] ?? 0) > 0 || (f.clientsDelays[String(view.id)] ?? 0) > 0) return 'delayed';
  return 'running';
}

function nodeSnapshot(
  view: NodeView,
  state: Pick<ClusterState, 'nodes' | 'faults'>,
  status: ClusterStatus,
  partitions: readonly PartitionSnapshot[],
  rates: Rates | undefined,
): NodeSnapshot {
  const spec = faultSpecFor(view.id, state.faults);
  const node: NodeSnapshot = {
    id: view.id,
    roles: [...view.roles],
    state: nodeStateOf(view, state),
    pid: view.pid,
    reachable: view.reachable,
    isController: status.activeController === view.id,
    faults: describeFaultSpec(spec),
    delayMs: spec.delayMs,
    leaderOf: partitions.filter((p) => p.leader === view.id).length,
  };
  if (view.error !== undefined) node.error = view.error;
  if (view.raft) {
    node.raftRole = view.raft.role;
    node.raftTerm = view.raft.term;
  }
  if (view.broker) {
    node.fenced = view.broker.fenced;
    node.brokerEpoch = view.broker.brokerEpoch;
  }
  if (view.kafkaAddress !== undefined) node.kafkaAddress = view.kafkaAddress;
  if (view.metricsAddress !== undefined) node.metricsAddress = view.metricsAddress;
  const own = rates?.nodes.find((r) => r.id === view.id);
  if (own?.messagesInPerSec !== undefined) node.messagesInPerSec = own.messagesInPerSec;
  if (own?.bytesOutPerSec !== undefined) node.bytesOutPerSec = own.bytesOutPerSec;
  if (own?.error !== undefined) node.metricsError = own.error;
  return node;
}

function partitionSnapshot(p: PartitionView): PartitionSnapshot {
  const snapshot: PartitionSnapshot = {
    key: `${p.topic}-${p.partition}`,
    topic: p.topic,
    partition: p.partition,
    leader: p.leader,
    leaderEpoch: p.leaderEpoch,
    isr: [...p.isr],
    underReplicated: p.isr.length < p.replicas.length,
    replicas: p.replicaStates.map((r) => {
      const replica: ReplicaSnapshot = { id: r.id, isLeader: r.id === p.leader, inIsr: r.inIsr };
      if (r.logEndOffset !== undefined) replica.logEndOffset = r.logEndOffset;
      if (r.lag !== undefined) replica.lag = r.lag;
      return replica;
    }),
  };
  if (p.highWatermark !== undefined) snapshot.highWatermark = p.highWatermark;
  return snapshot;
}
