/**
 * Requests over one long-lived gRPC bidi stream, each matched to its answer by a correlation id
 * (answers may overtake one another). The stream opens with the first request and again after it
 * breaks. Every request is bounded by its own timer: one that is never answered fails with
 * REQUEST_TIMED_OUT while the stream stays up for the next, and a broken stream fails every
 * request still waiting on it at once. The client's pipelined Produce and a broker's heartbeats to
 * the controller both ride one.
 */
import type * as grpc from '@grpc/grpc-js';
import { errors, type BrokerError } from '../common/errors.js';

interface Correlated {
  correlation_id: number;
}

export interface CorrelatedStreamOptions<Req extends Correlated, Res extends Correlated> {
  /** Opens a new stream; may throw (the channel is closed). */
  open(): grpc.ClientDuplexStream<Req, Res>;
  /** Names the stream in errors: `Produce stream to 127.0.0.1:9001`. */
  readonly name: string;
  /** A transport failure as the BrokerError callers see. */
  toError(e: unknown): BrokerError;
}

interface Waiting<Res> {
  readonly resolve: (response: Res) => void;
  readonly reject: (error: BrokerError) => void;
  readonly timer: NodeJS.Timeout;
}

const MAX_CORRELATION_ID = 0xffff_ffff;

export class CorrelatedStream<Req extends Correlated, Res extends Correlated> {
  private stream: grpc.ClientDuplexStream<Req, Res> | undefined;
  private readonly waiting = new Map<number, Waiting<Res>>();
  private nextCorrelationId = 1;
  private closed = false;

  constructor(private readonly options: CorrelatedStreamOptions<Req, Res>) {}

  /**
   * Sends `body` and resolves with its answer, or fails with REQUEST_TIMED_OUT (`what`: no answer
   * within `timeoutMs`). `route` may hold the write back (a node's injected network delay); a
   * request that timed out meanwhile is not sent.
   */
  request(body: Omit<Req, 'correlation_id'>, timeoutMs: number, what: string, route: (send: () => void) => void = (send) => send()): Promise<Res> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(errors.networkException(`${this.options.name} is closed`));
      const id = this.takeCorrelationId();
      const timer = setTimeout(() => {
        if (this.waiting.delete(id)) reject(errors.requestTimedOut(`${what}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, { resolve, reject, timer });
      route(() => {
        if (!this.waiting.has(id)) return;
        try {
          this.openStream().write({ ...body, correlation_id: id } as Req);
        } catch (e) {
          this.settle(id)?.reject(this.options.toError(e));
        }
      });
    });
  }

  /** A request with no answer (acks=0): done once the stream has taken it. */
  send(body: Omit<Req, 'correlation_id'>): Promise<void> {
    return new Promise((resolve, reject) => {
      let stream: grpc.ClientDuplexStream<Req, Res>;
      try {
        if (this.closed) throw errors.networkException(`${this.options.name} is closed`);
        stream = this.openStream();
      } catch (e) {
        return reject(this.options.toError(e));
      }
      stream.write({ ...body, correlation_id: this.takeCorrelationId() } as Req, (err: unknown) => {
        if (err) reject(this.options.toError(err));
        else resolve();
      });
    });
  }

  /** Requests still waiting for an answer. */
  waitingCount(): number {
    return this.waiting.size;
  }

  close(reason: string): void {
    this.closed = true;
    this.failAll(errors.networkException(`${this.options.name} ${reason}`));
    const stream = this.stream;
    this.stream = undefined;
    stream?.end();
    stream?.cancel();
  }

  private openStream(): grpc.ClientDuplexStream<Req, Res> {
    if (this.stream) return this.stream;
    const stream = this.options.open();
    stream.on('data', (response: Res) => this.settle(response.correlation_id)?.resolve(response));
    stream.on('error', (err: unknown) => this.onBroken(stream, this.options.toError(err)));
    stream.on('end', () => this.onBroken(stream, errors.networkException(`${this.options.name} ended by the other side`)));
    this.stream = stream;
    return stream;
  }

  /** Takes request `id` off the waiting list; undefined once it timed out (nobody is left to tell). */
  private settle(id: number): Waiting<Res> | undefined {
    const waiting = this.waiting.get(id);
    if (!waiting) return undefined;
    this.waiting.delete(id);
    clearTimeout(waiting.timer);
    return waiting;
  }

  private onBroken(stream: grpc.ClientDuplexStream<Req, Res>, error: BrokerError): void {
    if (this.stream !== stream) return;
    this.stream = undefined;
    stream.cancel();
    this.failAll(error);
  }

  private failAll(error: BrokerError): void {
    for (const waiting of this.waiting.values()) {
      clearTimeout(waiting.timer);
      waiting.reject(error);
    }
    this.waiting.clear();
  }

  private takeCorrelationId(): number {
    const id = this.nextCorrelationId;
    this.nextCorrelationId = id === MAX_CORRELATION_ID ? 1 : id + 1;
    return id;
  }
}
