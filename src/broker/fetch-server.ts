/**
 * The leader's side of fetching, for the replica manager: followers' multi-partition replica
 * fetches (through their fetch sessions) and consumers' fetches, each held in a bounded long-poll
 * queue until there is news or its wait runs out (Kafka's Fetch purgatory), and DeleteRecords
 * answers that wait until every live replica's log start has caught up. The replica manager
 * routes requests here and tells it when partitions change; the partitions themselves stay its.
 */
import type { Clock } from '../common/clock.js';
import type { TimingConfig } from '../common/config.js';
import { BrokerError, errors } from '../common/errors.js';
import type { BrokerId } from '../metadata/types.js';
import { DelayedDeleteRecordsQueue, type PendingDeletion } from './delayed-delete-records.js';
import { DelayedFetchQueue, serveWithLongPoll } from './delayed-fetch.js';
import type { DeleteRecordsRequest, DeleteRecordsResult } from './delete-records.js';
import {
  NO_RECORDS,
  repeatsWhatFollowerKnows,
  type ConsumerFetchPartitionResponse,
  type ConsumerFetchRequest,
  type ConsumerFetchResponse,
  type ReplicaFetchPartitionResponse,
  type ReplicaFetchRequest,
  type ReplicaFetchResponse,
} from './fetch-messages.js';
import { FetchSessionCache } from './fetch-sessions.js';
import { Partition } from './partition.js';
import { partitionKey } from './types.js';

/** How the fetch server finds the replicas a request names; the replica manager answers. */
export interface HostedReplicas {
  /** The replica hosted here under its `topicId:partition` key. */
  byKey(key: string): Partition | undefined;
  /** The replica a request names, or Kafka's error (UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER). */
  byName(topic: string, partition: number): Partition | BrokerError;
  /** The key metadata gave a named partition, hosted here or not. */
  keyOfName(topic: string, partition: number): string | undefined;
}

export interface FetchServerOptions {
  brokerId: BrokerId;
  clock: Clock;
  timing: Pick<TimingConfig, 'requestTimeoutMs'>;
  replicas: HostedReplicas;
  /** Bound on each queue of waiting requests. */
  maxWaiting: number;
  /** Longest a DeleteRecords answer may wait. */
  maxDeleteTimeoutMs: number;
}

export class FetchServer {
  /** Followers' fetch sessions: what each one fetches, so its fetches list only what changed. */
  private readonly fetchSessions = new FetchSessionCache();
  private readonly replicaFetchWaits: DelayedFetchQueue;
  private readonly consumerFetchWaits: DelayedFetchQueue;
  private readonly deleteRecordsWaits: DelayedDeleteRecordsQueue;
  private stopped = false;

  constructor(private readonly options: FetchServerOptions) {
    this.replicaFetchWaits = new DelayedFetchQueue(options.clock, options.maxWaiting);
    this.consumerFetchWaits = new DelayedFetchQueue(options.clock, options.maxWaiting);
    this.deleteRecordsWaits = new DelayedDeleteRecordsQueue(options.clock, options.maxWaiting);
  }

  /** A partition's log grew: followers waiting for it may be answered. */
  logEndOffsetChanged(partition: Partition): void {
    this.replicaFetchWaits.wake(keyOf(partition));
  }

  /** A partition's high watermark moved: consumers waiting for it may be answered. */
  highWatermarkChanged(partition: Partition): void {
    this.consumerFetchWaits.wake(keyOf(partition));
  }

  /** A partition changed role: whatever waits on it answers with the new state. */
  roleChanged(partition: Partition): void {
    const key = keyOf(partition);
    this.replicaFetchWaits.wake(key);
    this.consumerFetchWaits.wake(key);
    this.deleteRecordsWaits.wake(key);
  }

  /**
   * This broker has just come to lead partitions these brokers follow. Their parked fetches do not
   * name those partitions yet: answer them now, so each follower asks for the new ones at once (a
   * failover's first acks=all write waits for exactly that) instead of after its long poll.
   */
  newLeadershipFor(followers: Iterable<BrokerId>): void {
    for (const id of followers) this.replicaFetchWaits.completeFetchesOf(id);
  }

  /** Serves a follower's multi-partition fetch, holding it up to its max wait when nothing is new. */
  handleReplicaFetch(request: ReplicaFetchRequest, done: (response: ReplicaFetchResponse) => void): void {
    if (this.stopped) return done({ error: errors.notLeaderOrFollower('broker is shutting down'), partitions: [] });
    const fetched = this.fetchSessions.resolve(request);
    if (fetched instanceof BrokerError) return done({ error: fetched, partitions: [] });
    const { replicas, brokerId } = this.options;
    // Every partition is read (the read records the follower's position), but only those with
    // news go back: an idle follower of thousands of partitions gets a short answer.
    const read = (): ReplicaFetchResponse => {
      const partitions: ReplicaFetchPartitionResponse[] = [];
      for (const [key, part] of fetched) {
        const partition = replicas.byKey(key);
        if (!partition) {
          const error = errors.unknownTopicOrPartition(`no replica of ${part.topicId}:${part.partition} on broker ${brokerId}`);
          partitions.push({ topicId: part.topicId, partition: part.partition, error, highWatermark: -1, logStartOffset: -1, records: NO_RECORDS });
          continue;
        }
        const answer = partition.readForFollower(part, request);
        if (!repeatsWhatFollowerKnows(part, answer)) partitions.push(partition.answerFollower(answer));
      }
      return { partitions };
    };
    serveWithLongPoll(this.replicaFetchWaits, {
      watchKeys: fetched,
      fetcherId: request.replicaId,
      maxWaitMs: Math.min(request.maxWaitMs, this.options.timing.requestTimeoutMs),
      read,
      isSatisfied: (r) => isSatisfied(r.partitions, request.minBytes),
      respond: done,
    });
    // The fetch (read at once above) told the leader each follower's log start: deletions waiting for it may be done.
    if (this.deleteRecordsWaits.size() > 0) for (const key of fetched.keys()) this.deleteRecordsWaits.wake(key);
  }

  /** Serves a consumer's fetch: committed data only, held up to its max wait when there is none. */
  handleConsumerFetch(request: ConsumerFetchRequest, done: (response: ConsumerFetchResponse) => void): void {
    const { replicas } = this.options;
    const read = (): ConsumerFetchResponse => {
      let budgetBytes = request.maxBytes;
      return {
        partitions: request.partitions.map((part): ConsumerFetchPartitionResponse => {
          const routed = replicas.byName(part.topic, part.partition);
          if (!(routed instanceof Partition)) {
            return { topic: part.topic, partition: part.partition, error: routed, highWatermark: -1, logStartOffset: -1, records: NO_RECORDS };
          }
          // The request's byte budget spans partitions; once spent, later partitions only report positions.
          const limit = Math.min(part.maxBytes ?? request.maxBytes, budgetBytes);
          const response = routed.fetchForConsumer(part.fetchOffset, Math.max(limit, 0), part.currentLeaderEpoch);
          if (limit <= 0 && response.records.length > 0) return { ...response, records: NO_RECORDS };
          budgetBytes -= response.records.length;
          return response;
        }),
      };
    };
    serveWithLongPoll(this.consumerFetchWaits, {
      watchKeys: request.partitions.flatMap((p) => {
        const key = replicas.keyOfName(p.topic, p.partition);
        return key ? [key] : [];
      }),
      maxWaitMs: this.stopped ? 0 : Math.min(request.maxWaitMs, this.options.timing.requestTimeoutMs),
      read,
      isSatisfied: (r) => isSatisfied(r.partitions, request.minBytes),
      respond: done,
    });
  }

  /**
   * Kafka's DeleteRecords: each partition's leader moves its log start up, then the answer waits
   * (up to the request's timeout) until every live replica's log start has reached the offset.
   */
  deleteRecords(request: DeleteRecordsRequest, done: (results: DeleteRecordsResult[]) => void): void {
    const results: DeleteRecordsResult[] = [];
    const pending = new Map<number, PendingDeletion>();
    request.partitions.forEach((part, index) => {
      const { topic, partition } = part;
      const routed = this.stopped ? errors.notLeaderOrFollower('broker is shutting down') : this.options.replicas.byName(topic, partition);
      const required = routed instanceof Partition ? routed.deleteRecords(part.offset) : routed;
      if (typeof required !== 'number') return void (results[index] = { topic, partition, error: required, lowWatermark: -1 });
      const p = routed as Partition;
      results[index] = { topic, partition, lowWatermark: -1 };
      pending.set(index, { key: keyOf(p), topic, partition, requiredOffset: required, check: () => p.lowWatermark(request.isAlive) });
    });
    const timeoutMs = Math.min(Math.max(0, request.timeoutMs), this.options.maxDeleteTimeoutMs);
    this.deleteRecordsWaits.add(results, pending, timeoutMs, done);
  }

  /** Fetches held in long polls now, by kind. */
  waitingFetches(): { replica: number; consumer: number } {
    return { replica: this.replicaFetchWaits.size(), consumer: this.consumerFetchWaits.size() };
  }

  /** Answers everything waiting now (the broker is stopping); later requests are refused or not held. */
  stop(): void {
    this.stopped = true;
    this.replicaFetchWaits.completeAll();
    this.consumerFetchWaits.completeAll();
    this.deleteRecordsWaits.completeAll();
  }
}

function keyOf(partition: Partition): string {
  return partitionKey(partition.topicId, partition.partition);
}

/** Answer now: an error or divergence to report, or at least `minBytes` of records. */
function isSatisfied(partitions: readonly { error?: BrokerError; records: Buffer; divergingEpoch?: unknown }[], minBytes: number): boolean {
  let bytes = 0;
  for (const p of partitions) {
    if (p.error || p.divergingEpoch) return true;
    bytes += p.records.length;
  }
  return bytes >= minBytes;
}
