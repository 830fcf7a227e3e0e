/**
 * What one simulated node uses to reach the others, over the virtual network: its Raft transport,
 * its channel to another node's controller service, and its replica fetch sessions. They mirror
 * the gRPC adapters a real node uses, deadlines included.
 */
import type { Clock } from '../../common/clock.js';
import { errors } from '../../common/errors.js';
import type { ReplicaFetchRequest, ReplicaFetchResponse, ReplicaFetchSession } from '../../broker/index.js';
import type { ControllerApi } from '../../node/controller-api.js';
import type { Message, RaftTransport } from '../../raft/types.js';
import type { SimNetwork } from '../network.js';
import type { Host } from '../host.js';

/** The services a node offers to the others (and to clients), as the network delivers calls. */
export interface NodeServices {
  deliverRaft(message: Message): void;
  serveController<M extends keyof ControllerApi>(method: M, arg: Parameters<ControllerApi[M]>[0]): Promise<Awaited<ReturnType<ControllerApi[M]>>>;
  serveReplicaFetch(request: ReplicaFetchRequest): Promise<ReplicaFetchResponse>;
}

export interface NodeDirectory {
  services(nodeId: number): NodeServices | undefined;
}

/** Where a channel is used from: the calling node and its clock. */
export interface ChannelOwner {
  readonly host: Host;
  readonly clock: Clock;
  readonly network: SimNetwork;
  readonly directory: NodeDirectory;
  readonly requestTimeoutMs: number;
}

/** Raft messages go one way, may be lost, duplicated and reordered. */
export class SimRaftTransport implements RaftTransport {
  private handler: ((message: Message) => void) | undefined;

  constructor(private readonly owner: ChannelOwner) {}

  send(message: Message): void {
    const { network, directory, host } = this.owner;
    network.send(host.id, message.to, () => directory.services(message.to)?.deliverRaft(message), { duplicable: true });
  }

  onMessage(handler: (message: Message) => void): void {
    this.handler = handler;
  }

  /** A message arrived for this incarnation. */
  receive(message: Message): void {
    this.handler?.(message);
  }
}

/** Another node's controller service, reached by calls with the request deadline of a gRPC client. */
export function remoteController(owner: ChannelOwner, target: number): ControllerApi {
  const call = <M extends keyof ControllerApi>(method: M) =>
    ((arg: Parameters<ControllerApi[M]>[0]) =>
      owner.network.call({ from: owner.host, fromClock: owner.clock, to: target, timeoutMs: owner.requestTimeoutMs, what: `controller ${method}` }, () => {
        const services = owner.directory.services(target);
        if (!services) return Promise.reject(errors.notController(`no node ${target}`, { leaderId: 0 }));
        return services.serveController(method, arg);
      })) as ControllerApi[M];
  return {
    registerBroker: call('registerBroker'),
    heartbeat: call('heartbeat'),
    alterPartition: call('alterPartition'),
    createTopics: call('createTopics'),
    createPartitions: call('createPartitions'),
    deleteTopics: call('deleteTopics'),
    alterConfigs: call('alterConfigs'),
    allocateProducerIds: call('allocateProducerIds'),
  };
}

/** A follower's fetch channel to one leader; like the gRPC stream, a fetch unanswered within its long poll plus the request timeout fails. */
export class SimFetchSession implements ReplicaFetchSession {
  private closed = false;
  private readonly pending = new Set<(error: Error) => void>();

  constructor(
    private readonly owner: ChannelOwner,
    private readonly leaderId: number,
  ) {}

  fetch(request: ReplicaFetchRequest): Promise<ReplicaFetchResponse> {
    if (this.closed) return Promise.reject(errors.networkException('fetch session closed'));
    const { network, host, clock, directory, requestTimeoutMs } = this.owner;
    const leaderId = this.leaderId;
    const answer = network.call({ from: host, fromClock: clock, to: leaderId, timeoutMs: request.maxWaitMs + requestTimeoutMs, what: 'replica fetch' }, () => {
      const services = directory.services(leaderId);
      if (!services) return Promise.reject(errors.notLeaderOrFollower(`no node ${leaderId}`));
      return services.serveReplicaFetch(request);
    });
    return new Promise<ReplicaFetchResponse>((resolve, reject) => {
      this.pending.add(reject);
      answer.then(
        (response) => {
          if (this.pending.delete(reject)) resolve(response);
        },
        (error: unknown) => {
          if (this.pending.delete(reject)) reject(error);
        },
      );
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const waiting = [...this.pending];
    this.pending.clear();
    for (const reject of waiting) reject(errors.networkException('fetch session closed'));
  }
}
