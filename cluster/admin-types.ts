/**
 * NodeAdmin messages as they arrive over gRPC (proto/admin.proto, loaded with keepCase and
 * longs as numbers), and the fault specification the supervisor sends.
 */

export interface RaftStatusMessage {
  role: string;
  term: number;
  leader: number;
  commit_index: number;
  last_index: number;
  applied_index: number;
  voter: boolean;
}

export interface ReplicaLagMessage {
  broker_id: number;
  log_end_offset: number;
  lag: number;
  last_caught_up_ms_ago: number;
}

export interface ReplicaStatusMessage {
  topic: string;
  partition: number;
  role: string;
  leader: number;
  leader_epoch: number;
  partition_epoch: number;
  replicas: number[];
  isr: number[];
  high_watermark: number;
  log_end_offset: number;
  log_start_offset: number;
  followers: ReplicaLagMessage[];
}

export interface BrokerStatusMessage {
  registered: boolean;
  fenced: boolean;
  broker_epoch: number;
  replicas: ReplicaStatusMessage[];
  in_controlled_shutdown: boolean;
}

/** A peer fault as admin.proto spells it (see src/common/faults.ts for the model). */
export interface WirePeerFault {
  node_id: number;
  drop: boolean;
  delay_ms: number;
}

/** A node's network fault state as admin.proto spells it (see src/common/faults.ts for the model). */
export interface WireFaultSpec {
  isolate: boolean;
  delay_ms: number;
  peers: WirePeerFault[];
  /** Absent in answers from nodes that predate client faults. */
  clients_isolate?: boolean;
  clients_delay_ms?: number;
}

export interface NodeStatusMessage {
  node_id: number;
  roles: string[];
  pid: number;
  uptime_ms: number;
  raft: RaftStatusMessage | null;
  broker: BrokerStatusMessage | null;
  active_controller: number;
  metadata_offset: number;
  faults: WireFaultSpec | null;
}

