/**
 * What a new cluster looks like before anything runs: node ids and roles, ports, and every node's
 * config file. All user input is validated here, so a bad flag fails before a process starts.
 */
import { BrokerError } from '../src/common/errors.js';
import type { ProfileName } from '../src/common/config.js';
import { resolveNodeConfig, type NodeConfigFile, type NodeRole, type VoterAddress } from '../src/node/config.js';
import { LOOPBACK } from './ports.js';

/** More nodes than this on one machine is a mistake, not a test. */
export const MAX_NODES = 64;

export class InvalidClusterOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidClusterOptionError';
  }
}

export interface TopologyOptions {
  /** Every node is controller and broker. */
  nodes?: number;
  /** With `brokers`: ids 1..controllers are controllers only, the next `brokers` ids brokers only. */
  controllers?: number;
  brokers?: number;
}

export interface PlannedNode {
  id: number;
  roles: NodeRole[];
}

export const DEFAULT_NODE_COUNT = 3;

export function planTopology(options: TopologyOptions): PlannedNode[] {
  const { nodes, controllers, brokers } = options;
  const split = controllers !== undefined || brokers !== undefined;
  if (split && nodes !== undefined) {
    throw new InvalidClusterOptionError('use either --nodes or --controllers with --brokers, not both');
  }
  if (split) {
    if (controllers === undefined || brokers === undefined) {
      throw new InvalidClusterOptionError('--controllers and --brokers go together');
    }
    checkCount('--controllers', controllers);
    checkCount('--brokers', brokers);
    checkCount('--controllers plus --brokers', controllers + brokers);
    return [
      ...range(1, controllers).map((id) => ({ id, roles: ['controller'] as NodeRole[] })),
      ...range(controllers + 1, brokers).map((id) => ({ id, roles: ['broker'] as NodeRole[] })),
    ];
  }
  const count = nodes ?? DEFAULT_NODE_COUNT;
  checkCount('--nodes', count);
  return range(1, count).map((id) => ({ id, roles: ['controller', 'broker'] as NodeRole[] }));
}

function checkCount(flag: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > MAX_NODES) {
    throw new InvalidClusterOptionError(`${flag} must be an integer from 1 to ${MAX_NODES}, got ${value}`);
  }
}

function range(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => first + i);
}

/** Parses `key=value` assignments (repeatable --config) into an override map. */
export function parseConfigAssignments(assignments: readonly string[]): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new InvalidClusterOptionError(`--config expects key=value, got "${assignment}"`);
    overrides[assignment.slice(0, eq).trim()] = assignment.slice(eq + 1).trim();
  }
  return overrides;
}

export interface NodeConfigInputs {
  node: PlannedNode;
  port: number;
  /** The broker's Kafka listener port on loopback; absent for controller-only nodes. */
  kafkaPort?: number;
  /** The node's Prometheus `/metrics` port on loopback. */
  metricsPort?: number;
  voters: VoterAddress[];
  /** Broker-only nodes, which follow the metadata log as Raft learners. */
  learners: VoterAddress[];
  dataDir: string;
  logFile: string;
  profile: ProfileName;
  overrides: Record<string, string>;
  logLevel?: string;
}

export function nodeConfigFile(inputs: NodeConfigInputs): NodeConfigFile {
  const file: NodeConfigFile & { learners?: VoterAddress[] } = {
    nodeId: inputs.node.id,
    roles: [...inputs.node.roles],
    host: LOOPBACK,
    port: inputs.port,
    voters: inputs.voters,
    dataDir: inputs.dataDir,
    logFile: inputs.logFile,
    profile: inputs.profile,
    overrides: { ...inputs.overrides },
  };
  if (inputs.kafkaPort !== undefined) file.listeners = kafkaListener(inputs.kafkaPort);
  if (inputs.metricsPort !== undefined) file.metricsPort = inputs.metricsPort;
  if (inputs.learners.length > 0) file.learners = inputs.learners;
  if (inputs.logLevel !== undefined) file.logLevel = inputs.logLevel;
  return file;
}

/** The `listeners` value of a local broker. */
export function kafkaListener(port: number): string {
  return `PLAINTEXT://${LOOPBACK}:${port}`;
}

export function votersOf(nodes: readonly PlannedNode[], portOf: (id: number) => number): VoterAddress[] {
  return nodes.filter((n) => n.roles.includes('controller')).map((n) => ({ id: n.id, host: LOOPBACK, port: portOf(n.id) }));
}

export function learnersOf(nodes: readonly PlannedNode[], portOf: (id: number) => number): VoterAddress[] {
  return nodes.filter((n) => !n.roles.includes('controller')).map((n) => ({ id: n.id, host: LOOPBACK, port: portOf(n.id) }));
}

/**
 * Checks the profile and every override the way a node will, using a throwaway config, so an
 * unknown key or a badly typed value is reported before anything starts.
 */
export function validateSettings(profile: string, overrides: Record<string, string>): ProfileName {
  if (profile !== 'fast' && profile !== 'kafka') {
    throw new InvalidClusterOptionError(`--profile must be fast or kafka, got "${profile}"`);
  }
  try {
    resolveNodeConfig({
      nodeId: 1,
      roles: ['controller', 'broker'],
      port: 1,
      voters: [{ id: 1, host: LOOPBACK, port: 1 }],
      dataDir: '.',
      // As every local broker has one, so an advertised.listeners override is checked against it.
      listeners: kafkaListener(0),
      profile,
      overrides,
    });
  } catch (e) {
    if (e instanceof BrokerError) throw new InvalidClusterOptionError(`invalid --config: ${withoutErrorName(e)}`);
    throw e;
  }
  return profile;
}

/**
 * `listeners` and `advertised.listeners` name one node's address, while a local cluster gives each
 * broker its own listener (PLAINTEXT://127.0.0.1:<its Kafka port>). So a `listeners` override is
 * refused (the node's own field would win and it would silently do nothing), and
 * `advertised.listeners` only with a single broker (one reached through a container or NAT, say).
 */
export function checkListenerOverrides(overrides: Readonly<Record<string, string>>, brokerCount: number): void {
  if ('listeners' in overrides) {
    throw new InvalidClusterOptionError(
      '--config listeners does not apply to a local cluster: each broker listens on PLAINTEXT://127.0.0.1:<its own port>; choose the ports with --kafka-port-base',
    );
  }
  const advertised = ['advertised.listeners', 'advertisedListeners'].find((k) => k in overrides);
  if (advertised && brokerCount > 1) {
    throw new InvalidClusterOptionError(
      `--config ${advertised} would advertise one address for all ${brokerCount} brokers; it only works with a single broker (--nodes 1)`,
    );
  }
}

/** "INVALID_CONFIG: unknown setting "x"" -> "unknown setting "x"". */
export function withoutErrorName(e: BrokerError): string {
  const prefix = `${e.kafkaName}: `;
  return e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
}
