/**
 * The outgoing half of Raft traffic to one peer: a bounded queue drained into one long-lived gRPC
 * stream. `send` never blocks: it queues (dropping the oldest message when full) and the link
 * writes batches whenever the stream can take them. A broken stream is reopened with capped
 * backoff; while the peer is unreachable its queue is emptied, since Raft resends what matters
 * and stale heartbeats are worthless.
 */
import type * as grpc from '@grpc/grpc-js';
import { systemClock, type Clock, type Timer } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import type { Message, NodeId } from '../raft/types.js';
import { Backoff } from './backoff.js';
import { BoundedQueue } from './bounded-queue.js';
import { createClient, serviceConstructor, waitForReady } from './grpc.js';
import { messageToWire, type WireRaftBatch } from './raft-codec.js';

export interface PeerLinkOptions {
  /** Messages held for a peer before the oldest are dropped. */
  maxQueuedMessages: number;
  /** Messages written to the stream as one batch at most. */
  maxBatchMessages: number;
  /** How long one connection attempt may take before it counts as failed. */
  connectTimeoutMs: number;
  reconnectInitialMs: number;
  reconnectMaxMs: number;
  clock: Clock;
}

export const DEFAULT_PEER_LINK_OPTIONS: PeerLinkOptions = {
  maxQueuedMessages: 4096,
  maxBatchMessages: 256,
  connectTimeoutMs: 1_000,
  reconnectInitialMs: 25,
  reconnectMaxMs: 500,
  clock: systemClock,
};

export interface PeerLinkStats {
  readonly address: string;
  readonly connected: boolean;
  readonly queued: number;
  readonly sent: number;
  readonly dropped: number;
  readonly reconnects: number;
}

type RaftStreamClient = grpc.Client & { Exchange(): grpc.ClientDuplexStream<WireRaftBatch, WireRaftBatch> };

type State = 'connecting' | 'open' | 'waiting' | 'closed';

export class PeerLink {
  private readonly queue: BoundedQueue<Message>;
  private readonly backoff: Backoff;
  private readonly client: RaftStreamClient;
  private state: State = 'connecting';
  private call: grpc.ClientDuplexStream<WireRaftBatch, WireRaftBatch> | undefined;
  /** True while the stream's buffer is full and we wait for 'drain'. */
  private blocked = false;
  private pumpScheduled = false;
  private retryTimer: Timer | undefined;
  private sentCount = 0;
  private reconnectCount = 0;

  constructor(
    readonly peer: NodeId,
    readonly address: string,
    private readonly options: PeerLinkOptions,
    private readonly logger: Logger,
    /** An open stream to the peer broke (not a failed attempt to connect). */
    private readonly onLost: () => void = () => undefined,
  ) {
    this.queue = new BoundedQueue(options.maxQueuedMessages);
    this.backoff = new Backoff({ initialMs: options.reconnectInitialMs, maxMs: options.reconnectMaxMs });
    this.client = createClient<RaftStreamClient>(serviceConstructor('raft.proto', 'brokerlab.raft.Raft'), address);
    void this.connect();
  }

  send(message: Message): void {
    if (this.state === 'closed') return;
    if (this.queue.push(message) && this.queue.dropped % 1000 === 1) {
      this.logger.debug({ dropped: this.queue.dropped }, 'raft queue full: dropping oldest messages');
    }
    this.schedulePump();
  }

  stats(): PeerLinkStats {
    return {
      address: this.address,
      connected: this.state === 'open',
      queued: this.queue.length,
      sent: this.sentCount,
      dropped: this.queue.dropped,
      reconnects: this.reconnectCount,
    };
  }

  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.retryTimer?.cancel();
    this.queue.clear();
    this.call?.end();
    this.call?.cancel();
    this.client.close();
  }

  private async connect(): Promise<void> {
    this.state = 'connecting';
    try {
      await waitForReady(this.client, this.options.connectTimeoutMs);
    } catch {
      this.retryLater('peer unreachable');
      return;
    }
    if (this.state !== 'connecting') return;
    const call = this.client.Exchange();
    this.call = call;
    this.blocked = false;
    call.on('data', () => undefined);
    call.on('error', (error: grpc.ServiceError) => this.onBroken(call, error.details || error.message));
    call.on('end', () => this.onBroken(call, 'stream ended by peer'));
    call.on('drain', () => {
      this.blocked = false;
      this.pump();
    });
    this.state = 'open';
    this.backoff.reset();
    this.logger.debug('raft stream open');
    this.pump();
  }

  private onBroken(call: grpc.ClientDuplexStream<WireRaftBatch, WireRaftBatch>, reason: string): void {
    if (call !== this.call || this.state !== 'open') return;
    this.call = undefined;
    call.cancel();
    this.onLost();
    this.retryLater(reason);
  }

  private retryLater(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'waiting';
    const discarded = this.queue.clear();
    const delayMs = this.backoff.next();
    this.reconnectCount++;
    this.logger.debug({ reason, delayMs, discarded }, 'raft stream down; reconnecting');
    this.retryTimer = this.options.clock.schedule(delayMs, () => void this.connect());
  }

  /** Coalesces the sends of one synchronous burst (a whole Ready) into one batch write. */
  private schedulePump(): void {
    if (this.pumpScheduled || this.state !== 'open') return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    const call = this.call;
    while (call && this.state === 'open' && !this.blocked && this.queue.length > 0) {
      const messages = this.queue.take(this.options.maxBatchMessages);
      let batch: WireRaftBatch;
      try {
        batch = { messages: messages.map(messageToWire) };
      } catch (error) {
        this.logger.warn({ err: error }, 'raft message could not be encoded; dropped');
        continue;
      }
      this.sentCount += messages.length;
      this.blocked = !call.write(batch);
    }
  }
}
