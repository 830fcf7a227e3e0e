/**
 * A client of one Raft process's `RaftClient` service: many proposals in flight over one bidi
 * stream, matched to their answers by id. A broken stream fails the proposals in flight with
 * NETWORK_EXCEPTION (their outcome is unknown) and the next proposal opens a new stream.
 */
import type * as grpc from '@grpc/grpc-js';
import { BrokerError, errors } from '../common/errors.js';
import type { ProposalResult } from '../raft/driver.js';
import { createClient, serviceConstructor, toSafeInteger, waitForReady } from './grpc.js';
import { statusFromWire, type RaftNodeStatus, type WireProposeAnswers, type WireProposeBatch, type WireProposeRequest, type WireProposeResponse } from './raft-client-service.js';

type RaftClientStub = grpc.Client & {
  Propose(): grpc.ClientDuplexStream<WireProposeBatch, WireProposeAnswers>;
  Status(request: object, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response: Record<string, unknown>) => void): void;
};

interface InFlight {
  resolve(result: ProposalResult): void;
  reject(error: unknown): void;
}

export class RaftClientConnection {
  private readonly stub: RaftClientStub;
  private stream: grpc.ClientDuplexStream<WireProposeBatch, WireProposeAnswers> | undefined;
  /** Proposals made in the current burst, written together as one stream message. */
  private unsent: WireProposeRequest[] = [];
  /** Set while waiting for the channel before opening a stream; proposals meanwhile wait on it. */
  private connecting: Promise<void> | undefined;
  private readonly inFlight = new Map<number, InFlight>();
  private nextId = 1;

  constructor(
    readonly address: string,
    private readonly connectTimeoutMs = 2_000,
  ) {
    this.stub = createClient<RaftClientStub>(serviceConstructor('raft.proto', 'brokerlab.raft.RaftClient'), address);
  }

  connect(timeoutMs = 2_000): Promise<void> {
    return waitForReady(this.stub, timeoutMs);
  }

  /** Resolves once the entry is committed and applied on the node; rejects with its Kafka error. */
  propose(data: Uint8Array): Promise<ProposalResult> {
    const id = this.nextId++;
    const request = { id, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) };
    return new Promise((resolve, reject) => {
      this.inFlight.set(id, { resolve, reject });
      if (this.stream) {
        this.queue(request);
        return;
      }
      // Opening a stream on a channel that is not connected yet would fail at once: wait first.
      this.connecting ??= waitForReady(this.stub, this.connectTimeoutMs).finally(() => (this.connecting = undefined));
      this.connecting.then(
        () => {
          if (!this.inFlight.has(id)) return;
          this.openStream();
          this.queue(request);
        },
        (error: Error) => {
          this.inFlight.delete(id);
          reject(errors.networkException(`${this.address}: ${error.message}`));
        },
      );
    });
  }

  status(timeoutMs = 2_000): Promise<RaftNodeStatus> {
    return new Promise((resolve, reject) => {
      this.stub.Status({}, { deadline: Date.now() + timeoutMs }, (error, response) => {
        if (error) reject(errors.networkException(`status from ${this.address}: ${error.details || error.message}`));
        else resolve(statusFromWire(response));
      });
    });
  }

  inFlightCount(): number {
    return this.inFlight.size;
  }

  close(): void {
    this.failInFlight('client closed');
    this.stream?.cancel();
    this.stub.close();
  }

  /** Sends `request` with the rest of this burst once the burst's microtasks have run. */
  private queue(request: WireProposeRequest): void {
    this.unsent.push(request);
    if (this.unsent.length > 1) return;
    queueMicrotask(() => {
      const proposals = this.unsent;
      this.unsent = [];
      // Their waiters were failed with the stream if it broke meanwhile.
      this.stream?.write({ proposals });
    });
  }

  private openStream(): grpc.ClientDuplexStream<WireProposeBatch, WireProposeAnswers> {
    if (this.stream) return this.stream;
    const stream = this.stub.Propose();
    this.stream = stream;
    stream.on('data', (batch: WireProposeAnswers) => {
      for (const response of batch.answers) this.settle(response);
    });
    const broken = (reason: string): void => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      this.failInFlight(reason);
    };
    stream.on('error', (error: grpc.ServiceError) => broken(error.details || error.message));
    stream.on('end', () => broken('stream ended'));
    return stream;
  }

  private settle(response: WireProposeResponse): void {
    const id = toSafeInteger(response.id);
    const waiter = this.inFlight.get(id);
    if (!waiter) return;
    this.inFlight.delete(id);
    if (response.error_code === 0) {
      waiter.resolve({ index: toSafeInteger(response.index), term: toSafeInteger(response.term) });
    } else {
      // The server's message already starts with the error's name; fromCode adds it again.
      const message = response.error_message.replace(/^[A-Z_]+: /, '');
      waiter.reject(BrokerError.fromCode(response.error_code, message, { leaderId: response.leader_id }));
    }
  }

  private failInFlight(reason: string): void {
    const error = errors.networkException(`${this.address}: ${reason}; outcome of in-flight proposals unknown`);
    for (const waiter of this.inFlight.values()) waiter.reject(error);
    this.inFlight.clear();
  }
}
