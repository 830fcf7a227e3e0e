/**
 * One picture of the cluster, merged from every node's NodeAdmin.Status and the local process
 * table: nodes, the active controller and its term, and each partition as its leader sees it
 * with every replica's log end offset.
 */
import type { WireFaultSpec, NodeStatusMessage, ReplicaStatusMessage } from './admin-types.js';
import type { ProcessState } from './process-state.js';
import type { PartitionCut } from './run-dir.js';
import type { NodeRole } from '../src/node/config.js';

export interface NodeView {
  id: number;
  roles: NodeRole[];
  /** host:port of its gRPC server. */
  address: string;
  /** host:port of its Kafka listener (brokers of clusters that have one), from cluster.json. */
  kafkaAddress?: string;
  kafkaPort?: number;
  /** host:port of its Prometheus `/metrics` endpoint, from cluster.json. */
  metricsAddress?: string;
  metricsPort?: number;
  pid: number | null;
  process: ProcessState;
  /** The node answered Status within the deadline. */
  reachable: boolean;
  /** Why it did not answer. */
  error?: string;
  raft?: { role: string; term: number; leader: number; commitIndex: number; appliedIndex: number; voter: boolean };
  broker?: { registered: boolean; fenced: boolean; brokerEpoch: number; inControlledShutdown: boolean };
  activeController?: number;
  metadataOffset?: number;
  faults?: WireFaultSpec;
}

export interface ReplicaView {
  id: number;
  inIsr: boolean;
  /** Undefined when neither the replica nor its leader could say. */
  logEndOffset?: number;
  /** Messages behind the leader's log end. */
  lag?: number;
}

export interface PartitionView {
  topic: string;
  partition: number;
  /** -1: no leader. */
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  highWatermark?: number;
  replicaStates: ReplicaView[];
}

export interface ClusterStatus {
  takenAtMs: number;
  nodes: NodeView[];
  /** The Raft leader of the metadata quorum, if any node knows one. */
  activeController?: number;
  raftTerm?: number;
  partitions: PartitionView[];
  /** Network partitions the supervisor has put in force (absent when none). */
  networkPartitions?: PartitionCut[];
}

export interface NodeSample {
  id: number;
  roles: NodeRole[];
  address: string;
  /** Its Kafka listener, as cluster.json records it. */
  kafka?: { host: string; port: number };
  /** Its metrics endpoint, as cluster.json records it. */
  metrics?: { host: string; port: number };
  pid: number | null;
  process: ProcessState;
  status?: NodeStatusMessage;
  error?: string;
}

export function nodeView(sample: NodeSample): NodeView {
  const view: NodeView = {
    id: sample.id,
    roles: sample.roles,
    address: sample.address,
    pid: sample.pid,
    process: sample.process,
    reachable: sample.status !== undefined,
  };
  if (sample.kafka) {
    view.kafkaAddress = `${sample.kafka.host}:${sample.kafka.port}`;
    view.kafkaPort = sample.kafka.port;
  }
  if (sample.metrics) {
    view.metricsAddress = `${sample.metrics.host}:${sample.metrics.port}`;
    view.metricsPort = sample.metrics.port;
  }
  if (sample.error !== undefined) view.error = sample.error;
  const s = sample.status;
  if (!s) return view;
  if (s.pid) view.pid = s.pid;
  if (s.raft) {
    view.raft = {
      role: s.raft.role,
      term: s.raft.term,
      leader: s.raft.leader,
      commitIndex: s.raft.commit_index,
      appliedIndex: s.raft.applied_index,
      voter: s.raft.voter,
    };
  }
  if (s.broker && sample.roles.includes('broker')) {
    view.broker = {
      registered: s.broker.registered,
      fenced: s.broker.fenced,
      brokerEpoch: s.broker.broker_epoch,
      inControlledShutdown: s.broker.in_controlled_shutdown,
    };
  }
  if (s.active_controller > 0) view.activeController = s.active_controller;
  view.metadataOffset = s.metadata_offset;
  if (s.faults) view.faults = s.faults;
  return view;
}

export function mergeClusterStatus(samples: readonly NodeSample[], takenAtMs = Date.now()): ClusterStatus {
  const nodes = samples.map(nodeView);
  const status: ClusterStatus = { takenAtMs, nodes, partitions: mergePartitions(samples) };
  const controller = activeControllerOf(nodes);
  if (controller) {
    status.activeController = controller.id;
    status.raftTerm = controller.term;
  } else {
    const terms = nodes.flatMap((n) => (n.raft ? [n.raft.term] : []));
    if (terms.length > 0) status.raftTerm = Math.max(...terms);
  }
  return status;
}

/**
 * The Raft leader with the highest term among reachable nodes (an isolated old leader may still
 * think it leads in an older term); else the leader most nodes point at.
 */
function activeControllerOf(nodes: readonly NodeView[]): { id: number; term: number } | undefined {
  let best: { id: number; term: number } | undefined;
  for (const n of nodes) {
    if (n.raft?.role === 'leader' && (!best || n.raft.term > best.term)) best = { id: n.id, term: n.raft.term };
  }
  if (best) return best;
  const votes = new Map<number, { count: number; term: number }>();
  for (const n of nodes) {
    const id = n.raft?.leader || n.activeController;
    if (!id) continue;
    const entry = votes.get(id) ?? { count: 0, term: 0 };
    entry.count++;
    entry.term = Math.max(entry.term, n.raft?.term ?? 0);
    votes.set(id, entry);
  }
  let chosen: { id: number; term: number; count: number } | undefined;
  for (const [id, v] of votes) if (!chosen || v.count > chosen.count) chosen = { id, ...v };
  return chosen ? { id: chosen.id, term: chosen.term } : undefined;
}

interface Report {
  from: number;
  replica: ReplicaStatusMessage;
}

function mergePartitions(samples: readonly NodeSample[]): PartitionView[] {
  const byPartition = new Map<string, Report[]>();
  for (const sample of samples) {
    for (const replica of sample.status?.broker?.replicas ?? []) {
      const key = `${replica.topic}\u0000${replica.partition}`;
      const reports = byPartition.get(key) ?? [];
      reports.push({ from: sample.id, replica });
      byPartition.set(key, reports);
    }
  }
  const partitions = [...byPartition.values()].map(mergePartition);
  return partitions.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}

function mergePartition(reports: Report[]): PartitionView {
  const newest = (candidates: Report[]) =>
    candidates.reduce((a, b) => (b.replica.leader_epoch > a.replica.leader_epoch ? b : a));
  const leaders = reports.filter((r) => r.replica.role === 'leader');
  const leaderReport = leaders.length > 0 ? newest(leaders) : undefined;
  const authority = leaderReport ?? newest(reports);
  const a = authority.replica;
  const leaderLeo = leaderReport?.replica.log_end_offset;
  const replicaStates = a.replicas.map((id): ReplicaView => {
    const own = reports.find((r) => r.from === id)?.replica;
    const followerEntry = leaderReport?.replica.followers.find((f) => f.broker_id === id);
    const view: ReplicaView = { id, inIsr: a.isr.includes(id) };
    // A leader reports -1 for a follower it has not heard from.
    const leo = own?.log_end_offset ?? (followerEntry && followerEntry.log_end_offset >= 0 ? followerEntry.log_end_offset : undefined);
    if (leo !== undefined) view.logEndOffset = leo;
    if (leaderReport && id === leaderReport.from) view.lag = 0;
    else if (leaderLeo !== undefined && leo !== undefined) view.lag = Math.max(0, leaderLeo - leo);
    else if (followerEntry && followerEntry.log_end_offset >= 0) view.lag = followerEntry.lag;
    return view;
  });
  const view: PartitionView = {
    topic: a.topic,
    partition: a.partition,
    leader: leaderReport ? leaderReport.from : a.leader > 0 ? a.leader : -1,
    leaderEpoch: a.leader_epoch,
    replicas: [...a.replicas],
    isr: [...a.isr],
    replicaStates,
  };
  if (leaderReport) view.highWatermark = leaderReport.replica.high_watermark;
  return view;
}

export function findPartition(status: ClusterStatus, topic: string, partition: number): PartitionView | undefined {
  return status.partitions.find((p) => p.topic === topic && p.partition === partition);
}
