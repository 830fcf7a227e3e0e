/**
 * Runs the active controller on the node that leads the metadata quorum. It activates only once
 * this node has applied an entry of its own leadership term (its no-op), so its image holds every
 * committed decision of earlier controllers; it turns each request into records, proposes them as
 * one Raft entry and answers once they commit. Losing leadership, or a proposal that fails,
 * resets the controller to the committed image, so no uncommitted decision survives.
 */
import type { Clock, Timer } from '../common/clock.js';
import type { TimingConfig } from '../common/config.js';
import { BrokerError, errors } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { Random } from '../common/random.js';
import { QuorumController, type ControllerResult } from '../controller/index.js';
import { encodeRecords, type MetadataImage } from '../metadata/index.js';
import type { AlterPartitionRequest, PartitionRegistration } from '../metadata/types.js';
import type { RaftDriver } from '../raft/driver.js';
import { NONE } from '../raft/types.js';
import type { BrokerProcessWatch, WatchedBroker } from './broker-process-watch.js';
import type { ControllerApi } from './controller-api.js';
import type { MetadataPublisher } from './metadata-publisher.js';

export interface ControllerHostOptions {
  nodeId: number;
  driver: Pick<RaftDriver, 'propose' | 'role' | 'leader' | 'onStateChange' | 'status'>;
  publisher: MetadataPublisher;
  clock: Clock;
  random: Random;
  timing: TimingConfig;
  logger: Logger;
  /** See QuorumControllerOptions.checkIsrBrokerEpochs: only the simulation turns it off. */
  checkIsrBrokerEpochs?: boolean;
  /**
   * Watches brokers' processes while this node is the active controller (broker-process-watch.ts),
   * so a dead one is fenced at once. Absent (the simulation): only sessions fence brokers.
   */
  watchBrokerProcesses?: (onGone: (broker: WatchedBroker) => void) => BrokerProcessWatch;
}

interface PendingAlter {
  readonly request: AlterPartitionRequest;
  resolve(registration: PartitionRegistration): void;
  reject(error: unknown): void;
}

export class ControllerHost implements ControllerApi {
  private controller: QuorumController | undefined;
  /** The last proposal not yet settled: later decisions may rest on it. */
  private latestProposal: Promise<unknown> | undefined;
  private tickTimer: Timer | undefined;
  private processWatch: BrokerProcessWatch | undefined;
  private stopped = false;
  private readonly unsubscribe: Array<() => void> = [];
  private alterQueue: PendingAlter[] = [];
  private alterInFlight = false;

  constructor(private readonly options: ControllerHostOptions) {
    this.unsubscribe.push(
      options.driver.onStateChange(() => this.reconsider()),
      options.publisher.subscribe((image) => {
        this.controller?.onCommitted(image);
        this.watchBrokers(image);
      }),
      options.publisher.onAdvance(() => {
        if (!this.controller) this.reconsider();
      }),
    );
  }

  isActive(): boolean {
    return this.controller !== undefined;
  }

  stop(): void {
    this.stopped = true;
    this.deactivate();
    for (const off of this.unsubscribe) off();
  }

  registerBroker: ControllerApi['registerBroker'] = (request) => this.run((c) => c.registerBroker(request));
  heartbeat: ControllerApi['heartbeat'] = (request) => this.run((c) => c.heartbeat(request));
  /**
   * ISR changes arrive one partition at a time, and after a large topic is created or a broker
   * returns, thousands arrive at once. Each would be its own Raft entry, applied by every node. So
   * while one batch of changes is being committed, the next ones wait and then go together as one
   * entry; a change that arrives when none is in flight goes at once.
   */
  alterPartition: ControllerApi['alterPartition'] = (request) =>
    new Promise((resolve, reject) => {
      this.alterQueue.push({ request, resolve, reject });
      if (!this.alterInFlight) this.flushAlterQueue();
    });
  createTopics: ControllerApi['createTopics'] = (requests) => this.run((c) => c.createTopics(requests));
  createPartitions: ControllerApi['createPartitions'] = (requests) => this.run((c) => c.createPartitions(requests));
  deleteTopics: ControllerApi['deleteTopics'] = (targets) => this.run((c) => c.deleteTopics(targets));
  alterConfigs: ControllerApi['alterConfigs'] = (requests) => this.run((c) => c.alterConfigs(requests));
  allocateProducerIds: ControllerApi['allocateProducerIds'] = (request) => this.run((c) => c.allocateProducerIds(request));

  /**
   * Decides with the controller, proposes the records, and answers once they are committed. A
   * decision without records, or a refusal, was still read from the working state, which may hold
   * decisions not committed yet (a refusal for a partition epoch that never commits would strand
   * its requester), so it is answered only once the latest proposal commits, as Kafka's
   * controller does; if that proposal fails, the answer is NOT_CONTROLLER and the caller retries.
   */
  private async run<T>(decide: (controller: QuorumController) => ControllerResult<T>): Promise<T> {
    const controller = this.controller;
    if (!controller) throw this.notController();
    let decision: ControllerResult<T>;
    try {
      decision = decide(controller);
    } catch (refusal) {
      await this.awaitLatestProposal();
      throw refusal;
    }
    const { records, response, events } = decision;
    if (records.length === 0) {
      await this.awaitLatestProposal();
      return response;
    }
    const proposal = this.options.driver.propose(encodeRecords(records));
    this.latestProposal = proposal;
    try {
      await proposal;
    } catch (e) {
      // The controller applied these records optimistically; forget everything uncommitted.
      if (this.controller === controller) controller.reset(this.options.publisher.image());
      throw this.proposalFailed(e);
    } finally {
      if (this.latestProposal === proposal) this.latestProposal = undefined;
    }
    // Only now did the decision happen: events of a lost proposal are never logged.
    for (const e of events ?? []) this.options.logger.info({ event: e.event, ...e.fields }, e.message);
    return response;
  }

  private flushAlterQueue(): void {
    const pending = this.alterQueue;
    if (pending.length === 0) return;
    this.alterQueue = [];
    this.alterInFlight = true;
    const settled = (): void => {
      this.alterInFlight = false;
      this.flushAlterQueue();
    };
    this.run((c) => c.alterPartitions(pending.map((p) => p.request))).then(
      (results) => {
        results.forEach((result, i) => (result instanceof BrokerError ? pending[i]!.reject(result) : pending[i]!.resolve(result)));
        settled();
      },
      (error: unknown) => {
        for (const p of pending) p.reject(error);
        settled();
      },
    );
  }

  private async awaitLatestProposal(): Promise<void> {
    const pending = this.latestProposal;
    if (!pending) return;
    try {
      await pending;
    } catch (e) {
      throw this.proposalFailed(e);
    }
  }

  private proposalFailed(e: unknown): Error {
    return errors.notController(`proposal failed: ${(e as Error).message}`, { leaderId: this.options.driver.leader() });
  }

  private reconsider(): void {
    if (this.stopped) return;
    const { driver, publisher } = this.options;
    const isLeader = driver.role() === 'leader';
    const caughtUp = publisher.lastAppliedTerm() === driver.status().term;
    if (isLeader && caughtUp && !this.controller) this.activate();
    else if (!isLeader && this.controller) this.deactivate();
  }

  private activate(): void {
    const { clock, random, timing, logger, publisher, checkIsrBrokerEpochs } = this.options;
    const controller = new QuorumController({ clock, random, timing, logger, ...(checkIsrBrokerEpochs === false ? { checkIsrBrokerEpochs } : {}) }, publisher.image());
    controller.activate(publisher.image());
    this.controller = controller;
    // The cluster's `controller-elected` event: logged once per activation, by the node activated.
    logger.info(
      { event: 'controller-elected', controller: this.options.nodeId, term: this.options.driver.status().term, metadataOffset: publisher.appliedIndex() },
      'became the active controller',
    );
    this.scheduleTick();
    const watch = this.options.watchBrokerProcesses;
    if (watch) {
      this.processWatch = watch((broker) => {
        this.run((c) => c.brokerProcessGone(broker.brokerId, broker.brokerEpoch)).catch((e: unknown) => logger.debug({ err: e }, 'fencing a gone broker not committed'));
      });
      this.watchBrokers(publisher.image());
    }
  }

  /** The active controller watches every unfenced broker but the one in its own process. */
  private watchBrokers(image: MetadataImage): void {
    if (!this.processWatch) return;
    const watched: WatchedBroker[] = [];
    for (const b of image.brokers.values()) {
      if (b.fenced || b.brokerId === this.options.nodeId) continue;
      watched.push({ brokerId: b.brokerId, brokerEpoch: b.brokerEpoch, host: b.endpoint.host, port: b.endpoint.port });
    }
    this.processWatch.update(watched);
  }

  private deactivate(): void {
    if (!this.controller) return;
    this.controller = undefined;
    this.latestProposal = undefined;
    this.processWatch?.stop();
    this.processWatch = undefined;
    this.tickTimer?.cancel();
    this.tickTimer = undefined;
    this.options.logger.info({ leader: this.options.driver.leader() }, 'no longer the active controller');
  }

  /** Fences silent brokers and moves leaderships, a few times per heartbeat interval. */
  private scheduleTick(): void {
    const intervalMs = Math.max(10, Math.floor(this.options.timing.brokerHeartbeatIntervalMs / 2));
    this.tickTimer = this.options.clock.schedule(intervalMs, () => {
      if (!this.controller) return;
      this.run((c) => c.tick()).catch((e: unknown) => this.options.logger.debug({ err: e }, 'controller tick not committed'));
      this.scheduleTick();
    });
  }

  private notController(): Error {
    const leaderId = this.options.driver.leader();
    const who = leaderId === NONE ? 'no controller is known yet' : `the active controller is node ${leaderId}`;
    return errors.notController(`node ${this.options.nodeId} is not the active controller: ${who}`, { leaderId });
  }
}
