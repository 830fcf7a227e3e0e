/**
 * The pipelined Produce stream to one broker: requests are written as they come, each with a fresh
 * correlation id, and answers (which may arrive in any order) are matched back by that id. Every
 * request is bounded by its own timer. When the stream breaks, every request waiting on it fails
 * with a retriable NETWORK_EXCEPTION and the next request opens a new stream.
 */
import { BrokerError, errors } from '../common/errors.js';
import { brokerErrorFromGrpc, type BrokerConnection, type ProduceStream } from './connection.js';
import type { ProduceRequest, ProduceResponse } from './wire.js';

interface WaitingRequest {
  resolve(response: ProduceResponse): void;
  reject(error: BrokerError): void;
  timer: NodeJS.Timeout;
}

export type ProduceRequestBody = Omit<ProduceRequest, 'correlation_id'>;

const MAX_CORRELATION_ID = 0xffff_ffff;

export class ProduceChannel {
  private stream: ProduceStream | undefined;
  private readonly waiting = new Map<number, WaitingRequest>();
  private nextCorrelationId = 1;
  private closed = false;

  constructor(private readonly connection: BrokerConnection) {}

  get address(): string {
    return this.connection.address;
  }

  /** Sends one request and resolves with the broker's answer, or fails with REQUEST_TIMED_OUT after `timeoutMs`. */
  request(body: ProduceRequestBody, timeoutMs: number): Promise<ProduceResponse> {
    return new Promise((resolve, reject) => {
      let stream: ProduceStream;
      try {
        stream = this.openStream();
      } catch (e) {
        reject(brokerErrorFromGrpc(e, `Produce to ${this.address}`));
        return;
      }
      const correlationId = this.takeCorrelationId();
      const timer = setTimeout(() => {
        this.waiting.delete(correlationId);
        reject(errors.requestTimedOut(`Produce ${body.topic}-${body.partition} to ${this.address}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(correlationId, { resolve, reject, timer });
      stream.write({ ...body, correlation_id: correlationId });
    });
  }

  /** acks=0: the broker sends no answer, so the request is done once the stream has taken it. */
  requestWithoutAnswer(body: ProduceRequestBody): Promise<void> {
    return new Promise((resolve, reject) => {
      let stream: ProduceStream;
      try {
        stream = this.openStream();
      } catch (e) {
        reject(brokerErrorFromGrpc(e, `Produce to ${this.address}`));
        return;
      }
      stream.write({ ...body, correlation_id: this.takeCorrelationId() }, (err: unknown) => {
        if (err) reject(brokerErrorFromGrpc(err, `Produce to ${this.address}`));
        else resolve();
      });
    });
  }

  /** Requests still waiting for an answer. */
  waitingCount(): number {
    return this.waiting.size;
  }

  close(): void {
    this.closed = true;
    this.failAll(errors.networkException(`Produce stream to ${this.address} closed by the client`));
    this.stream?.end();
    this.stream?.cancel();
    this.stream = undefined;
  }

  private openStream(): ProduceStream {
    if (this.closed) throw errors.networkException(`Produce stream to ${this.address} is closed`);
    if (this.stream) return this.stream;
    const stream = this.connection.openProduceStream();
    stream.on('data', (response: ProduceResponse) => this.onResponse(response));
    stream.on('error', (err: unknown) => this.onBroken(stream, brokerErrorFromGrpc(err, `Produce stream to ${this.address}`)));
    stream.on('end', () => this.onBroken(stream, errors.networkException(`Produce stream to ${this.address} ended by the broker`)));
    this.stream = stream;
    return stream;
  }

  private onResponse(response: ProduceResponse): void {
    const waiting = this.waiting.get(response.correlation_id);
    // An answer after its request timed out has nobody left to tell.
    if (!waiting) return;
    this.waiting.delete(response.correlation_id);
    clearTimeout(waiting.timer);
    waiting.resolve(response);
  }

  private onBroken(stream: ProduceStream, error: BrokerError): void {
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
