/**
 * The configuration of one node process: its id and roles, where it listens, the controller
 * quorum, its data directory, and the timing profile with any overrides. The local cluster
 * supervisor writes one such file per node; `brokerlab node --id N --config FILE` reads it, so a
 * cluster can also span hosts.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { applyOverrides, timingProfile, type ProfileName, type TimingConfig } from '../common/config.js';
import { errors } from '../common/errors.js';

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
  /** auto.create.topics.enable: a Metadata or Produce request for an unknown topic creates it. */
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
  /** Any timing or broker setting by its Kafka name (`replica.lag.time.max.ms`) or camelCase name. */
  overrides?: Record<string, string | number | boolean>;
}

/** The node's Kafka wire-protocol listener (broker role only). */
export interface KafkaListenerConfig {
  /** The address to bind; '0.0.0.0' binds every interface. */
  host: string;
  /** 0: bind any free port. */
  port: number;
  /** The host Metadata responses give clients for this broker. */
  advertisedHost: string;
  /** The port Metadata responses give clients; 0: the port actually bound. */
  advertisedPort: number;
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

  const profile = file.profile ?? 'fast';
  const { listenerOverrides, settings } = takeListenerOverrides(file.overrides ?? {});
  const { timing, broker } = splitOverrides(timingProfile(profile), settings);
  for (const key of POSITIVE_BROKER_SETTINGS) {
    if (!Number.isInteger(broker[key]) || broker[key] < 1) fail(`${key} must be a positive integer, got ${broker[key]}`);
  }
  const kafka = resolveKafkaListener(file.listeners ?? listenerOverrides.listeners, file.advertisedListeners ?? listenerOverrides.advertisedListeners);
  if (broker.groupMaxSessionTimeoutMs < broker.groupMinSessionTimeoutMs) fail('groupMaxSessionTimeoutMs must not be below groupMinSessionTimeoutMs');
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
  };
}

/** The override names that set the listeners rather than a timing or broker setting. */
const LISTENER_OVERRIDES: Readonly<Record<string, 'listeners' | 'advertisedListeners'>> = {
  listeners: 'listeners',
  'advertised.listeners': 'advertisedListeners',
  advertisedListeners: 'advertisedListeners',
};

function takeListenerOverrides(overrides: Record<string, string | number | boolean>): {
  listenerOverrides: { listeners?: string; advertisedListeners?: string };
  settings: Record<string, string | number | boolean>;
} {
  const listenerOverrides: { listeners?: string; advertisedListeners?: string } = {};
  const settings: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(overrides)) {
    const field = LISTENER_OVERRIDES[key];
    if (field) listenerOverrides[field] = String(value);
    else settings[key] = value;
  }
  return { listenerOverrides, settings };
}

/** One `NAME://host:port` entry of a listener list. */
interface ListenerEntry {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly text: string;
}

/** Kafka's own shape of an endpoint; the host may be empty, a name, IPv4, or IPv6 in brackets. */
const LISTENER_PATTERN = /^([A-Za-z0-9_]+):\/\/(\[[0-9A-Za-z:.%]*\]|[0-9A-Za-z\-%._]*):([^:]*)$/;
/** Security protocols Kafka has and brokerlab does not. */
const UNSUPPORTED_PROTOCOLS = new Set(['SSL', 'SASL_PLAINTEXT', 'SASL_SSL']);
/** Hosts that mean "every interface": fine to bind, useless to advertise. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::']);

/**
 * The PLAINTEXT entry of a Kafka listener list (`PLAINTEXT://host:port[,...]`). Other listener
 * names are refused rather than ignored: a user who lists SSL expects encryption, and a silently
 * dropped listener would be a port nobody serves.
 */
function plaintextListener(setting: string, value: string): ListenerEntry {
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (entries.length === 0) throw errors.invalidConfig(`${setting} is empty; expected PLAINTEXT://host:port, e.g. PLAINTEXT://127.0.0.1:9092`);
  let found: ListenerEntry | undefined;
  for (const text of entries) {
    const match = LISTENER_PATTERN.exec(text);
    if (!match) throw errors.invalidConfig(`${setting}: "${text}" is not NAME://host:port, e.g. PLAINTEXT://127.0.0.1:9092`);
    const name = match[1]!.toUpperCase();
    const portText = match[3]!;
    if (name !== 'PLAINTEXT') {
      const why = UNSUPPORTED_PROTOCOLS.has(name)
        ? `${name} is not supported: brokerlab serves Kafka clients over PLAINTEXT only (no TLS, no SASL)`
        : `listener ${name} is not supported: only PLAINTEXT is (controllers talk gRPC on the node's port, not on a Kafka listener)`;
      throw errors.invalidConfig(`${setting}: "${text}": ${why}`);
    }
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
      throw errors.invalidConfig(`${setting}: "${text}" has port "${portText}", not a number from 0 to 65535`);
    }
    if (found) throw errors.invalidConfig(`${setting} lists PLAINTEXT twice ("${found.text}", "${text}"); give one`);
    found = { name, host: match[2]!.replace(/^\[(.*)\]$/, '$1'), port: Number(portText), text };
  }
  return found!;
}

/**
 * `listeners` and `advertised.listeners` as Kafka reads them: an empty host binds every interface
 * and advertises this machine's host name; binding 0.0.0.0 needs an advertised host clients can
 * reach; advertised.listeners defaults to listeners.
 */
function resolveKafkaListener(listeners: string | undefined, advertisedListeners: string | undefined): KafkaListenerConfig | undefined {
  if (listeners === undefined) {
    if (advertisedListeners !== undefined) {
      throw errors.invalidConfig('advertised.listeners is set but listeners is not; set listeners too, e.g. PLAINTEXT://0.0.0.0:9092');
    }
    return undefined;
  }
  if (typeof listeners !== 'string') throw errors.invalidConfig('listeners must be a string like PLAINTEXT://127.0.0.1:9092');
  if (advertisedListeners !== undefined && typeof advertisedListeners !== 'string') {
    throw errors.invalidConfig('advertised.listeners must be a string like PLAINTEXT://broker1.example.com:9092');
  }
  const bind = plaintextListener('listeners', listeners);
  const advertised = advertisedListeners !== undefined ? plaintextListener('advertised.listeners', advertisedListeners) : bind;
  if (WILDCARD_HOSTS.has(advertised.host)) {
    const which = advertisedListeners !== undefined ? 'advertised.listeners' : 'listeners';
    throw errors.invalidConfig(
      `${which}: "${advertised.text}" binds every interface, which clients cannot connect to; ` +
        `set advertised.listeners to a host they can reach, e.g. PLAINTEXT://${hostname()}:${bind.port || 9092}`,
    );
  }
  return {
    host: bind.host === '' ? '0.0.0.0' : bind.host,
    port: bind.port,
    // Kafka advertises the machine's canonical host name for an empty host.
    advertisedHost: advertised.host === '' ? hostname() : advertised.host,
    advertisedPort: advertised.port,
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
