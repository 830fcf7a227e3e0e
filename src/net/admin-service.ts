/**
 * The per-node admin service (admin.proto): the node's status for `brokerlab status` and the
 * test API, network faults for `isolate`, `heal` and `delay`, and a controlled shutdown.
 */
import type * as grpc from '@grpc/grpc-js';
import type { PartitionStatus } from '../broker/index.js';
import type { FaultSpec } from '../common/faults.js';
import type { NetworkFaults } from './faults.js';
import { serviceConstructor } from './grpc.js';

export interface NodeStatusView {
  nodeId: number;
  roles: readonly string[];
  pid: number;
  uptimeMs: number;
  raft: { role: string; term: number; leader: number; commitIndex: number; lastIndex: number; appliedIndex: number; voter: boolean };
  broker?: { registered: boolean; fenced: boolean; brokerEpoch: number; inControlledShutdown: boolean; replicas: readonly PartitionStatus[] };
  activeController: number;
  metadataOffset: number;
}

export interface AdminBackend {
  status(): NodeStatusView;
  faults: NetworkFaults;
  /** Starts a controlled shutdown; resolves once it has begun. */
  shutdown(): void;
}

/** FaultSpec as admin.proto carries it (keepCase field names). */
export interface WireFaultSpec {
  isolate: boolean;
  delay_ms: number;
  peers: { node_id: number; drop: boolean; delay_ms: number }[];
  /** Absent from nodes and callers that predate client faults: false and 0. */
  clients_isolate?: boolean;
  clients_delay_ms?: number;
}

export function addAdminService(server: grpc.Server, backend: AdminBackend): void {
  server.addService(serviceConstructor('admin.proto', 'brokerlab.admin.NodeAdmin').service, {
    Status: (_call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      try {
        cb(null, toWireStatus(backend.status(), backend.faults.spec()));
      } catch (e) {
        cb({ code: 13, message: (e as Error).message } as grpc.ServiceError);
      }
    },
    SetFaults: (call: grpc.ServerUnaryCall<WireFaultSpec, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      try {
        backend.faults.set(fromWireFaults(call.request));
        cb(null, toWireFaults(backend.faults.spec()));
      } catch (e) {
        cb({ code: 3, message: (e as Error).message } as grpc.ServiceError);
      }
    },
    Shutdown: (_call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      cb(null, { accepted: true });
      backend.shutdown();
    },
  });
}

export function fromWireFaults(wire: WireFaultSpec): FaultSpec {
  return {
    isolate: wire.isolate,
    delayMs: wire.delay_ms,
    peers: (wire.peers ?? []).map((p) => ({ nodeId: p.node_id, drop: p.drop, delayMs: p.delay_ms })),
    ...(wire.clients_isolate ? { clientsIsolate: true } : {}),
    ...((wire.clients_delay_ms ?? 0) > 0 ? { clientsDelayMs: wire.clients_delay_ms } : {}),
  };
}

export function toWireFaults(spec: FaultSpec): WireFaultSpec {
  return {
    isolate: spec.isolate,
    delay_ms: spec.delayMs,
    peers: spec.peers.map((p) => ({ node_id: p.nodeId, drop: p.drop, delay_ms: p.delayMs })),
    clients_isolate: spec.clientsIsolate === true,
    clients_delay_ms: spec.clientsDelayMs ?? 0,
  };
}

function toWireStatus(s: NodeStatusView, faults: FaultSpec): object {
  return {
    node_id: s.nodeId,
    roles: [...s.roles],
    pid: s.pid,
    uptime_ms: Math.round(s.uptimeMs),
    raft: {
      role: s.raft.role,
      term: s.raft.term,
      leader: s.raft.leader,
      commit_index: s.raft.commitIndex,
      last_index: s.raft.lastIndex,
      applied_index: s.raft.appliedIndex,
      voter: s.raft.voter,
    },
    broker: s.broker
      ? {
          registered: s.broker.registered,
          fenced: s.broker.fenced,
          broker_epoch: s.broker.brokerEpoch,
          in_controlled_shutdown: s.broker.inControlledShutdown,
          replicas: s.broker.replicas.map((r) => ({
            topic: r.topic,
            partition: r.partition,
            role: r.role === 'none' ? 'offline' : r.role,
            leader: r.leader,
            leader_epoch: r.leaderEpoch,
            partition_epoch: r.partitionEpoch,
            replicas: [...r.replicas],
            isr: [...r.isr],
            high_watermark: r.highWatermark,
            log_end_offset: r.logEndOffset,
            log_start_offset: r.logStartOffset,
            followers: r.followers.map((f) => ({
              broker_id: f.brokerId,
              log_end_offset: f.logEndOffset,
              lag: f.lagRecords,
              last_caught_up_ms_ago: f.caughtUpAgoMs ?? -1,
            })),
          })),
        }
      : null,
    active_controller: s.activeController,
    metadata_offset: s.metadataOffset,
    faults: toWireFaults(faults),
  };
}
