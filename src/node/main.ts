#!/usr/bin/env node
/**
 * The node process: `node dist/src/node/main.js --config FILE`. Builds one node from its config
 * with real adapters (gRPC on one port for every service, files for the metadata log and the
 * partition logs, the system clock), and stops it cleanly on SIGTERM or SIGINT: a controlled
 * shutdown that moves leaderships away first.
 */
import { randomUUID } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { systemClock } from '../common/clock.js';
import { errors } from '../common/errors.js';
import { createLogger, type Logger } from '../common/logger.js';
import { systemRandom } from '../common/random.js';
import { ClientFront } from '../broker/client-front.js';
import { IdempotentLog } from '../broker/producer-state/index.js';
import { KafkaListener } from '../kafka/listener.js';
import { deletePartitionLog, FileStorage, openPartitionLog, partitionLogDir } from '../log/index.js';
import { EMPTY_IMAGE, topicByName, topicConfig, type MetadataImage } from '../metadata/index.js';
import { addAdminService, type NodeStatusView } from '../net/admin-service.js';
import { addClientService } from '../net/client-service.js';
import { addControllerService, GrpcControllerClient } from '../net/controller-service.js';
import { addGroupService } from '../net/group-service.js';
import { faultyTransport, NetworkFaults } from '../net/faults.js';
import { bindServer, createServer, stopServer } from '../net/grpc.js';
import { GrpcRaftTransport } from '../net/raft-transport.js';
import { addReplicationService, GrpcFetchSession } from '../net/replication-service.js';
import { FileRaftStorage } from '../raft/storage/index.js';
import { clusterIdOf } from './cluster-id.js';
import { hasRole, loadNodeConfig, type NodeConfig } from './config.js';
import type { KafkaListenerConfig } from './kafka-listeners.js';
import type { ControllerApi } from './controller-api.js';
import { NodeRuntime } from './node-runtime.js';
import { waitForImage } from './wait-for-image.js';

export interface RunningNode {
  readonly runtime: NodeRuntime;
  readonly port: number;
  /** The Kafka listener's port, on brokers that open one. */
  readonly kafkaPort?: number;
  /** Controlled shutdown (or immediate with `controlled: false`), then the server stops. */
  stop(controlled?: boolean): Promise<void>;
}

/** Starts a node in this process. */
export async function runNode(config: NodeConfig, logger: Logger = createLogger({ node: config.nodeId, level: config.logLevel, ...(config.logFile ? { destination: config.logFile } : {}) })): Promise<RunningNode> {
  const clock = systemClock;
  const faults = new NetworkFaults(clock);
  const blocked = (peer: number): boolean => {
    const spec = faults.spec();
    return spec.isolate || spec.peers.some((p) => p.nodeId === peer && p.drop);
  };
  const addresses = new Map<number, string>([...config.voters, ...config.learners].map((v) => [v.id, `${v.host}:${v.port}`]));
  const peers = new Map([...addresses].filter(([id]) => id !== config.nodeId));

  const grpcTransport = new GrpcRaftTransport({ id: config.nodeId, peers, logger: logger.child({ component: 'raft-transport' }) });
  const logStorage = new FileStorage();
  const logsDir = join(config.dataDir, 'logs');
  let runtime: NodeRuntime | undefined;
  const controllerClients = new Map<number, GrpcControllerClient>();

  // Every service is registered before the port opens; until the node is up they answer with
  // retriable errors (no controller known, not a leader yet) rather than UNIMPLEMENTED.
  const server = createServer();
  grpcTransport.addTo(server);
  const notReady = (): never => {
    throw errors.notController('node is starting', { leaderId: 0 });
  };
  const controllerApi: ControllerApi = lateBound(() => runtime?.controllerHost ?? notReady());
  if (hasRole(config, 'controller')) addControllerService(server, controllerApi, (peer) => !blocked(peer));
  if (hasRole(config, 'broker')) {
    addReplicationService(server, () => runtime?.replicaManager && runtime.replicaManager.handleReplicaFetch.bind(runtime.replicaManager), (replicaId) => !blocked(replicaId));
  }
  const front = new ClientFront({
    image: () => runtime?.publisher.image() ?? EMPTY_IMAGE,
    controllerId: () => runtime?.driver.leader() || -1,
    createTopics: (requests) => (runtime?.controller ?? notReady()).createTopics(requests),
    deleteTopics: (targets) => (runtime?.controller ?? notReady()).deleteTopics(targets),
    createPartitions: (requests) => (runtime?.controller ?? notReady()).createPartitions(requests),
    replicaManager: () => runtime?.replicaManager,
    waitForImage: (predicate, timeoutMs) => (runtime ? waitForImage(runtime.publisher, clock, predicate, timeoutMs) : Promise.resolve()),
    initProducerId: () => runtime?.producerIds?.initProducerId() ?? Promise.reject(errors.coordinatorNotAvailable('broker is starting')),
    findCoordinator: async (groupId) => (await (runtime?.coordinatorLookup ?? notCoordinating()).find(groupId)).nodeId,
    groupCoordinator: () => runtime?.groups?.coordinator,
    settings: () => config.broker,
    logger,
  });
  addClientService(server, front, logger);
  addGroupService(server, {
    findCoordinator: (groupId) => runtime?.coordinatorLookup.find(groupId) ?? Promise.reject(errors.coordinatorNotAvailable('node is starting')),
    coordinator: () => runtime?.groups?.coordinator,
    logger: logger.child({ component: 'group-service' }),
  });
  let stopRequested = false;
  addAdminService(server, {
    status: () => (runtime ? statusOf(runtime, config) : startingStatus(config)),
    faults,
    shutdown: () => {
      stopRequested = true;
      void running?.stop(true);
    },
  });
  const port = await bindServer(server, config.host, config.port);
  const kafka = hasRole(config, 'broker') && config.kafka ? await startKafkaListener(config, config.kafka, front, () => runtime?.publisher.image() ?? EMPTY_IMAGE, logger) : undefined;
  let running: RunningNode | undefined;

  runtime = await NodeRuntime.start({
    config,
    clock,
    random: systemRandom,
    logger,
    incarnationId: randomUUID(),
    ...(kafka && config.kafka ? { kafkaEndpoint: { host: config.kafka.advertisedHost, port: config.kafka.advertisedPort || kafka.port } } : {}),
    raftStorage: new FileRaftStorage(join(config.dataDir, 'metadata'), { logger: logger.child({ component: 'raft-storage' }) }),
    raftTransport: faultyTransport(grpcTransport, faults),
    openLog: (topic, partition) => {
      const t = runtime && topicByName(runtime.publisher.image(), topic);
      const tc = t ? topicConfig(t) : undefined;
      const log = openPartitionLog({
        storage: logStorage,
        dataDir: logsDir,
        topic,
        partition,
        clock,
        logger: logger.child({ component: 'log' }),
        config: {
          ...(tc ? { segmentBytes: tc.segmentBytes, retentionMs: tc.retentionMs, retentionBytes: tc.retentionBytes, maxMessageBytes: tc.maxMessageBytes } : {}),
          ...(config.broker.flushIntervalMessages > 0 ? { flushIntervalMessages: config.broker.flushIntervalMessages } : {}),
        },
      });
      // Producer state snapshots live beside the segments, as in Kafka.
      return new IdempotentLog(log, { clock, snapshots: { storage: logStorage, dir: partitionLogDir(logsDir, topic, partition) }, logger: logger.child({ component: 'producer-state', topic, partition }) });
    },
    deleteLog: (log) => {
      log.close();
      deletePartitionLog(logStorage, logsDir, log.topic, log.partition);
    },
    remoteController: (nodeId) => {
      let client = controllerClients.get(nodeId);
      if (!client) {
        const address = addresses.get(nodeId);
        if (!address) throw errors.notController(`no address for controller ${nodeId}`, { leaderId: 0 });
        client = new GrpcControllerClient(address, config.timing.requestTimeoutMs, () => !blocked(nodeId));
        controllerClients.set(nodeId, client);
      }
      return client;
    },
    openFetchSession: (leaderId) =>
      new GrpcFetchSession({
        address: addresses.get(leaderId) ?? '127.0.0.1:1',
        clock,
        requestTimeoutMs: config.timing.requestTimeoutMs,
        reachable: () => !blocked(leaderId),
        route: (send) => faults.route(leaderId, send),
        logger: logger.child({ component: 'fetcher', leader: leaderId }),
      }),
  });
  const node = runtime;
  let stopping: Promise<void> | undefined;
  const stop = (controlled = true): Promise<void> =>
    (stopping ??= (async () => {
      await node.shutdown(controlled);
      await kafka?.close();
      await stopServer(server, 500);
      for (const c of controllerClients.values()) c.close();
      grpcTransport.close();
    })());
  running = { runtime: node, port, ...(kafka ? { kafkaPort: kafka.port } : {}), stop };
  if (stopRequested) void stop(true);
  logger.info({ port, kafkaPort: kafka?.port, dataDir: config.dataDir, profile: config.profile }, 'node listening');
  return running;
}

/** Opens the Kafka listener; brokers without a Kafka endpoint registered are left out of its answers. */
function startKafkaListener(config: NodeConfig, listener: KafkaListenerConfig, front: ClientFront, image: () => MetadataImage, logger: Logger): Promise<KafkaListener> {
  return KafkaListener.start({
    host: listener.host,
    port: listener.port,
    maxConnections: config.broker.maxConnections,
    maxRequestBytes: config.broker.socketRequestMaxBytes,
    maxQueuedRequests: config.broker.queuedMaxRequests,
    maxQueuedBytes: config.broker.queuedMaxRequestBytes,
    logger,
    broker: {
      front,
      nodeId: config.nodeId,
      clusterId: clusterIdOf(config),
      logger,
      kafkaEndpoint: (brokerId) => image().brokers.get(brokerId)?.kafkaEndpoint,
    },
  });
}

function notCoordinating(): never {
  throw errors.coordinatorNotAvailable('node is starting');
}

function statusOf(node: NodeRuntime, config: NodeConfig): NodeStatusView {
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

function startingStatus(config: NodeConfig): NodeStatusView {
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

/** An object whose methods call through to whatever `target()` returns at call time. */
function lateBound<T extends object>(target: () => T): T {
  return new Proxy({} as T, {
    get: (_, key) => {
      const value = (target() as Record<string | symbol, unknown>)[key];
      return typeof value === 'function' ? value.bind(target()) : value;
    },
  });
}

function parseArgs(argv: readonly string[]): { configPath: string } {
  const i = argv.indexOf('--config');
  const configPath = i >= 0 ? argv[i + 1] : undefined;
  if (!configPath) {
    process.stderr.write('usage: node dist/src/node/main.js --config FILE\n');
    process.exit(2);
  }
  return { configPath };
}

async function main(): Promise<void> {
  const { configPath } = parseArgs(process.argv.slice(2));
  let config: NodeConfig;
  try {
    config = loadNodeConfig(configPath);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
  const logger = createLogger({ node: config.nodeId, level: config.logLevel, ...(config.logFile ? { destination: config.logFile } : {}) });
  process.on('uncaughtException', (e) => {
    logger.fatal({ err: e }, 'uncaught exception; exiting');
    logger.flush();
    process.exit(1);
  });
  const node = await runNode(config, logger);
  node.runtime.driver.onFatal((e) => {
    logger.fatal({ err: e }, 'metadata log failed; exiting');
    logger.flush();
    process.exit(1);
  });
  let signals = 0;
  const onSignal = (signal: string): void => {
    if (++signals > 1) process.exit(1);
    logger.info({ signal }, 'stopping');
    const force = setTimeout(() => process.exit(1), config.timing.requestTimeoutMs + 5_000);
    node.stop(true).then(() => {
      clearTimeout(force);
      logger.flush();
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  exitWithParent(process.env['BROKERLAB_EXIT_WITH_PARENT'], () => onSignal('parent exited'));
}

/**
 * A node started for a test or a foreground cluster stops when the process that owns it is gone,
 * so a test runner killed mid-test leaves nothing running. (Paused nodes check once resumed.)
 */
function exitWithParent(parentPid: string | undefined, stop: () => void): void {
  const pid = Number(parentPid);
  if (!Number.isInteger(pid) || pid <= 0) return;
  const timer = setInterval(() => {
    try {
      process.kill(pid, 0);
    } catch {
      clearInterval(timer);
      stop();
    }
  }, 1_000);
  timer.unref();
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedDirectly()) void main();
