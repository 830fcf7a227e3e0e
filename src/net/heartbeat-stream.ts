/**
 * A broker's heartbeats to one controller node, over one long-lived `BrokerHeartbeats` stream
 * instead of a call each: the fast profile heartbeats ten times a second, and a gRPC call per
 * heartbeat (a new HTTP/2 stream, headers both ways, a deadline timer) cost an idle node more CPU
 * than everything else it does.
 *
 * The stream opens with the first heartbeat and again after it breaks. Each heartbeat carries a
 * correlation id and its own deadline: one the controller never answers (it is cut off, paused or
 * dead) fails with REQUEST_TIMED_OUT like the call it replaces, while the stream stays up for the
 * next. A broken stream fails every heartbeat still waiting on it at once.
 */
import type * as grpc from '@grpc/grpc-js';
import type { BrokerHeartbeatRequest, BrokerHeartbeatResponse } from '../controller/index.js';
import { errors } from '../common/errors.js';
import { OPEN_LINK, type PeerLink } from './faults.js';
import { fromGrpcError, wireError, type WireError } from './wire-errors.js';

export interface WireHeartbeatRequest {
  broker_id: number;
  /** int64 fields: a number when sent, a decimal string when received. */
  broker_epoch: number | string;
  current_metadata_offset: number | string;
  want_fence: boolean;
  want_shutdown: boolean;
  correlation_id: number;
}

export interface WireHeartbeatResponse extends WireError {
  is_fenced: boolean;
  is_caught_up: boolean;
  should_shutdown: boolean;
  leader_id: number;
  correlation_id: number;
}

type HeartbeatCall = grpc.ClientDuplexStream<WireHeartbeatRequest, WireHeartbeatResponse>;

interface Waiting {
  readonly request: BrokerHeartbeatRequest;
  readonly resolve: (response: BrokerHeartbeatResponse) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: NodeJS.Timeout;
}

export class HeartbeatStream {
  private call: HeartbeatCall | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly open: () => HeartbeatCall,
    private readonly timeoutMs: number,
    /** This node's faults towards the controller (see GrpcControllerClient). */
    private readonly link: PeerLink = OPEN_LINK,
  ) {}

  heartbeat(request: BrokerHeartbeatRequest): Promise<BrokerHeartbeatResponse> {
    if (this.closed) return Promise.reject(errors.networkException('controller client closed'));
    if (!this.link.reachable()) return Promise.reject(fromGrpcError(new Error('peer unreachable (network fault)'), 'controller BrokerHeartbeats'));
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    return new Promise<BrokerHeartbeatResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.waiting.delete(id)) reject(errors.requestTimedOut(`controller BrokerHeartbeats: no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.waiting.set(id, { request, resolve, reject, timer });
      const wire: WireHeartbeatRequest = {
        broker_id: request.brokerId,
        broker_epoch: request.brokerEpoch,
        current_metadata_offset: request.currentMetadataOffset,
        want_fence: request.wantFence ?? false,
        want_shutdown: request.wantShutdown ?? false,
        correlation_id: id,
      };
      this.link.route(() => {
        if (this.waiting.has(id)) this.stream().write(wire);
      });
    });
  }

  close(): void {
    this.closed = true;
    const call = this.call;
    this.call = undefined;
    call?.cancel();
    this.failAll(errors.networkException('controller client closed'));
  }

  private stream(): HeartbeatCall {
    if (this.call) return this.call;
    const call = this.open();
    this.call = call;
    call.on('data', (res: WireHeartbeatResponse) => this.answer(res));
    call.on('error', (e: grpc.ServiceError) => this.broken(call, fromGrpcError(e, 'controller BrokerHeartbeats')));
    call.on('end', () => this.broken(call, errors.networkException('controller BrokerHeartbeats: stream ended by the controller')));
    return call;
  }

  private answer(res: WireHeartbeatResponse): void {
    const waiting = this.waiting.get(res.correlation_id);
    if (!waiting) return; // it timed out already
    this.waiting.delete(res.correlation_id);
    clearTimeout(waiting.timer);
    // A refusal of the heartbeat; NOT_CONTROLLER names the active controller, if known.
    const error = wireError(res, { leaderId: res.leader_id });
    if (error) waiting.reject(error);
    else {
      waiting.resolve({
        isFenced: res.is_fenced,
        isCaughtUp: res.is_caught_up,
        inControlledShutdown: waiting.request.wantShutdown ?? false,
        shouldShutdown: res.should_shutdown,
      });
    }
  }

  private broken(call: HeartbeatCall, error: unknown): void {
    if (call !== this.call) return;
    this.call = undefined;
    call.cancel();
    this.failAll(error);
  }

  private failAll(error: unknown): void {
    for (const waiting of this.waiting.values()) {
      clearTimeout(waiting.timer);
      waiting.reject(error);
    }
    this.waiting.clear();
  }
}
