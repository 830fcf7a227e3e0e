/** Builders of NodeAdmin answers for status tests. */
import type { NodeStatusMessage, ReplicaStatusMessage } from '../../../cluster/admin-types.js';
import type { NodeSample } from '../../../cluster/cluster-status.js';

export function replica(overrides: Partial<ReplicaStatusMessage>): ReplicaStatusMessage {
  return {
    topic: 'orders',
    partition: 0,
    role: 'follower',
    leader: 1,
    leader_epoch: 1,
    partition_epoch: 1,
    replicas: [1, 2, 3],
    isr: [1, 2, 3],
    high_watermark: 0,
    log_end_offset: 0,
    log_start_offset: 0,
    followers: [],
    ...overrides,
  };
}

export function nodeStatus(id: number, overrides: Partial<NodeStatusMessage> = {}, replicas: ReplicaStatusMessage[] = []): NodeStatusMessage {
  return {
    node_id: id,
    roles: ['controller', 'broker'],
    pid: 1000 + id,
    uptime_ms: 1,
    raft: { role: 'follower', term: 1, leader: 1, commit_index: 1, last_index: 1, applied_index: 1, voter: true },
    broker: { registered: true, fenced: false, broker_epoch: 7, replicas, in_controlled_shutdown: false },
    active_controller: 1,
    metadata_offset: 1,
    faults: { isolate: false, delay_ms: 0, peers: [] },
    ...overrides,
  };
}

/** A combined node: gRPC on 9000 + id, its Kafka listener on 9091 + id (node 1 on 9092). */
export function sample(id: number, status?: NodeStatusMessage, process: NodeSample['process'] = 'up'): NodeSample {
  const s: NodeSample = { id, roles: ['controller', 'broker'], address: `127.0.0.1:${9000 + id}`, kafka: { host: '127.0.0.1', port: 9091 + id }, pid: 1000 + id, process };
  if (status) s.status = status;
  else s.error = 'not running';
  return s;
}
