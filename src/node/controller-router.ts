/**
 * Sends a broker's controller requests to the active controller: this node's own when it is the
 * one, otherwise the node the metadata quorum names as leader. A NOT_CONTROLLER answer carrying a
 * newer leader hint is retried once there; anything else goes back to the caller, who retries on
 * its own schedule (every caller here runs on a bounded timer).
 */
import { errors, isBrokerError } from '../common/errors.js';
import { NONE, type NodeId } from '../raft/types.js';
import type { ControllerApi } from './controller-api.js';

export interface ControllerRouterOptions {
  nodeId: NodeId;
  /** The local active controller, when this node has the controller role. */
  local?: ControllerApi & { isActive(): boolean };
  /** The metadata quorum's current leader as this node sees it. */
  leader: () => NodeId;
  /** A channel to another node's controller service. */
  remote: (nodeId: NodeId) => ControllerApi;
}

type Method = keyof ControllerApi;

export class ControllerRouter implements ControllerApi {
  constructor(private readonly options: ControllerRouterOptions) {}

  registerBroker: ControllerApi['registerBroker'] = (request) => this.call('registerBroker', request);
  heartbeat: ControllerApi['heartbeat'] = (request) => this.call('heartbeat', request);
  alterPartition: ControllerApi['alterPartition'] = (request) => this.call('alterPartition', request);
  createTopics: ControllerApi['createTopics'] = (requests) => this.call('createTopics', requests);
  createPartitions: ControllerApi['createPartitions'] = (requests) => this.call('createPartitions', requests);
  deleteTopics: ControllerApi['deleteTopics'] = (targets) => this.call('deleteTopics', targets);
  alterConfigs: ControllerApi['alterConfigs'] = (requests) => this.call('alterConfigs', requests);
  allocateProducerIds: ControllerApi['allocateProducerIds'] = (request) => this.call('allocateProducerIds', request);

  /** The node requests go to now, or NONE. */
  target(): NodeId {
    const { local, nodeId, leader } = this.options;
    return local?.isActive() ? nodeId : leader();
  }

  private async call<M extends Method>(method: M, arg: Parameters<ControllerApi[M]>[0]): Promise<Awaited<ReturnType<ControllerApi[M]>>> {
    const first = this.target();
    try {
      return await this.invoke(first, method, arg);
    } catch (e) {
      const hint = isBrokerError(e, 'NOT_CONTROLLER') ? Number(e.details['leaderId'] ?? NONE) : NONE;
      if (hint === NONE || hint === first) throw e;
      return this.invoke(hint, method, arg);
    }
  }

  private invoke<M extends Method>(target: NodeId, method: M, arg: Parameters<ControllerApi[M]>[0]): Promise<Awaited<ReturnType<ControllerApi[M]>>> {
    if (target === NONE) return Promise.reject(errors.notController('no active controller is known yet', { leaderId: NONE }));
    const api = target === this.options.nodeId && this.options.local ? this.options.local : this.options.remote(target);
    const fn = api[method] as (a: typeof arg) => Promise<Awaited<ReturnType<ControllerApi[M]>>>;
    return fn.call(api, arg);
  }
}
