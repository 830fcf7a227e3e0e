/**
 * A broker's heartbeats to one controller node, over one long-lived `BrokerHeartbeats` stream
 * instead of a call each: the fast profile heartbeats ten times a second, and a gRPC call per
 * heartbeat (a new HTTP/2 stream, headers both ways, a deadline timer) cost an idle node more CPU
 * than everything else it does.
 *
 * The stream opens with the first heartbeat and again after it breaks (see CorrelatedStream). A
 * heartbeat the controller never answers (it is cut off, paused or dead) fails with
 * REQUEST_TIMED_OUT like the call it replaces, while the stream stays up for the next; a broken
 * stream fails every heartbeat still waiting on it at once.
 */
import type * as grpc from '@grpc/grpc-js';
import type { BrokerHeartbeatRequest, BrokerHeartbeatResponse } from '../controller/index.js';
import { CorrelatedStream } from './correlated-stream.js';
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

export class HeartbeatStream {
  private readonly stream: CorrelatedStream<WireHeartbeatRequest, WireHeartbeatResponse>;

  constructor(
    open: () => HeartbeatCall,
    private readonly timeoutMs: number,
    /** This node's faults towards the controller (see GrpcControllerClient). */
    private readonly link: PeerLink = OPEN_LINK,
  ) {
    const name = 'controller BrokerHeartbeats stream';
    this.stream = new CorrelatedStream({ open, name, toError: (e) => fromGrpcError(e, name) });
  }

  async heartbeat(request: BrokerHeartbeatRequest): Promise<BrokerHeartbeatResponse> {
    if (!this.link.reachable()) throw fromGrpcError(new Error('peer unreachable (network fault)'), 'controller BrokerHeartbeats');
    const wire = {
      broker_id: request.brokerId,
      broker_epoch: request.brokerEpoch,
      current_metadata_offset: request.currentMetadataOffset,
      want_fence: request.wantFence ?? false,
      want_shutdown: request.wantShutdown ?? false,
    };
    const res = await this.stream.request(wire, this.timeoutMs, 'controller BrokerHeartbeats', (send) => this.link.route(send));
    // A refusal of the heartbeat; NOT_CONTROLLER names the active controller, if known.
    const error = wireError(res, { leaderId: res.leader_id });
    if (error) throw error;
    return {
      isFenced: res.is_fenced,
      isCaughtUp: res.is_caught_up,
      inControlledShutdown: request.wantShutdown ?? false,
      shouldShutdown: res.should_shutdown,
    };
  }

  close(): void {
    this.stream.close('closed');
  }
}
