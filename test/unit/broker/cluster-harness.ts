/**
 * Several replica managers in one process on a ManualClock: fetch sessions call the leader's
 * manager directly, and a tiny controller commits AlterPartition requests and publishes the new
 * registration to every broker, as the metadata log would. Links can be cut to isolate a broker.
 */
import { ManualClock } from '../../../src/common/clock.js';
import { errors } from '../../../src/common/errors.js';
import { silentLogger } from '../../../src/common/logger.js';
import type { AlterPartitionRequest, BrokerId, PartitionRegistration } from '../../../src/metadata/types.js';
import type { ReplicaFetchRequest, ReplicaFetchResponse } from '../../../src/broker/fetch-messages.js';
import type { ProduceResponse } from '../../../src/broker/produce-messages.js';
import { ReplicaManager } from '../../../src/broker/replica-manager.js';
import type { ReplicaFetchSession } from '../../../src/broker/replica-fetcher.js';
import { batch, memoryLog } from './helpers.js';

export const TIMING = { replicaLagTimeMaxMs: 1_000, replicaFetchWaitMaxMs: 100, replicaFetchBackoffMs: 100, replicaSocketTimeoutMs: 2_000, requestTimeoutMs: 2_000 };

/** Lets promise callbacks run (fetch answers, AlterPartition answers). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class Cluster {
  readonly clock = new ManualClock(0);
  readonly brokers = new Map<BrokerId, ReplicaManager>();
  readonly registrations = new Map<string, PartitionRegistration>();
  readonly alterRequests: AlterPartitionRequest[] = [];
  /** Brokers cut off from everyone: their fetches and the fetches to them fail. */
  readonly isolated = new Set<BrokerId>();
  /** `follower->leader` for every fetch session closed. */
  readonly closedSessions: string[] = [];
  minInsync = 1;

  constructor(brokerIds: readonly BrokerId[]) {
    for (const id of brokerIds) {
      this.brokers.set(
        id,
        new ReplicaManager({
          brokerId: id,
          brokerEpoch: () => 10 + id,
          clock: this.clock,
          logger: silentLogger(),
          timing: TIMING,
          openLog: (topic, partition) => memoryLog(this.clock, topic, partition),
          sendAlterPartition: (request) => this.alterPartition(request),
          minInsyncReplicas: () => this.minInsync,
          openFetchSession: (leaderId) => this.session(id, leaderId),
        }),
      );
    }
    for (const rm of this.brokers.values()) rm.start();
  }

  broker(id: BrokerId): ReplicaManager {
    return this.brokers.get(id)!;
  }

  publish(registration: PartitionRegistration): void {
    this.registrations.set(`${registration.topicId}:${registration.partition}`, registration);
    for (const rm of this.brokers.values()) rm.applyMetadata({ partitions: [registration] });
  }

  /** Moves time forward in steps, letting promise callbacks run between them. */
  async run(ms: number, stepMs = 10): Promise<void> {
    for (let t = 0; t < ms; t += stepMs) {
      this.clock.advance(Math.min(stepMs, ms - t));
      await flush();
      await flush();
    }
  }

  produce(leader: BrokerId, topic: string, partition: number, count: number, acks: number, tag = 'v'): { response?: ProduceResponse } {
    const holder: { response?: ProduceResponse } = {};
    this.broker(leader).produce(
      { acks, timeoutMs: 5_000, partitions: [{ topic, partition, records: batch(count, tag) }] },
      (response) => (holder.response = response),
    );
    return holder;
  }

  private alterPartition(request: AlterPartitionRequest): Promise<PartitionRegistration> {
    this.alterRequests.push(request);
    if (this.isolated.has(request.brokerId)) return Promise.reject(errors.networkException('isolated'));
    const key = `${request.topicId}:${request.partition}`;
    const current = this.registrations.get(key)!;
    if (request.leaderEpoch !== current.leaderEpoch) return Promise.reject(errors.fencedLeaderEpoch());
    if (request.partitionEpoch !== current.partitionEpoch) return Promise.reject(errors.invalidUpdateVersion());
    const next = { ...current, isr: request.newIsr, partitionEpoch: current.partitionEpoch + 1 };
    // The answer and the metadata arrive in either order; publish first, as a fast metadata log would.
    this.publish(next);
    return Promise.resolve(next);
  }

  private session(followerId: BrokerId, leaderId: BrokerId): ReplicaFetchSession {
    return {
      fetch: (request: ReplicaFetchRequest) =>
        new Promise<ReplicaFetchResponse>((resolve, reject) => {
          if (this.isolated.has(followerId) || this.isolated.has(leaderId)) return reject(errors.networkException('isolated'));
          this.broker(leaderId).handleReplicaFetch(request, resolve);
        }),
      close: () => this.closedSessions.push(`${followerId}->${leaderId}`),
    };
  }
}
