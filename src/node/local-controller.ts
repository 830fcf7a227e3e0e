/**
 * The ControllerApi the node's Controller service answers with. The service is registered before
 * the port opens, and the port opens before the node's runtime (and its controller) exists, since
 * Raft needs the port to elect anyone. Until then every call fails with a retriable NOT_CONTROLLER
 * naming no leader, which peers treat like any other node that is not the active controller.
 */
import { errors } from '../common/errors.js';
import type { ControllerApi } from './controller-api.js';

export function localController(host: () => ControllerApi | undefined): ControllerApi {
  const on = <T>(call: (controller: ControllerApi) => Promise<T>): Promise<T> => {
    const controller = host();
    return controller ? call(controller) : Promise.reject(errors.notController('node is starting', { leaderId: 0 }));
  };
  return {
    registerBroker: (request) => on((c) => c.registerBroker(request)),
    heartbeat: (request) => on((c) => c.heartbeat(request)),
    alterPartition: (request) => on((c) => c.alterPartition(request)),
    createTopics: (requests) => on((c) => c.createTopics(requests)),
    createPartitions: (requests) => on((c) => c.createPartitions(requests)),
    deleteTopics: (targets) => on((c) => c.deleteTopics(targets)),
    alterConfigs: (requests) => on((c) => c.alterConfigs(requests)),
    allocateProducerIds: (request) => on((c) => c.allocateProducerIds(request)),
  };
}
