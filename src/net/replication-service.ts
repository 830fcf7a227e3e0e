/**
 * Follower-to-leader replication over gRPC (replication.proto): the leader serves one bidi stream
 * per follower, answering each fetch (after its long poll) with the same correlation id; the
 * follower's `GrpcFetchSession` keeps one stream per leader open and matches answers to requests.
 * A fetch that gets no answer within its long poll plus the request timeout fails, and the
 * fetcher backs off and retries over a fresh stream.
 */
import type * as grpc from '@grpc/grpc-js';
import type { Clock, Timer } from '../common/clock.js';
import { errors } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { ReplicaFetchRequest, ReplicaFetchResponse, ReplicaFetchSession } from '../broker/index.js';
import { NO_SEND_FAULTS, OPEN_LINK, type PeerLink, type SendFaults } from './faults.js';
import { createClient, serveDuplex, serviceConstructor, toSafeInteger } from './grpc.js';
import { NO_ERROR, toWireError, wireError, type WireError } from './wire-errors.js';

const SERVICE = 'brokerlab.replication.Replication';

interface WireFetchPartition {
  topic_id: string;
  partition: number;
  fetch_offset: string | number;
  last_fetched_epoch: number;
  current_leader_epoch: number;
  log_start_offset: string | number;
  known_high_watermark: string | number;
}

interface WireFetchRequest {
  correlation_id: number;
  replica_id: number;
  broker_epoch: string | number;
  max_wait_ms: number;
  min_bytes: number;
  max_bytes: number;
  partitions: WireFetchPartition[];
  /** 0: no fetch session. */
  session_id?: number;
  session_epoch?: number;
  forgotten?: Array<{ topic_id: string; partition: number }>;
}

/** A partition's result carries only its error code: replication.proto has no message per partition. */
interface WireFetchedPartition extends Pick<WireError, 'error_code'> {
  topic_id: string;
  partition: number;
  high_watermark: string | number;
  log_start_offset: string | number;
  records: Buffer;
  diverging_epoch?: { epoch: number; end_offset: string | number } | null;
}

interface WireFetchResponse extends WireError {
  correlation_id: number;
  partitions: WireFetchedPartition[];
}

export type ReplicaFetchHandler = (request: ReplicaFetchRequest, done: (response: ReplicaFetchResponse) => void) => void;

/**
 * Serves followers' fetch streams through the node's faults: requests from a replica they cut off
 * are dropped, and each response goes out as the faults towards that replica say (later, with a delay).
 */
export function addReplicationService(server: grpc.Server, handler: () => ReplicaFetchHandler | undefined, faults: SendFaults = NO_SEND_FAULTS): void {
  server.addService(serviceConstructor('replication.proto', SERVICE).service, {
    ReplicaFetch: (call: grpc.ServerDuplexStream<WireFetchRequest, WireFetchResponse>) =>
      serveDuplex(call, (wire, write) => {
        if (faults.blocked(wire.replica_id)) return;
        const serve = handler();
        const reply = (response: ReplicaFetchResponse): void => {
          const answer = toWireResponse(wire.correlation_id, response);
          faults.route(wire.replica_id, () => write(answer));
        };
        if (!serve) return reply({ error: errors.notLeaderOrFollower('this node is not a broker'), partitions: [] });
        try {
          serve(fromWireRequest(wire), reply);
        } catch (e) {
          reply({ error: errors.unknownServerError((e as Error).message), partitions: [] });
        }
      }),
  });
}

function fromWireRequest(wire: WireFetchRequest): ReplicaFetchRequest {
  return {
    replicaId: wire.replica_id,
    brokerEpoch: toSafeInteger(wire.broker_epoch),
    maxWaitMs: wire.max_wait_ms,
    minBytes: wire.min_bytes,
    maxBytes: wire.max_bytes,
    partitions: wire.partitions.map((p) => ({
      topicId: p.topic_id,
      partition: p.partition,
      fetchOffset: toSafeInteger(p.fetch_offset),
      lastFetchedEpoch: p.last_fetched_epoch,
      currentLeaderEpoch: p.current_leader_epoch,
      logStartOffset: toSafeInteger(p.log_start_offset),
      knownHighWatermark: toSafeInteger(p.known_high_watermark),
    })),
    ...(wire.session_id
      ? {
          session: {
            id: wire.session_id,
            epoch: wire.session_epoch ?? 0,
            forgotten: (wire.forgotten ?? []).map((f) => ({ topicId: f.topic_id, partition: f.partition })),
          },
        }
      : {}),
  };
}

function toWireResponse(correlationId: number, response: ReplicaFetchResponse): WireFetchResponse {
  return {
    correlation_id: correlationId,
    ...(response.error ? toWireError(response.error) : NO_ERROR),
    partitions: response.partitions.map((p) => ({
      topic_id: p.topicId,
      partition: p.partition,
      ...(p.error ? toWireError(p.error) : NO_ERROR),
      high_watermark: p.highWatermark,
      log_start_offset: p.logStartOffset,
      records: p.records,
      diverging_epoch: p.divergingEpoch ? { epoch: p.divergingEpoch.epoch, end_offset: p.divergingEpoch.endOffset } : null,
    })),
  };
}

function fromWireResponse(wire: WireFetchResponse): ReplicaFetchResponse {
  const wholeError = wireError(wire);
  return {
    ...(wholeError ? { error: wholeError } : {}),
    partitions: wire.partitions.map((p) => {
      const error = wireError(p);
      return {
        topicId: p.topic_id,
        partition: p.partition,
        ...(error ? { error } : {}),
        highWatermark: toSafeInteger(p.high_watermark),
        logStartOffset: toSafeInteger(p.log_start_offset),
        records: p.records,
        ...(p.diverging_epoch ? { divergingEpoch: { epoch: p.diverging_epoch.epoch, endOffset: toSafeInteger(p.diverging_epoch.end_offset) } } : {}),
      };
    }),
  };
}

type ReplicationStub = grpc.Client & { ReplicaFetch(): grpc.ClientDuplexStream<WireFetchRequest, WireFetchResponse> };

interface Pending {
  resolve(response: ReplicaFetchResponse): void;
  reject(error: Error): void;
  timer: Timer;
}

export interface GrpcFetchSessionOptions {
  address: string;
  clock: Clock;
  /** Added to each fetch's own max wait before it counts as lost. */
  requestTimeoutMs: number;
  /**
   * The node's network faults towards the leader: requests go out now, later (a delay) or never
   * (a cut link), and answers arriving while the link is cut are dropped. None by default.
   */
  link?: PeerLink;
  logger: Logger;
}

/** A follower's fetch channel to one leader: one long-lived stream, reopened when it breaks. */
export class GrpcFetchSession implements ReplicaFetchSession {
  private readonly stub: ReplicationStub;
  private stream: grpc.ClientDuplexStream<WireFetchRequest, WireFetchResponse> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId = 1;
  private closed = false;

  constructor(private readonly options: GrpcFetchSessionOptions) {
    this.stub = createClient<ReplicationStub>(serviceConstructor('replication.proto', SERVICE), options.address);
  }

  fetch(request: ReplicaFetchRequest): Promise<ReplicaFetchResponse> {
    if (this.closed) return Promise.reject(errors.networkException('fetch session closed'));
    const { clock, requestTimeoutMs } = this.options;
    const link = this.options.link ?? OPEN_LINK;
    const correlationId = this.nextCorrelationId++;
    return new Promise<ReplicaFetchResponse>((resolve, reject) => {
      const timer = clock.schedule(request.maxWaitMs + requestTimeoutMs, () => {
        this.pending.delete(correlationId);
        // A lost answer may mean a broken stream: start over with a fresh one.
        this.resetStream();
        reject(errors.requestTimedOut(`no answer to fetch ${correlationId} from ${this.options.address}`));
      });
      this.pending.set(correlationId, { resolve, reject, timer });
      // Cut off by a network fault the request goes nowhere, and the timer above ends the wait.
      link.route(() => {
        if (!this.closed && this.pending.has(correlationId)) this.openStream().write(toWireRequest(correlationId, request));
      });
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.failAll(errors.networkException('fetch session closed'));
    this.stream?.cancel();
    this.stream = undefined;
    this.stub.close();
  }

  private openStream(): grpc.ClientDuplexStream<WireFetchRequest, WireFetchResponse> {
    if (this.stream) return this.stream;
    const stream = this.stub.ReplicaFetch();
    stream.on('data', (wire: WireFetchResponse) => {
      const waiter = this.pending.get(wire.correlation_id);
      if (!waiter) return;
      this.pending.delete(wire.correlation_id);
      waiter.timer.cancel();
      if (!(this.options.link ?? OPEN_LINK).reachable()) return waiter.reject(errors.networkException('answer dropped by a network fault'));
      waiter.resolve(fromWireResponse(wire));
    });
    const broken = (e?: Error): void => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      this.options.logger.debug({ err: e?.message }, 'replica fetch stream closed');
      this.failAll(errors.networkException(`fetch stream to ${this.options.address} closed${e ? `: ${e.message}` : ''}`));
    };
    stream.on('error', broken);
    stream.on('end', () => broken());
    this.stream = stream;
    return stream;
  }

  private resetStream(): void {
    const stream = this.stream;
    this.stream = undefined;
    stream?.cancel();
  }

  private failAll(error: Error): void {
    for (const waiter of this.pending.values()) {
      waiter.timer.cancel();
      waiter.reject(error);
    }
    this.pending.clear();
  }
}

function toWireRequest(correlationId: number, request: ReplicaFetchRequest): WireFetchRequest {
  return {
    correlation_id: correlationId,
    replica_id: request.replicaId,
    broker_epoch: request.brokerEpoch,
    max_wait_ms: request.maxWaitMs,
    min_bytes: request.minBytes,
    max_bytes: request.maxBytes,
    partitions: request.partitions.map((p) => ({
      topic_id: p.topicId,
      partition: p.partition,
      fetch_offset: p.fetchOffset,
      last_fetched_epoch: p.lastFetchedEpoch,
      current_leader_epoch: p.currentLeaderEpoch,
      log_start_offset: p.logStartOffset,
      known_high_watermark: p.knownHighWatermark,
    })),
    ...(request.session
      ? {
          session_id: request.session.id,
          session_epoch: request.session.epoch,
          forgotten: request.session.forgotten.map((f) => ({ topic_id: f.topicId, partition: f.partition })),
        }
      : {}),
  };
}
