/**
 * One client connection of the Kafka listener: size-prefixed frames in, responses out in the
 * order the requests arrived (clients match responses to requests by position as well as by
 * correlation id). Requests are handed to the dispatcher as soon as they are read, in order, so
 * two produce requests on one connection append in the order they were sent; their answers wait
 * for every earlier answer.
 *
 * Bounds: a frame above `socket.request.max.bytes` closes the connection before its body is
 * buffered; when `queued.max.requests` requests or `queued.max.request.bytes` bytes await their
 * answers (or the socket cannot take more output), reading stops until they drain. A request
 * that cannot be parsed, or names an API or version this broker does not serve, closes the
 * connection (ApiVersions excepted: it is answered UNSUPPORTED_VERSION in v0 format, as Kafka
 * does); nothing else on the node is affected.
 *
 * A client delay (the node's ClientGate) holds each answer back before it joins the queue; the
 * queue still sends in request order, so a delay that shrinks cannot reorder answers.
 */
import type { Socket } from 'node:net';
import { OPEN_GATE, type ClientGate } from '../common/client-gate.js';
import type { Logger } from '../common/logger.js';
import type { RequestDispatcher } from './dispatcher.js';
import { ProtocolError } from './protocol/reader.js';

export interface ConnectionLimits {
  /** socket.request.max.bytes */
  readonly maxRequestBytes: number;
  /** queued.max.requests, per connection: requests read and not yet answered. */
  readonly maxQueuedRequests: number;
  /** queued.max.request.bytes, per connection: bytes of requests read and not yet answered. */
  readonly maxQueuedBytes: number;
}

/** api_key, api_version and correlation_id: no request is shorter. */
const MIN_REQUEST_BYTES = 8;

interface PendingResponse {
  readonly requestBytes: number;
  /** Undefined until the handler has answered; empty when there is nothing to send (acks=0). */
  frames?: Buffer[];
}

export class KafkaConnection {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  /** Size of the frame being read, or -1 while its size prefix is still awaited. */
  private frameSize = -1;
  private readonly queue: PendingResponse[] = [];
  private queuedBytes = 0;
  private writeBlocked = false;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly dispatcher: RequestDispatcher,
    private readonly limits: ConnectionLimits,
    private readonly logger: Logger,
    readonly peer: string,
    private readonly gate: ClientGate = OPEN_GATE,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.writeBlocked = false;
      this.pump();
    });
    socket.on('error', (e) => this.logger.debug({ err: e, peer }, 'kafka connection error'));
    socket.on('close', () => (this.closed = true));
  }

  /** Closes the connection at once; answers still being computed are dropped. */
  close(reason?: string): void {
    if (this.closed) return;
    this.closed = true;
    if (reason) this.logger.warn({ peer: this.peer, reason }, 'closing kafka connection');
    this.socket.destroy();
  }

  /** Resets the connection (RST), dropping answers still due, as a cut network path would. */
  reset(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.resetAndDestroy();
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.pump();
  }

  /** Reads and dispatches whole frames while the connection's bounds allow. */
  private pump(): void {
    while (!this.closed) {
      if (this.saturated()) {
        this.socket.pause();
        return;
      }
      if (this.frameSize < 0) {
        if (this.buffered < 4) break;
        const size = this.take(4).readInt32BE(0);
        if (size > this.limits.maxRequestBytes) {
          this.close(`request of ${size} bytes exceeds socket.request.max.bytes (${this.limits.maxRequestBytes})`);
          return;
        }
        if (size < MIN_REQUEST_BYTES) {
          this.close(`request of ${size} bytes is shorter than a request header`);
          return;
        }
        this.frameSize = size;
      }
      if (this.buffered < this.frameSize) break;
      const frame = this.take(this.frameSize);
      this.frameSize = -1;
      this.dispatch(frame);
    }
    if (!this.closed) this.socket.resume();
  }

  private saturated(): boolean {
    return this.writeBlocked || this.queue.length >= this.limits.maxQueuedRequests || this.queuedBytes >= this.limits.maxQueuedBytes;
  }

  /** The next `n` buffered bytes (a view when they lie in one chunk). */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0]!;
      const used = Math.min(chunk.length, n - filled);
      chunk.copy(out, filled, 0, used);
      filled += used;
      if (used === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(used);
    }
    return out;
  }

  private dispatch(frame: Buffer): void {
    const pending: PendingResponse = { requestBytes: frame.length };
    this.queue.push(pending);
    this.queuedBytes += frame.length;
    try {
      this.dispatcher.dispatch(frame, this.peer, (frames) => {
        if (frames === null) return this.close('the request failed unexpectedly');
        this.gate.delay(() => {
          pending.frames = frames;
          this.flush();
        });
      });
    } catch (e) {
      if (e instanceof ProtocolError) return this.close(`malformed request: ${e.message}`);
      this.logger.error({ err: e, peer: this.peer }, 'kafka request failed unexpectedly');
      this.close('internal error');
    }
  }

  /** Sends every answer at the head of the queue that is ready, in request order. */
  private flush(): void {
    if (this.closed) return;
    let corked = false;
    while (this.queue.length > 0 && this.queue[0]!.frames !== undefined) {
      const done = this.queue.shift()!;
      this.queuedBytes -= done.requestBytes;
      const frames = done.frames!;
      // Several buffers (a fetch answer's record batches, or answers ready together) leave in one writev.
      if (!corked && (frames.length > 1 || (frames.length === 1 && this.queue[0]?.frames !== undefined))) {
        this.socket.cork();
        corked = true;
      }
      for (const frame of frames) {
        if (!this.socket.write(frame)) this.writeBlocked = true;
      }
    }
    if (corked) this.socket.uncork();
    this.pump();
  }
}
