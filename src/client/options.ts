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

export type Compression = 'none' | 'gzip';

export interface ProducerOptions {
  /** Default acks of `send` (acks=all, as Kafka 3.x producers). */
  acks?: Acks;
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

export interface ResolvedProducerOptions extends Required<Omit<ProducerOptions, 'partitioner' | 'acks'>> {
  acks: 0 | 1 | -1;
  partitioner: Partitioner | undefined;
}

export function resolveProducerOptions(options: ProducerOptions, client: ResolvedClientOptions): ResolvedProducerOptions {
  const resolved: ResolvedProducerOptions = {
    acks: acksToWire(options.acks ?? 'all'),
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

export interface ConsumerOptions {
  /** Where to go when a position is out of range: a reset, or 'none' to fail (auto.offset.reset, Kafka's default 'latest'). */
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
}

export type ResolvedConsumerOptions = Required<ConsumerOptions>;

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
  };
  if (!['earliest', 'latest', 'none'].includes(resolved.autoOffsetReset)) {
    throw new TypeError(`autoOffsetReset must be 'earliest', 'latest' or 'none', not ${resolved.autoOffsetReset}`);
  }
  requireNonNegative('maxWaitMs', resolved.maxWaitMs);
  requirePositive('maxPollRecords', resolved.maxPollRecords);
  requirePositive('maxPartitionFetchBytes', resolved.maxPartitionFetchBytes);
  requirePositive('requestTimeoutMs', resolved.requestTimeoutMs);
  return resolved;
}

function requirePositive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) throw new TypeError(`${name} must be a positive number, not ${value}`);
}

function requireNonNegative(name: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) throw new TypeError(`${name} must be zero or more, not ${value}`);
}
