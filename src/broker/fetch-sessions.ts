/**
 * Replica fetch sessions, after Kafka's KIP-227. A follower of thousands of partitions would
 * otherwise send every partition's position in every fetch, several times a second, although
 * almost none of them moved. With a session the leader remembers the positions: the first fetch
 * (epoch 0) carries all of them, each later one (epoch 1, 2, …) only those that changed and the
 * partitions the follower stopped fetching. Answers already leave out the partitions with no news,
 * so an idle follower's fetch and its answer are both nearly empty.
 *
 * One session per follower: a follower runs one fetcher per leader, and a new full fetch replaces
 * whatever the leader held for it. A fetch whose session the leader does not hold (it restarted,
 * or the follower's earlier fetch was lost) is refused with FETCH_SESSION_ID_NOT_FOUND or
 * INVALID_FETCH_SESSION_EPOCH, and the follower starts over with a full fetch.
 */
import { errors, type BrokerError } from '../common/errors.js';
import type { BrokerId } from '../metadata/types.js';
import type { ReplicaFetchPartitionRequest, ReplicaFetchRequest } from './fetch-messages.js';
import { partitionKey } from './types.js';

interface Session {
  readonly id: number;
  readonly brokerEpoch: number;
  nextEpoch: number;
  readonly partitions: Map<string, ReplicaFetchPartitionRequest>;
}

export class FetchSessionCache {
  private readonly sessions = new Map<BrokerId, Session>();

  /**
   * Every partition the fetch stands for (the whole session) by partition key, or why the session
   * is refused. The map is the session's own: valid until the follower's next fetch, which comes
   * only after this one is answered or abandoned.
   */
  resolve(request: ReplicaFetchRequest): ReadonlyMap<string, ReplicaFetchPartitionRequest> | BrokerError {
    const asked = request.session;
    const listed = (): Map<string, ReplicaFetchPartitionRequest> => new Map(request.partitions.map((p) => [partitionKey(p.topicId, p.partition), p]));
    if (!asked) return listed();
    if (asked.epoch === 0) {
      const partitions = listed();
      this.sessions.set(request.replicaId, { id: asked.id, brokerEpoch: request.brokerEpoch, nextEpoch: 1, partitions });
      return partitions;
    }
    const session = this.sessions.get(request.replicaId);
    if (!session || session.id !== asked.id || session.brokerEpoch !== request.brokerEpoch) {
      return errors.fetchSessionIdNotFound(`no fetch session ${asked.id} for broker ${request.replicaId}`);
    }
    if (asked.epoch !== session.nextEpoch) {
      this.sessions.delete(request.replicaId);
      return errors.invalidFetchSessionEpoch(`fetch session ${asked.id} expected epoch ${session.nextEpoch}, got ${asked.epoch}`);
    }
    session.nextEpoch++;
    for (const p of asked.forgotten) session.partitions.delete(partitionKey(p.topicId, p.partition));
    for (const p of request.partitions) session.partitions.set(partitionKey(p.topicId, p.partition), p);
    return session.partitions;
  }

  /** Sessions held (one per follower at most). */
  size(): number {
    return this.sessions.size;
  }
}
