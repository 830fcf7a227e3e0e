/**
 * The pipelined Produce stream to one broker: requests are written as they come, each with a fresh
 * correlation id, and answers (which may arrive in any order) are matched back by that id. Every
 * request is bounded by its own timer. When the stream breaks, every request waiting on it fails
 * with a retriable NETWORK_EXCEPTION and the next request opens a new stream.
 */
import { CorrelatedStream } from '../net/correlated-stream.js';
import { brokerErrorFromGrpc, type BrokerConnection } from './connection.js';
import type { ProduceRequest, ProduceResponse } from './wire.js';

export type ProduceRequestBody = Omit<ProduceRequest, 'correlation_id'>;

export class ProduceChannel {
  private readonly stream: CorrelatedStream<ProduceRequest, ProduceResponse>;

  constructor(private readonly connection: BrokerConnection) {
    const name = `Produce stream to ${connection.address}`;
    this.stream = new CorrelatedStream({ open: () => connection.openProduceStream(), name, toError: (e) => brokerErrorFromGrpc(e, name) });
  }

  get address(): string {
    return this.connection.address;
  }

  /** Sends one request and resolves with the broker's answer, or fails with REQUEST_TIMED_OUT after `timeoutMs`. */
  request(body: ProduceRequestBody, timeoutMs: number): Promise<ProduceResponse> {
    return this.stream.request(body, timeoutMs, `Produce ${body.topic}-${body.partition} to ${this.address}`);
  }

  /** acks=0: the broker sends no answer, so the request is done once the stream has taken it. */
  requestWithoutAnswer(body: ProduceRequestBody): Promise<void> {
    return this.stream.send(body);
  }

  /** Requests still waiting for an answer. */
  waitingCount(): number {
    return this.stream.waitingCount();
  }

  close(): void {
    this.stream.close('closed by the client');
  }
}
