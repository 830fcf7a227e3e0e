/**
 * One node, composed from its parts and free of sockets and files: the Raft driver following the
 * metadata log, the metadata image, the active controller (controller role) and the replica
 * manager with its registration and heartbeats (broker role). Real processes (main.ts) give it
 * gRPC transports and file storage; the simulation gives it virtual ones. Everything it waits on
 * is bounded by the timing configuration.
 */
import type { Clock } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import type { Random } from '../common/random.js';
import { ReplicaManager, type ReplicaFetchSession } from '../broker/index.js';
import type { PartitionLog } from '../log/types.js';
import type { Endpoint } from '../metadata/types.js';
import { RaftDriver } from '../raft/driver.js';
import type { NodeId, RaftStorage, RaftTransport } from '../raft/types.js';
import { BrokerHost, type BrokerHostOptions } from './broker-host.js';
import type { ControllerApi } from './controller-api.js';
import { ControllerHost, type ControllerHostOptions } from './controller-host.js';
import { ControllerRouter } from './controller-router.js';
import { hasRole, type NodeConfig } from './config.js';
import { CoordinatorLookup } from './group-coordinator-lookup.js';
import { GroupHost } from './group-host.js';
import { MetadataPublisher } from './metadata-publisher.js';
import { topicLogSettings } from './partition-log-factory.js';
import { ProducerIdManager } from './producer-ids.js';
import { waitForImage } from './wait-for-image.js';

export interface NodeRuntimeDeps {
  readonly config: NodeConfig;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  /** Unique per process start: tells a restarted broker apart from its previous life. */
  readonly incarnationId: string;
  readonly raftStorage: RaftStorage;
  readonly raftTransport: RaftTransport;
  readonly openLog: (topic: string, partition: number, topicId: string) => PartitionLog;
  readonly deleteLog: (log: PartitionLog, topicId: string) => void;
  /** See BrokerHostOptions.prepareLogs: real processes only. */
  readonly prepareLogs?: BrokerHostOptions['prepareLogs'];
  readonly remoteController: (nodeId: NodeId) => ControllerApi;
  readonly openFetchSession: (leaderId: NodeId) => ReplicaFetchSession;
  /**
   * The Kafka listener's advertised address, registered with the controller so Metadata responses
   * list this broker. Known only once the listener is bound (port 0 binds a free port), so the
   * process passes it rather than the config. Absent: the broker serves no Kafka clients.
   */
  readonly kafkaEndpoint?: Endpoint;
  /**
   * False turns off the controller's refusal of stale broker epochs in AlterPartition (KIP-903).
   * The simulation alone sets it, to show the data loss the check prevents.
   */
  readonly checkIsrBrokerEpochs?: boolean;
  /** See ControllerHostOptions.watchBrokerProcesses: real processes only. */
  readonly watchBrokerProcesses?: ControllerHostOptions['watchBrokerProcesses'];
}

export class NodeRuntime {
  readonly publisher: MetadataPublisher;
  readonly controller: ControllerApi & { target(): NodeId };
  readonly controllerHost: ControllerHost | undefined;
  readonly brokerHost: BrokerHost | undefined;
  readonly replicaManager: ReplicaManager | undefined;
  readonly producerIds: ProducerIdManager | undefined;
  /** The broker's group coordinator (broker role only). */
  readonly groups: GroupHost | undefined;
  /** FindCoordinator, answered by any node. */
  readonly coordinatorLookup: CoordinatorLookup;
  private readonly startedAtMs: number;
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly deps: NodeRuntimeDeps,
    readonly driver: RaftDriver,
    publisher: MetadataPublisher,
  ) {
    const { config, clock, random, logger } = deps;
    this.publisher = publisher;
    this.startedAtMs = clock.monotonic();
    this.controllerHost = hasRole(config, 'controller')
      ? new ControllerHost({
          nodeId: config.nodeId,
          driver,
          publisher,
          clock,
          random,
          timing: config.timing,
          logger: logger.child({ component: 'controller' }),
          ...(deps.checkIsrBrokerEpochs === false ? { checkIsrBrokerEpochs: false } : {}),
          ...(deps.watchBrokerProcesses ? { watchBrokerProcesses: deps.watchBrokerProcesses } : {}),
        })
      : undefined;
    this.controller = new ControllerRouter({
      nodeId: config.nodeId,
      ...(this.controllerHost ? { local: this.controllerHost } : {}),
      leader: () => driver.leader(),
      remote: deps.remoteController,
    });
    if (hasRole(config, 'broker')) {
      const brokerHost = new BrokerHost({
        brokerId: config.nodeId,
        incarnationId: deps.incarnationId,
        endpoint: { host: config.advertisedHost, port: config.advertisedPort },
        ...(deps.kafkaEndpoint ? { kafkaEndpoint: deps.kafkaEndpoint } : {}),
        controller: this.controller,
        publisher,
        clock,
        timing: config.timing,
        logger: logger.child({ component: 'broker' }),
        nextTurn: (fn) => {
          const immediate = setImmediate(fn);
          return { cancel: () => clearImmediate(immediate) };
        },
        ...(deps.prepareLogs ? { prepareLogs: deps.prepareLogs } : {}),
      });
      this.replicaManager = new ReplicaManager({
        brokerId: config.nodeId,
        brokerEpoch: () => brokerHost.brokerEpoch(),
        clock,
        logger: logger.child({ component: 'replicas' }),
        timing: config.timing,
        openLog: deps.openLog,
        deleteLog: deps.deleteLog,
        sendAlterPartition: (request) => this.controller.alterPartition(request),
        minInsyncReplicas: (topic) => brokerHost.minInsyncReplicas(topic),
        openFetchSession: deps.openFetchSession,
        logSettings: (topic) => topicLogSettings(publisher.image(), topic),
        limits: {
          replicaFetchMaxBytes: config.broker.replicaFetchMaxBytes,
          retentionCheckIntervalMs: config.timing.logRetentionCheckIntervalMs,
          logCleanerDedupeBufferSize: config.broker.logCleanerDedupeBufferSize,
          acknowledgeBeforeReplication: unsafeAcknowledgeBeforeReplication(logger),
        },
      });
      brokerHost.attach(this.replicaManager);
      this.brokerHost = brokerHost;
      this.producerIds = new ProducerIdManager(this.controller, () => ({ brokerId: config.nodeId, brokerEpoch: brokerHost.brokerEpoch() }));
      const groups = new GroupHost({
        replicaManager: this.replicaManager,
        clock,
        random,
        logger: logger.child({ component: 'group-coordinator' }),
        settings: config.broker,
        timing: config.timing,
      });
      brokerHost.onRoleChanges((changes) => groups.onRoleChanges(changes));
      this.groups = groups;
    }
    this.coordinatorLookup = new CoordinatorLookup({
      image: () => publisher.image(),
      controller: this.controller,
      waitForImage: (predicate, timeoutMs) => waitForImage(publisher, clock, predicate, timeoutMs),
      settings: config.broker,
      createWaitMs: config.timing.requestTimeoutMs,
      logger: logger.child({ component: 'group-coordinator' }),
    });
  }

  /** Recovers the metadata log, joins the quorum and starts the roles. */
  static async start(deps: NodeRuntimeDeps): Promise<NodeRuntime> {
    const { config, clock, random, logger } = deps;
    const publisher = new MetadataPublisher(logger.child({ component: 'metadata' }));
    const { raftTickMs, controllerQuorumElectionTimeoutMs, controllerQuorumHeartbeatMs } = config.timing;
    const driver = await RaftDriver.open({
      config: {
        id: config.nodeId,
        voters: config.voters.map((v) => v.id),
        learners: config.learners.map((l) => l.id),
        electionTicks: Math.max(2, Math.round(controllerQuorumElectionTimeoutMs / raftTickMs)),
        heartbeatTicks: Math.max(1, Math.round(controllerQuorumHeartbeatMs / raftTickMs)),
        random,
        logger: logger.child({ component: 'raft' }),
      },
      storage: deps.raftStorage,
      transport: deps.raftTransport,
      clock,
      tickMs: raftTickMs,
      apply: (entries) => publisher.apply(entries),
      restore: (snapshot) => publisher.restore(snapshot),
      logger: logger.child({ component: 'raft' }),
      proposalTimeoutMs: config.timing.requestTimeoutMs,
    });
    const node = new NodeRuntime(deps, driver, publisher);
    node.brokerHost?.start();
    logger.info({ roles: config.roles, voters: config.voters.map((v) => v.id) }, 'node started');
    return node;
  }

  uptimeMs(): number {
    return this.deps.clock.monotonic() - this.startedAtMs;
  }

  /**
   * Stops the node. `controlled`: the broker first asks the controller to move its leaderships
   * away (bounded by the request timeout), as SIGTERM does; otherwise it just stops.
   */
  shutdown(controlled: boolean): Promise<void> {
    this.stopping ??= (async () => {
      const { logger, config } = this.deps;
      if (this.brokerHost) {
        // Bounded by a couple of broker sessions: when the quorum itself is going away (the whole
        // cluster stopping), nobody can move the leaderships, and waiting longer helps no one.
        if (controlled) await this.brokerHost.shutdown(Math.max(1_000, 2 * config.timing.brokerSessionTimeoutMs));
        else this.brokerHost.stop();
      }
      // Group requests still waiting (a JoinGroup, say) are answered NOT_COORDINATOR, not left hanging.
      this.groups?.close();
      this.controllerHost?.stop();
      await this.driver.stop();
      logger.info({ controlled }, 'node stopped');
    })();
    return this.stopping;
  }
}

/**
 * BROKERLAB_UNSAFE_ACK_BEFORE_REPLICATION=1 builds a deliberately broken broker whose leaders
 * answer acks=all before the ISR has the batch: the chaos lab's tests prove with it that the
 * history checker catches lost acknowledged writes. It is loud about it.
 */
function unsafeAcknowledgeBeforeReplication(logger: Logger): boolean {
  if (process.env['BROKERLAB_UNSAFE_ACK_BEFORE_REPLICATION'] !== '1') return false;
  logger.warn('BROKERLAB_UNSAFE_ACK_BEFORE_REPLICATION=1: acks=all is answered before replication; this broker loses acknowledged writes on purpose');
  return true;
}
