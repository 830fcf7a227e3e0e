/**
 * Client, producer and consumer settings with Kafka's names (camelCase, units in the name) and
 * defaults. Where brokerlab differs from Kafka 3.x the comment says why.
 */
import type { Acks } from './types.js';
import type { Partitioner } from './partitioner.js';

export interface ClientOptions {
  /** "host:port" of one or more brokers; the rest of the cluster is learned from metadata. */
  bootstrapServers: string[];
  clientId?: string;
  /** Bound on every request (request.timeout.ms). */
  requestTimeoutMs?: number;
  /** Background metadata refresh period (metadata.max.age.ms). */
  metadataMaxAgeMs?: number;
  /** First retry delay and the smallest gap between metadata refreshes (retry.backoff.ms). */
  retryBackoffMs?: number;
  /** Cap of the exponential retry delay (retry.backoff.max.ms). */
  retryBackoffMaxMs?: number;
  /** Largest gRPC response accepted. */
  maxReceiveMessageBytes?: number;
}

export type ResolvedClientOptions = Required<ClientOptions>;

export function resolveClientOptions(options: ClientOptions): ResolvedClientOptions {
  const resolved: ResolvedClientOptions = {
    bootstrapServers: [...options.bootstrapServers],
    clientId: options.clientId ?? 'brokerlab-client',
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    metadataMaxAgeMs: options.metadataMaxAgeMs ?? 300_000,
    retryBackoffMs: options.retryBackoffMs ?? 100,
    retryBackoffMaxMs: options.retryBackoffMaxMs ?? 1_000,
    maxReceiveMessageBytes: options.maxReceiveMessageBytes ?? 64 * 1024 * 1024,
  };
  requirePositive('requestTimeoutMs', resolved.requestTimeoutMs);
  requirePositive('metadataMaxAgeMs', resolved.metadataMaxAgeMs);
  requireNonNegative('retryBackoffMs', resolved.retryBackoffMs);
  requireNonNegative('retryBackoffMaxMs', resolved.retryBackoffMaxMs);
  return resolved;
}

export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4';

export interface ProducerOptions {
  /** Default acks of `send` (acks=all, as Kafka 3.x producers). */
  acks?: Acks;
  /**
   * enable.idempotence: batches carry a producer id, epoch and per-partition sequence numbers, so
   * the broker drops a retried batch it already wrote (answering with the original offsets) and
   * refuses one that would land out of order. On by default with acks=all, as in Kafka 3.x; it
   * needs acks=all and at most 5 batches in flight per partition. Unset with acks 0 or 1 it is
   * off (Kafka 3.2+ does the same). `false` gives the producer that can write a retried batch
   * twice. When a broker fences the producer id (INVALID_PRODUCER_EPOCH, UNKNOWN_PRODUCER_ID) the
   * batches that carried it fail, and later records go out under a new producer id.
   */
  idempotent?: boolean;
  /** A partition's batch is sent once it holds this many bytes (batch.size). */
  batchSizeBytes?: number;
  /**
   * How long a batch that is not full waits for more records (linger.ms). 5 ms, Kafka 4.0's
   * default (KIP-1030): records sent close together share a batch for a small latency cost.
   * Records of one `send` call, and of calls in the same tick, share batches even with 0.
   */
  lingerMs?: number;
  /** Batches of one partition awaiting an answer at once (max.in.flight.requests.per.connection). */
  maxInFlightPerPartition?: number;
  /** Time from `send` until a record's outcome is known, retries included (delivery.timeout.ms). */
  deliveryTimeoutMs?: number;
  /** Bound on each Produce request; the delivery timeout bounds them all. */
  requestTimeoutMs?: number;
  retryBackoffMs?: number;
  retryBackoffMaxMs?: number;
  /** How long `send` waits for a topic's metadata (max.block.ms). */
  maxBlockMs?: number;
  /** Largest single record accepted (max.request.size). */
  maxRequestSizeBytes?: number;
  compression?: Compression;
  partitioner?: Partitioner;
}

/** The broker remembers the last five batches per producer and partition (Kafka's limit). */
export const MAX_IDEMPOTENT_IN_FLIGHT = 5;

export interface ResolvedProducerOptions extends Required<Omit<ProducerOptions, 'partitioner' | 'acks'>> {
  acks: 0 | 1 | -1;
  partitioner: Partitioner | undefined;
}

export function resolveProducerOptions(options: ProducerOptions, client: ResolvedClientOptions): ResolvedProducerOptions {
  const acks = acksToWire(options.acks ?? 'all');
  if (options.idempotent === true && acks !== -1) {
    throw new TypeError(`an idempotent producer needs acks 'all', not ${String(options.acks)} (or set idempotent: false)`);
  }
  const resolved: ResolvedProducerOptions = {
    acks,
    idempotent: options.idempotent ?? acks === -1,
    batchSizeBytes: options.batchSizeBytes ?? 16_384,
    lingerMs: options.lingerMs ?? 5,
    maxInFlightPerPartition: options.maxInFlightPerPartition ?? 5,
    deliveryTimeoutMs: options.deliveryTimeoutMs ?? 120_000,
    requestTimeoutMs: options.requestTimeoutMs ?? client.requestTimeoutMs,
    retryBackoffMs: options.retryBackoffMs ?? client.retryBackoffMs,
    retryBackoffMaxMs: options.retryBackoffMaxMs ?? client.retryBackoffMaxMs,
    maxBlockMs: options.maxBlockMs ?? 60_000,
    maxRequestSizeBytes: options.maxRequestSizeBytes ?? 1024 * 1024,
    compression: options.compression ?? 'none',
    partitioner: options.partitioner,
  };
  requirePositive('batchSizeBytes', resolved.batchSizeBytes);
  requireNonNegative('lingerMs', resolved.lingerMs);
  requirePositive('maxInFlightPerPartition', resolved.maxInFlightPerPartition);
  if (resolved.idempotent && resolved.maxInFlightPerPartition > MAX_IDEMPOTENT_IN_FLIGHT) {
    throw new TypeError(`an idempotent producer keeps at most ${MAX_IDEMPOTENT_IN_FLIGHT} batches in flight per partition, not ${resolved.maxInFlightPerPartition}`);
  }
  requirePositive('deliveryTimeoutMs', resolved.deliveryTimeoutMs);
  requirePositive('requestTimeoutMs', resolved.requestTimeoutMs);
  requirePositive('maxBlockMs', resolved.maxBlockMs);
  return resolved;
}

export function acksToWire(acks: Acks): 0 | 1 | -1 {
  if (acks === 'all' || acks === -1) return -1;
  if (acks === 0 || acks === 1) return acks;
  throw new TypeError(`acks must be 0, 1, -1 or 'all', not ${String(acks)}`);
}

export type AutoOffsetReset = 'earliest' | 'latest' | 'none';

export type AssignorName = 'range' | 'roundrobin';

export interface ConsumerOptions {
  /** Where to go when a position is out of range or a group has no committed offset: a reset, or 'none' to fail (auto.offset.reset, Kafka's default 'latest'). */
  autoOffsetReset?: AutoOffsetReset;
  /** Default long-poll wait of `poll` (fetch.max.wait.ms). */
  maxWaitMs?: number;
  /** The broker answers once this much data is ready (fetch.min.bytes). */
  minBytes?: number;
  /** Bound on one fetch response (fetch.max.bytes). */
  maxBytes?: number;
  /** Bound per partition in one fetch (max.partition.fetch.bytes). */
  maxPartitionFetchBytes?: number;
  /** Records returned by one `poll` at most (max.poll.records). */
  maxPollRecords?: number;
  requestTimeoutMs?: number;
  retryBackoffMs?: number;
  retryBackoffMaxMs?: number;
  /** group.id: the consumer group that `subscribe` joins and `commit` commits for. */
  groupId?: string;
  /**
   * enable.auto.commit, off by default here (Kafka's default is on). An offset must be committed
   * after the records before it are processed, never before: commit them yourself with `commit()`
   * once they are done. With auto-commit on, every `autoCommitIntervalMs` a `poll` commits what
   * earlier polls returned, whether or not it was processed, as do a rebalance and `close`; a
   * crash can then skip records that were returned but not processed.
   */
  autoCommit?: boolean;
  /** auto.commit.interval.ms */
  autoCommitIntervalMs?: number;
  /** session.timeout.ms: the coordinator drops a member it has not heard from for this long. */
  sessionTimeoutMs?: number;
  /** heartbeat.interval.ms: how often a member tells the coordinator it is alive; below the session timeout. */
  heartbeatIntervalMs?: number;
  /** max.poll.interval.ms, sent as JoinGroup's rebalance timeout: how long a rebalance waits for members to rejoin. */
  rebalanceTimeoutMs?: number;
  /** partition.assignment.strategy: how the group leader divides partitions (Kafka's RangeAssignor or RoundRobinAssignor). */
  assignor?: AssignorName;
}

export interface ResolvedConsumerOptions extends Required<Omit<ConsumerOptions, 'groupId'>> {
  groupId: string | undefined;
}

export function resolveConsumerOptions(options: ConsumerOptions, client: ResolvedClientOptions): ResolvedConsumerOptions {
  const resolved: ResolvedConsumerOptions = {
    autoOffsetReset: options.autoOffsetReset ?? 'latest',
    maxWaitMs: options.maxWaitMs ?? 500,
    minBytes: options.minBytes ?? 1,
    maxBytes: options.maxBytes ?? 50 * 1024 * 1024,
    maxPartitionFetchBytes: options.maxPartitionFetchBytes ?? 1024 * 1024,
    maxPollRecords: options.maxPollRecords ?? 500,
    requestTimeoutMs: options.requestTimeoutMs ?? client.requestTimeoutMs,
    retryBackoffMs: options.retryBackoffMs ?? client.retryBackoffMs,
    retryBackoffMaxMs: options.retryBackoffMaxMs ?? client.retryBackoffMaxMs,
    groupId: options.groupId,
    autoCommit: options.autoCommit ?? false,
    autoCommitIntervalMs: options.autoCommitIntervalMs ?? 5_000,
    sessionTimeoutMs: options.sessionTimeoutMs ?? 45_000,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 3_000,
    rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 300_000,
    assignor: options.assignor ?? 'range',
  };
  if (!['earliest', 'latest', 'none'].includes(resolved.autoOffsetReset)) {
    throw new TypeError(`autoOffsetReset must be 'earliest', 'latest' or 'none', not ${resolved.autoOffsetReset}`);
  }
  if (!['range', 'roundrobin'].includes(resolved.assignor)) {
    throw new TypeError(`assignor must be 'range' or 'roundrobin', not ${resolved.assignor}`);
  }
  if (resolved.groupId !== undefined && resolved.groupId.length === 0) throw new TypeError('groupId must not be empty');
  requireNonNegative('maxWaitMs', resolved.maxWaitMs);
  requirePositive('maxPollRecords', resolved.maxPollRecords);
  requirePositive('maxPartitionFetchBytes', resolved.maxPartitionFetchBytes);
  requirePositive('requestTimeoutMs', resolved.requestTimeoutMs);
  requirePositive('autoCommitIntervalMs', resolved.autoCommitIntervalMs);
  requirePositive('sessionTimeoutMs', resolved.sessionTimeoutMs);
  requirePositive('heartbeatIntervalMs', resolved.heartbeatIntervalMs);
  requirePositive('rebalanceTimeoutMs', resolved.rebalanceTimeoutMs);
  if (resolved.heartbeatIntervalMs >= resolved.sessionTimeoutMs) {
    throw new TypeError(`heartbeatIntervalMs (${resolved.heartbeatIntervalMs}) must be below sessionTimeoutMs (${resolved.sessionTimeoutMs})`);
  }
  return resolved;
}

function requirePositive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) throw new TypeError(`${name} must be a positive number, not ${value}`);
}

function requireNonNegative(name: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) throw new TypeError(`${name} must be zero or more, not ${value}`);
}
