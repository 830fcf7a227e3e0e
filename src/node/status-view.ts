/** What a node reports on the admin Status call: its Raft view, its broker state, its replicas. */
import type { NodeStatusView } from '../net/admin-service.js';
import { hasRole, type NodeConfig } from './config.js';
import type { NodeRuntime } from './node-runtime.js';

/** The status of a running node. */
export function statusOf(node: NodeRuntime, config: NodeConfig): NodeStatusView {
  const raft = node.driver.status();
  const broker = node.brokerHost?.status();
  return {
    nodeId: config.nodeId,
    roles: config.roles,
    pid: process.pid,
    uptimeMs: node.uptimeMs(),
    raft: { ...raft, voter: hasRole(config, 'controller') },
    ...(broker
      ? {
          broker: {
            registered: broker.registered,
            fenced: broker.fenced,
            brokerEpoch: broker.brokerEpoch,
            inControlledShutdown: broker.state === 'shutting-down',
            replicas: node.replicaManager?.status() ?? [],
          },
        }
      : {}),
    activeController: raft.leader,
    metadataOffset: node.publisher.appliedIndex(),
  };
}

/** The status of a node whose port is open but whose runtime has not started yet. */
export function startingStatus(config: NodeConfig): NodeStatusView {
  return {
    nodeId: config.nodeId,
    roles: config.roles,
    pid: process.pid,
    uptimeMs: 0,
    raft: { role: 'follower', term: 0, leader: 0, commitIndex: 0, lastIndex: 0, appliedIndex: 0, voter: hasRole(config, 'controller') },
    activeController: 0,
    metadataOffset: 0,
  };
}
