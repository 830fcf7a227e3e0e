/**
 * The composition root of a node process: one gRPC server on one port for every service, the
 * Kafka listener (brokers), the metadata log and partition logs in files, the system clock, the
 * network faults the admin service sets, and the NodeRuntime built from them. The executable
 * around it (arguments, signals, parent watch) is main.ts.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { ClientGate } from '../common/client-gate.js';
import { systemClock } from '../common/clock.js';
import { errors } from '../common/errors.js';
import { createLogger, type Logger } from '../common/logger.js';
import { systemRandom } from '../common/random.js';
import { ClientFront } from '../broker/client-front.js';
import { KafkaListener } from '../kafka/listener.js';
import { BrokerProcessWatch } from './broker-process-watch.js';
import { EMPTY_IMAGE, type MetadataImage } from '../metadata/index.js';
import { addAdminService } from '../net/admin-service.js';
import { addClientService } from '../net/client-service.js';
import { addControllerService, GrpcControllerClient } from '../net/controller-service.js';
import { addGroupService } from '../net/group-service.js';
import { faultyTransport, NetworkFaults, peerLink } from '../net/faults.js';
import { bindServer, createServer, stopServer } from '../net/grpc.js';
import { GrpcRaftTransport } from '../net/raft-transport.js';
import { addReplicationService, GrpcFetchSession } from '../net/replication-service.js';
import { FileRaftStorage } from '../raft/storage/index.js';
import { clusterIdOf } from './cluster-id.js';
import { hasRole, type NodeConfig } from './config.js';
import type { KafkaListenerConfig } from './kafka-listeners.js';
import { localController } from './local-controller.js';
import { instrumentGrpcServer } from './metrics/grpc-request-metrics.js';
import { startMetricsServer, type MetricsServer } from './metrics/metrics-server.js';
import { NodeMetrics } from './metrics/node-metrics.js';
import { NodeRuntime } from './node-runtime.js';
import { partitionLogFactory, type PartitionLogFactory } from './partition-log-factory.js';
import { startingStatus, statusOf } from './status-view.js';
import { waitForImage } from './wait-for-image.js';

export interface RunningNode {
  readonly runtime: NodeRuntime;
  readonly port: number;
  /** The Kafka listener's port, on brokers that open one. */
  readonly kafkaPort?: number;
  /** The Prometheus `/metrics` port, when the config asks for one. */
  readonly metricsPort?: number;
  /** Controlled shutdown (or immediate with `controlled: false`), then the server stops. */
  stop(controlled?: boolean): Promise<void>;
}

/** Starts a node in this process. */
export async function runNode(config: NodeConfig, logger: Logger = createLogger({ node: config.nodeId, level: config.logLevel, ...(config.logFile ? { destination: config.logFile } : {}) })): Promise<RunningNode> {
  const clock = systemClock;
  // The admin service sets these; every send to a peer goes through them (drop, delay), as do
  // the answers of the controller, replication and group services.
  const faults = new NetworkFaults(clock);
  const addresses = new Map<number, string>([...config.voters, ...config.learners].map((v) => [v.id, `${v.host}:${v.port}`]));
  const peers = new Map([...addresses].filter(([id]) => id !== config.nodeId));

  const grpcTransport = new GrpcRaftTransport({ id: config.nodeId, peers, logger: logger.child({ component: 'raft-transport' }) });
  let runtime: NodeRuntime | undefined;
  let logs: PartitionLogFactory | undefined;
  const metrics = new NodeMetrics(config, { runtime: () => runtime, logs: () => logs });
  const controllerClients = new Map<number, GrpcControllerClient>();

  // Every service is registered before the port opens; until the node is up they answer with
  // retriable errors (no controller known, not a leader yet) rather than UNIMPLEMENTED.
  const server = createServer();
  // Before any service is added: every method the node serves is counted and timed.
  instrumentGrpcServer(server, metrics.requests);
  grpcTransport.addTo(server);
  if (hasRole(config, 'controller')) addControllerService(server, localController(() => runtime?.controllerHost), faults);
  if (hasRole(config, 'broker')) {
    addReplicationService(server, () => runtime?.replicaManager && runtime.replicaManager.handleReplicaFetch.bind(runtime.replicaManager), faults);
  }
  const front = new ClientFront({
    image: () => runtime?.publisher.image() ?? EMPTY_IMAGE,
    controllerId: () => runtime?.driver.leader() || -1,
    createTopics: (requests) => (runtime?.controller ?? notReady()).createTopics(requests),
    deleteTopics: (targets) => (runtime?.controller ?? notReady()).deleteTopics(targets),
    alterConfigs: (requests) => (runtime?.controller ?? notReady()).alterConfigs(requests),
    createPartitions: (requests) => (runtime?.controller ?? notReady()).createPartitions(requests),
    replicaManager: () => runtime?.replicaManager,
    waitForImage: (predicate, timeoutMs) => (runtime ? waitForImage(runtime.publisher, clock, predicate, timeoutMs) : Promise.resolve()),
    initProducerId: () => runtime?.producerIds?.initProducerId() ?? Promise.reject(errors.coordinatorNotAvailable('broker is starting')),
    findCoordinator: async (groupId) => (await (runtime?.coordinatorLookup ?? notCoordinating()).find(groupId)).nodeId,
    groupCoordinator: () => runtime?.groups?.coordinator,
    settings: () => config.broker,
    logger,
    traffic: metrics.traffic,
  });
  // Client faults reach clients only through these front doors: gRPC client services and the Kafka listener.
  addClientService(server, front, logger, faults.clients);
  addGroupService(server, {
    findCoordinator: (groupId) => runtime?.coordinatorLookup.find(groupId) ?? Promise.reject(errors.coordinatorNotAvailable('node is starting')),
    coordinator: () => runtime?.groups?.coordinator,
    logger: logger.child({ component: 'group-service' }),
    faults,
    clients: faults.clients,
  });
  let stopRequested = false;
  let running: RunningNode | undefined;
  addAdminService(server, {
    status: () => (runtime ? statusOf(runtime, config) : startingStatus(config)),
    faults,
    shutdown: () => {
      stopRequested = true;
      void running?.stop(true);
    },
  });
  const port = await bindServer(server, config.host, config.port);
  const metricsServer: MetricsServer | undefined = config.metrics ? await startMetricsServer(metrics.registry, config.metrics.host, config.metrics.port, logger) : undefined;
  const kafka =
    hasRole(config, 'broker') && config.kafka
      ? await startKafkaListener(config, config.kafka, front, () => runtime?.publisher.image() ?? EMPTY_IMAGE, metrics, faults.clients, logger)
      : undefined;
  const partitionLogs = partitionLogFactory(config, clock, logger, () => runtime?.publisher.image());
  logs = partitionLogs;

  runtime = await NodeRuntime.start({
    config,
    clock,
    random: systemRandom,
    logger,
    incarnationId: randomUUID(),
    ...(kafka && config.kafka ? { kafkaEndpoint: { host: config.kafka.advertisedHost, port: config.kafka.advertisedPort || kafka.port } } : {}),
    watchBrokerProcesses: (onGone) =>
      new BrokerProcessWatch({
        onGone,
        // A refused connection answers at once on loopback; a slower answer proves nothing.
        probeTimeoutMs: Math.max(100, config.timing.brokerHeartbeatIntervalMs),
        retryMs: config.timing.brokerHeartbeatIntervalMs,
        logger: logger.child({ component: 'controller' }),
      }),
    raftStorage: new FileRaftStorage(join(config.dataDir, 'metadata'), { logger: logger.child({ component: 'raft-storage' }) }),
    raftTransport: faultyTransport(grpcTransport, faults),
    openLog: (topic, partition) => partitionLogs.openLog(topic, partition),
    deleteLog: (log) => partitionLogs.deleteLog(log),
    prepareLogs: (partitions) => partitionLogs.prepareLogs(partitions),
    remoteController: (nodeId) => {
      let client = controllerClients.get(nodeId);
      if (!client) {
        const address = addresses.get(nodeId);
        if (!address) throw errors.notController(`no address for controller ${nodeId}`, { leaderId: 0 });
        client = new GrpcControllerClient(address, config.timing.requestTimeoutMs, peerLink(faults, nodeId));
        controllerClients.set(nodeId, client);
      }
      return client;
    },
    openFetchSession: (leaderId) =>
      new GrpcFetchSession({
        address: addresses.get(leaderId) ?? '127.0.0.1:1',
        clock,
        requestTimeoutMs: config.timing.requestTimeoutMs,
        link: peerLink(faults, leaderId),
        logger: logger.child({ component: 'fetcher', leader: leaderId }),
      }),
  });
  const node = runtime;
  metrics.attach(node);
  let stopping: Promise<void> | undefined;
  const stop = (controlled = true): Promise<void> =>
    (stopping ??= (async () => {
      await node.shutdown(controlled);
      await kafka?.close();
      await stopServer(server, 500);
      metrics.close();
      await metricsServer?.close();
      for (const c of controllerClients.values()) c.close();
      grpcTransport.close();
    })());
  running = { runtime: node, port, ...(kafka ? { kafkaPort: kafka.port } : {}), ...(metricsServer ? { metricsPort: metricsServer.port } : {}), stop };
  if (stopRequested) void stop(true);
  logger.info({ port, kafkaPort: kafka?.port, metricsPort: metricsServer?.port, dataDir: config.dataDir, profile: config.profile }, 'node listening');
  return running;
}

/** Opens the Kafka listener; brokers without a Kafka endpoint registered are left out of its answers. */
function startKafkaListener(
  config: NodeConfig,
  listener: KafkaListenerConfig,
  front: ClientFront,
  image: () => MetadataImage,
  metrics: NodeMetrics,
  clients: ClientGate,
  logger: Logger,
): Promise<KafkaListener> {
  return KafkaListener.start({
    host: listener.host,
    port: listener.port,
    maxConnections: config.broker.maxConnections,
    maxRequestBytes: config.broker.socketRequestMaxBytes,
    maxQueuedRequests: config.broker.queuedMaxRequests,
    maxQueuedBytes: config.broker.queuedMaxRequestBytes,
    logger,
    clients,
    broker: {
      front,
      nodeId: config.nodeId,
      clusterId: clusterIdOf(config),
      logger,
      kafkaEndpoint: (brokerId) => image().brokers.get(brokerId)?.kafkaEndpoint,
      requestTimes: metrics.kafkaRequestTimes,
    },
  });
}

function notReady(): never {
  throw errors.notController('node is starting', { leaderId: 0 });
}

function notCoordinating(): never {
  throw errors.coordinatorNotAvailable('node is starting');
}
