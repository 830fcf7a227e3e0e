/**
 * The configuration of one node process: its id and roles, where it listens, the controller
 * quorum, its data directory, and the timing profile with any overrides. The local cluster
 * supervisor writes one such file per node; `brokerlab node --id N --config FILE` reads it, so a
 * cluster can also span hosts.
 */
import { readFileSync } from 'node:fs';
import { applyOverrides, timingProfile, type ProfileName, type TimingConfig } from '../common/config.js';
import { errors } from '../common/errors.js';
import { DEFAULT_DEDUPE_BUFFER_BYTES } from '../log/cleaner/offset-map.js';
import { resolveKafkaListener, takeListenerOverrides, type KafkaListenerConfig } from './kafka-listeners.js';

export type NodeRole = 'controller' | 'broker';

export interface VoterAddress {
  readonly id: number;
  readonly host: string;
  readonly port: number;
}

/** Broker-side defaults for topics and requests, Kafka-named. */
export interface BrokerSettings {
  numPartitions: number;
  defaultReplicationFactor: number;
  minInsyncReplicas: number;
  uncleanLeaderElectionEnable: boolean;
  segmentBytes: number;
  retentionMs: number;
  retentionBytes: number;
  maxMessageBytes: number;
  /** 0 = leave flushing to the OS. */
  flushIntervalMessages: number;
  /** log.cleaner.dedupe.buffer.size: memory for one cleaner pass's key map (a log with more distinct dirty keys is cleaned over several passes). */
  logCleanerDedupeBufferSize: number;
  replicaFetchMaxBytes: number;
  /**
   * offsets.topic.num.partitions: `__consumer_offsets` is created with this many partitions, and a
   * group's coordinator is the leader of partition abs(hash(groupId)) % this. Must not change once
   * the topic exists (groups would be looked up in the wrong partition).
   */
  offsetsTopicNumPartitions: number;
  /** offsets.topic.replication.factor, capped at the number of live brokers when the topic is created. */
  offsetsTopicReplicationFactor: number;
  /** offset.commit.timeout.ms: how long a commit (or a group's new generation) waits for acks=all. */
  offsetCommitTimeoutMs: number;
  /** group.min.session.timeout.ms (see brokerDefaults for its profile-dependent default). */
  groupMinSessionTimeoutMs: number;
  /** group.max.session.timeout.ms */
  groupMaxSessionTimeoutMs: number;
  /** auto.create.topics.enable: a Metadata request naming an unknown topic creates it (clients send one before producing). */
  autoCreateTopicsEnable: boolean;
  /** socket.request.max.bytes: a Kafka request larger than this closes the connection. */
  socketRequestMaxBytes: number;
  /** max.connections: Kafka client connections the node accepts at once. */
  maxConnections: number;
  /**
   * queued.max.requests, applied per connection here (Kafka: per broker): requests read but not
   * yet answered. A connection at the limit is not read from until an answer goes out.
   */
  queuedMaxRequests: number;
  /** queued.max.request.bytes, per connection here (Kafka: per broker, unbounded by default). */
  queuedMaxRequestBytes: number;
}

export const DEFAULT_BROKER_SETTINGS: Readonly<BrokerSettings> = {
  numPartitions: 1,
  defaultReplicationFactor: 3,
  minInsyncReplicas: 1,
  uncleanLeaderElectionEnable: false,
  segmentBytes: 1024 * 1024 * 1024,
  retentionMs: 7 * 24 * 3600 * 1000,
  retentionBytes: -1,
  maxMessageBytes: 1048588,
  flushIntervalMessages: 0,
  logCleanerDedupeBufferSize: DEFAULT_DEDUPE_BUFFER_BYTES,
  replicaFetchMaxBytes: 1024 * 1024,
  // Kafka's default is 50; with replication 3 that is 150 replicas, too many for a laptop cluster.
  offsetsTopicNumPartitions: 10,
  offsetsTopicReplicationFactor: 3,
  offsetCommitTimeoutMs: 5000,
  groupMinSessionTimeoutMs: 6000,
  groupMaxSessionTimeoutMs: 1_800_000,
  autoCreateTopicsEnable: true,
  socketRequestMaxBytes: 104_857_600,
  // Kafka's default is unlimited; a bound keeps a runaway client from exhausting a laptop's sockets.
  maxConnections: 1000,
  queuedMaxRequests: 500,
  queuedMaxRequestBytes: 104_857_600,
};

/** Positive-integer broker settings, checked when a config is resolved. */
const POSITIVE_BROKER_SETTINGS = [
  'numPartitions',
  'defaultReplicationFactor',
  'offsetsTopicNumPartitions',
  'offsetsTopicReplicationFactor',
  'offsetCommitTimeoutMs',
  'groupMinSessionTimeoutMs',
  'socketRequestMaxBytes',
  'maxConnections',
  'queuedMaxRequests',
  'queuedMaxRequestBytes',
  'logCleanerDedupeBufferSize',
] as const satisfies readonly (keyof BrokerSettings)[];

/**
 * The broker defaults under a timing profile: Kafka's group.min.session.timeout.ms (6 s) would
 * refuse the `fast` profile's own group.session.timeout.ms (3 s), so the minimum comes down to it.
 */
function brokerDefaults(timing: TimingConfig): BrokerSettings {
  const groupMinSessionTimeoutMs = Math.min(DEFAULT_BROKER_SETTINGS.groupMinSessionTimeoutMs, timing.groupSessionTimeoutMs);
  return { ...DEFAULT_BROKER_SETTINGS, groupMinSessionTimeoutMs };
}

/** The file format (JSON). Optional fields take defaults. */
export interface NodeConfigFile {
  nodeId: number;
  roles: NodeRole[];
  host?: string;
  port: number;
  advertisedHost?: string;
  advertisedPort?: number;
  voters: VoterAddress[];
  /** Broker-only nodes: they follow the metadata log as Raft learners. */
  learners?: VoterAddress[];
  dataDir: string;
  logFile?: string;
  logLevel?: string;
  profile?: ProfileName;
  /**
   * The Kafka wire-protocol listener, in Kafka's syntax: `PLAINTEXT://127.0.0.1:9092`. An empty
   * host binds every interface; port 0 binds a free port. Broker role only; without it the node
   * serves no Kafka clients. Also accepted as the override `listeners` (this field wins).
   */
  listeners?: string;
  /**
   * What the node tells Kafka clients to connect to (`advertised.listeners`), when that differs
   * from `listeners`; required when `listeners` binds 0.0.0.0. Also accepted as the override
   * `advertised.listeners` (this field wins).
   */
  advertisedListeners?: string;
  /**
   * The HTTP port serving `GET /metrics` (Prometheus text format); 0 binds a free port. Absent:
   * the node serves no metrics.
   */
  metricsPort?: number;
  /** Where the metrics server binds; loopback unless set ('0.0.0.0' for every interface). */
  metricsHost?: string;
  /** Any timing or broker setting by its Kafka name (`replica.lag.time.max.ms`) or camelCase name. */
  overrides?: Record<string, string | number | boolean>;
}

export interface NodeConfig {
  readonly nodeId: number;
  readonly roles: readonly NodeRole[];
  readonly host: string;
  readonly port: number;
  readonly advertisedHost: string;
  readonly advertisedPort: number;
  readonly voters: readonly VoterAddress[];
  readonly learners: readonly VoterAddress[];
  readonly dataDir: string;
  readonly logFile: string | undefined;
  readonly logLevel: string;
  readonly profile: ProfileName;
  readonly timing: Readonly<TimingConfig>;
  readonly broker: Readonly<BrokerSettings>;
  /** Undefined when the node is not a broker or has no `listeners`. */
  readonly kafka: Readonly<KafkaListenerConfig> | undefined;
  /** The Prometheus metrics endpoint; undefined when the config names no `metricsPort`. */
  readonly metrics: Readonly<{ host: string; port: number }> | undefined;
}

export function hasRole(config: Pick<NodeConfig, 'roles'>, role: NodeRole): boolean {
  return config.roles.includes(role);
}

export function loadNodeConfig(path: string): NodeConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw errors.invalidConfig(`cannot read node config ${path}: ${(e as Error).message}`);
  }
  return resolveNodeConfig(raw as NodeConfigFile);
}

/** Validates a config file's contents and fills defaults; throws INVALID_CONFIG naming the problem. */
export function resolveNodeConfig(file: NodeConfigFile): NodeConfig {
  const fail = (msg: string): never => {
    throw errors.invalidConfig(msg);
  };
  if (!file || typeof file !== 'object') fail('node config must be a JSON object');
  if (!Number.isInteger(file.nodeId) || file.nodeId <= 0) fail(`nodeId must be a positive integer, got ${file.nodeId}`);
  if (!Array.isArray(file.roles) || file.roles.length === 0) fail('roles must list "controller" and/or "broker"');
  for (const r of file.roles) if (r !== 'controller' && r !== 'broker') fail(`unknown role "${r}"`);
  if (!isPort(file.port)) fail(`port must be 1..65535, got ${file.port}`);
  if (!Array.isArray(file.voters) || file.voters.length === 0) fail('voters must list the controller quorum');
  for (const v of file.voters) {
    if (!Number.isInteger(v.id) || v.id <= 0 || typeof v.host !== 'string' || !isPort(v.port)) {
      fail(`bad voter entry ${JSON.stringify(v)}`);
    }
  }
  const learners = file.learners ?? [];
  if (!Array.isArray(learners)) fail('learners must be a list of broker-only nodes');
  for (const l of learners) {
    if (!Number.isInteger(l.id) || l.id <= 0 || typeof l.host !== 'string' || !isPort(l.port)) {
      fail(`bad learner entry ${JSON.stringify(l)}`);
    }
  }
  const ids = [...file.voters, ...learners].map((v) => v.id);
  if (new Set(ids).size !== ids.length) fail('voter and learner ids must be unique');
  const isVoter = file.voters.some((v) => v.id === file.nodeId);
  if (file.roles.includes('controller') !== isVoter) {
    fail(`node ${file.nodeId} must be in voters exactly when it has the controller role`);
  }
  if (!isVoter && !learners.some((l) => l.id === file.nodeId)) {
    fail(`broker-only node ${file.nodeId} must be listed in learners`);
  }
  if (typeof file.dataDir !== 'string' || file.dataDir === '') fail('dataDir is required');
  if (file.metricsPort !== undefined && !(file.metricsPort === 0 || isPort(file.metricsPort))) fail(`metricsPort must be 0..65535, got ${file.metricsPort}`);
  if (file.metricsHost !== undefined && (typeof file.metricsHost !== 'string' || file.metricsHost === '')) fail('metricsHost must be a host name or address');

  const profile = file.profile ?? 'fast';
  const { listenerOverrides, settings } = takeListenerOverrides(file.overrides ?? {});
  const { timing, broker } = splitOverrides(timingProfile(profile), settings);
  for (const key of POSITIVE_BROKER_SETTINGS) {
    if (!Number.isInteger(broker[key]) || broker[key] < 1) fail(`${key} must be a positive integer, got ${broker[key]}`);
  }
  const kafka = resolveKafkaListener(file.listeners ?? listenerOverrides.listeners, file.advertisedListeners ?? listenerOverrides.advertisedListeners);
  if (broker.groupMaxSessionTimeoutMs < broker.groupMinSessionTimeoutMs) fail('groupMaxSessionTimeoutMs must not be below groupMinSessionTimeoutMs');
  // Kafka's own rule: a follower must wait at least its long poll for an answer.
  if (timing.replicaSocketTimeoutMs < timing.replicaFetchWaitMaxMs) fail('replica.socket.timeout.ms must not be below replica.fetch.wait.max.ms');
  const host = file.host ?? '127.0.0.1';
  return {
    nodeId: file.nodeId,
    roles: [...file.roles],
    host,
    port: file.port,
    advertisedHost: file.advertisedHost ?? host,
    advertisedPort: file.advertisedPort ?? file.port,
    voters: file.voters.map((v) => ({ ...v })),
    learners: learners.map((l) => ({ ...l })),
    dataDir: file.dataDir,
    logFile: file.logFile,
    logLevel: file.logLevel ?? 'info',
    profile,
    timing,
    broker,
    kafka: file.roles.includes('broker') ? kafka : undefined,
    metrics: file.metricsPort !== undefined ? { host: file.metricsHost ?? '127.0.0.1', port: file.metricsPort } : undefined,
  };
}

/** Sends each override to the timing or broker settings, whichever knows the name. */
function splitOverrides(
  timing: TimingConfig,
  overrides: Record<string, string | number | boolean>,
): { timing: TimingConfig; broker: BrokerSettings } {
  const timingOverrides: Record<string, string | number | boolean> = {};
  const brokerOverrides: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(overrides)) {
    const camel = key.replace(/\.([a-z])/g, (_, c: string) => c.toUpperCase());
    if (camel in timing) timingOverrides[key] = value;
    else if (camel in DEFAULT_BROKER_SETTINGS) brokerOverrides[key] = value;
    else throw errors.invalidConfig(`unknown setting "${key}"`);
  }
  const resolvedTiming = applyOverrides(timing, timingOverrides);
  return { timing: resolvedTiming, broker: applyOverrides(brokerDefaults(resolvedTiming), brokerOverrides) };
}

function isPort(p: unknown): boolean {
  return Number.isInteger(p) && (p as number) > 0 && (p as number) < 65536;
}
