/**
 * The shapes of simulated clusters and the node configurations they get: the same configs a real
 * node reads from its file (timing profile `fast`), with fake addresses nobody dials.
 */
import { resolveNodeConfig, type NodeConfig, type NodeRole, type VoterAddress } from '../../node/config.js';

export type TopologyName =
  /** Three nodes, each a controller (Raft voter) and a broker: Kafka's combined mode. */
  | 'combined-3'
  /** Three combined nodes plus two broker-only nodes following the metadata log as Raft learners. */
  | 'combined-3+brokers-2'
  /** Three controller-only voters and three broker-only learners: separate roles. */
  | 'controllers-3+brokers-3';

export const TOPOLOGIES: readonly TopologyName[] = ['combined-3', 'combined-3+brokers-2', 'controllers-3+brokers-3'];

export interface NodeSpec {
  readonly id: number;
  readonly roles: readonly NodeRole[];
}

export function topologyNodes(name: TopologyName): NodeSpec[] {
  const combined = (id: number): NodeSpec => ({ id, roles: ['controller', 'broker'] });
  const controller = (id: number): NodeSpec => ({ id, roles: ['controller'] });
  const broker = (id: number): NodeSpec => ({ id, roles: ['broker'] });
  switch (name) {
    case 'combined-3':
      return [combined(1), combined(2), combined(3)];
    case 'combined-3+brokers-2':
      return [combined(1), combined(2), combined(3), broker(4), broker(5)];
    case 'controllers-3+brokers-3':
      return [controller(1), controller(2), controller(3), broker(4), broker(5), broker(6)];
  }
}

/** Ids of the nodes that host replicas. */
export function brokerIds(nodes: readonly NodeSpec[]): number[] {
  return nodes.filter((n) => n.roles.includes('broker')).map((n) => n.id);
}

export function controllerIds(nodes: readonly NodeSpec[]): number[] {
  return nodes.filter((n) => n.roles.includes('controller')).map((n) => n.id);
}

/** Every node's config; `overrides` are Kafka-named settings applied to all of them. */
export function nodeConfigs(nodes: readonly NodeSpec[], overrides: Record<string, string | number | boolean>): Map<number, NodeConfig> {
  const address = (n: NodeSpec): VoterAddress => ({ id: n.id, host: `node-${n.id}.sim`, port: 9000 + n.id });
  const voters = nodes.filter((n) => n.roles.includes('controller')).map(address);
  const learners = nodes.filter((n) => !n.roles.includes('controller')).map(address);
  return new Map(
    nodes.map((n) => [
      n.id,
      resolveNodeConfig({
        nodeId: n.id,
        roles: [...n.roles],
        host: address(n).host,
        port: address(n).port,
        voters,
        learners,
        dataDir: `/sim/node-${n.id}`,
        profile: 'fast',
        logLevel: 'silent',
        overrides,
      }),
    ]),
  );
}
