/**
 * The active controller's decisions. It is pure: the node feeds it requests, ticks and committed
 * images, proposes the records it returns to Raft as one entry per operation, and sends each
 * response once that entry commits.
 *
 * Like Kafka's QuorumController, it decides on its *latest* image: the committed image plus every
 * batch it has returned but not yet seen committed, so back-to-back requests see each other's
 * effects. If a proposal is lost (leadership moved), the node calls `reset` or `activate` with the
 * committed image and the uncommitted decisions are forgotten.
 *
 * Liveness (last heartbeat per broker) and the preferred-leader timers live only here, in memory;
 * a newly active controller gives every broker a fresh session rather than trust stale times.
 */
import type { Clock } from '../common/clock.js';
import type { TimingConfig } from '../common/config.js';
import { assert, isBrokerError, type BrokerError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { Random } from '../common/random.js';
import type { MetadataImage } from '../metadata/image.js';
import { NO_LEADER, type AlterPartitionRequest, type BrokerId, type PartitionRegistration } from '../metadata/types.js';
import { alterConfigs, type AlterConfigsRequest, type AlterConfigsResult } from './alter-configs.js';
import { alterPartition } from './alter-partition.js';
import type { ControllerEvent } from './controller-events.js';
import { BrokerHeartbeats } from './broker-heartbeats.js';
import { applyHeartbeat, checkBrokerEpoch, fenceBroker, isCaughtUp, registerBroker } from './broker-lifecycle.js';
import { createPartitions } from './create-partitions.js';
import { createTopics } from './create-topics.js';
import { deleteTopics } from './delete-topics.js';
import { electLeaderlessPartitions, electPreferredLeaders, leaderChanges } from './partition-updates.js';
import { PreferredLeaderTracker } from './preferred-leader.js';
import { allocateProducerIds } from './producer-ids.js';
import { RecordBatch } from './record-batch.js';
import type {
  AllocateProducerIdsRequest,
  BrokerHeartbeatRequest,
  BrokerHeartbeatResponse,
  ControllerResult,
  CreateTopicRequest,
  CreateTopicResult,
  DeleteTopicResult,
  DeleteTopicTarget,
  NewPartitionsRequest,
  NewPartitionsResult,
  ProducerIdBlock,
  RegisterBrokerRequest,
  RegisterBrokerResponse,
  TickReport,
} from './types.js';

export interface QuorumControllerOptions {
  readonly clock: Clock;
  readonly random: Random;
  readonly timing: TimingConfig;
  readonly logger?: Logger;
  /** auto.leader.rebalance.enable (default true). */
  readonly autoLeaderRebalance?: boolean;
  /**
   * Refuse AlterPartition members with a stale broker epoch (KIP-903; default true). The
   * simulation alone turns it off, to show the acknowledged writes lost without it.
   */
  readonly checkIsrBrokerEpochs?: boolean;
}

export class QuorumController {
  private committed: MetadataImage;
  private latest: MetadataImage;
  private readonly heartbeats: BrokerHeartbeats;
  private readonly preferredLeaders: PreferredLeaderTracker;
  /** The last image the periodic tick looked for leaderless partitions in. */
  private leaderlessScanned: MetadataImage | undefined;

  constructor(
    private readonly options: QuorumControllerOptions,
    committedImage: MetadataImage,
  ) {
    this.heartbeats = new BrokerHeartbeats(options.timing.brokerSessionTimeoutMs);
    this.preferredLeaders = new PreferredLeaderTracker(options.timing.leaderImbalanceCheckIntervalMs);
    this.committed = committedImage;
    this.latest = committedImage;
    this.activate(committedImage);
  }

  /** The image decisions are made on: committed plus this controller's own uncommitted records. */
  latestImage(): MetadataImage {
    return this.latest;
  }

  committedImage(): MetadataImage {
    return this.committed;
  }

  /** This controller became active: start from the committed image and give every broker a fresh session. */
  activate(committedImage: MetadataImage): void {
    this.reset(committedImage);
    this.heartbeats.renewAll(committedImage.brokers.keys(), this.now());
    this.options.logger?.info({ offset: committedImage.offset, brokers: committedImage.brokers.size }, 'controller activated');
  }

  /** Forgets every uncommitted decision (a proposal was lost, or leadership changed hands). */
  reset(committedImage: MetadataImage): void {
    this.committed = committedImage;
    this.latest = committedImage;
    this.preferredLeaders.reset();
  }

  /** The node applied committed entries up to `image.offset`. */
  onCommitted(image: MetadataImage): void {
    assert(image.offset >= this.committed.offset, `committed image went back from ${this.committed.offset} to ${image.offset}`);
    this.committed = image;
  }

  registerBroker(req: RegisterBrokerRequest): ControllerResult<RegisterBrokerResponse> {
    return this.decide((batch) => {
      const brokerEpoch = registerBroker(batch, req);
      this.heartbeats.touch(req.brokerId, this.now());
      return { brokerEpoch };
    });
  }

  heartbeat(req: BrokerHeartbeatRequest): ControllerResult<BrokerHeartbeatResponse> {
    return this.decide((batch) => {
      const broker = checkBrokerEpoch(batch.image, req.brokerId, req.brokerEpoch);
      this.heartbeats.touch(req.brokerId, this.now(), req.currentMetadataOffset);
      const { shouldShutdown } = applyHeartbeat(batch, this.committed, broker, req);
      const after = batch.image.brokers.get(req.brokerId)!;
      return {
        isFenced: after.fenced,
        isCaughtUp: isCaughtUp(this.committed, req.brokerId, req.brokerEpoch, req.currentMetadataOffset),
        inControlledShutdown: after.inControlledShutdown,
        shouldShutdown,
      };
    });
  }

  /**
   * Periodic duties: fence brokers whose session expired (electing new leaders for what they led),
   * elect leaders for leaderless partitions that can have one, and move leadership back to
   * preferred replicas that have been ready for `leaderImbalanceCheckIntervalMs`.
   */
  tick(): ControllerResult<TickReport> {
    return this.decide((batch) => {
      const before = batch.image;
      const now = this.now();
      const fencedBrokers: number[] = [];
      for (const id of [...before.brokers.keys()].sort((a, b) => a - b)) {
        const broker = batch.image.brokers.get(id)!;
        if (broker.fenced || this.heartbeats.hasValidSession(id, now)) continue;
        fenceBroker(batch, broker, 'session expired');
        fencedBrokers.push(id);
      }
      // Whether a partition can get a leader depends on the image alone: one already scanned (the
      // common case, many times a second on an idle cluster) has none to elect.
      if (batch.image !== this.leaderlessScanned) {
        batch.because({ reason: 'leaderless partition' }, () => electLeaderlessPartitions(batch));
        this.leaderlessScanned = batch.image;
      }
      if (this.options.autoLeaderRebalance ?? true) {
        const due = this.preferredLeaders.due(batch.image, now);
        if (due.length > 0) batch.because({ reason: 'preferred leader rebalance' }, () => electPreferredLeaders(batch, due));
      }
      return { fencedBrokers, leaderChanges: batch.image === before ? [] : leaderChanges(before, batch.image) };
    });
  }

  /**
   * The broker's process is gone (its connection closed and nothing listens at its address): it is
   * fenced now, leaderships move, rather than after its session times out. Only for the
   * incarnation named by `brokerEpoch`; a broker already fenced or registered again is left alone.
   */
  brokerProcessGone(brokerId: BrokerId, brokerEpoch: number): ControllerResult<boolean> {
    return this.decide((batch) => {
      const broker = batch.image.brokers.get(brokerId);
      if (!broker || broker.fenced || broker.brokerEpoch !== brokerEpoch) return false;
      fenceBroker(batch, broker, 'process gone: its connection closed and nothing listens at its address');
      return true;
    });
  }

  /** Accepts or refuses a leader's ISR change; the response is the partition after the change. */
  alterPartition(req: AlterPartitionRequest): ControllerResult<PartitionRegistration> {
    return this.decide((batch) => this.alterOne(batch, req));
  }

  /**
   * Several ISR changes decided together, in order, as one batch of records (one Raft entry):
   * each answer is the partition after its change, or the refusal of that change alone.
   */
  alterPartitions(requests: readonly AlterPartitionRequest[]): ControllerResult<Array<PartitionRegistration | BrokerError>> {
    return this.decide((batch) =>
      requests.map((req) => {
        try {
          return this.alterOne(batch, req);
        } catch (e) {
          if (isBrokerError(e)) return e;
          throw e;
        }
      }),
    );
  }

  private alterOne(batch: RecordBatch, req: AlterPartitionRequest): PartitionRegistration {
    return batch.because(undefined, () => alterPartition(batch, req, { checkMemberBrokerEpochs: this.options.checkIsrBrokerEpochs !== false }));
  }

  createTopics(requests: readonly CreateTopicRequest[]): ControllerResult<CreateTopicResult[]> {
    return this.decide((batch) => createTopics(batch, requests, this.options.random, this.options.logger));
  }

  /** Grows existing topics; the records of every grown topic form one batch. */
  createPartitions(requests: readonly NewPartitionsRequest[]): ControllerResult<NewPartitionsResult[]> {
    return this.decide((batch) => createPartitions(batch, requests, this.options.logger));
  }

  deleteTopics(targets: readonly DeleteTopicTarget[]): ControllerResult<DeleteTopicResult[]> {
    return this.decide((batch) => deleteTopics(batch, targets, this.options.logger));
  }

  /** Sets or removes topic config overrides (IncrementalAlterConfigs). */
  alterConfigs(requests: readonly AlterConfigsRequest[]): ControllerResult<AlterConfigsResult[]> {
    return this.decide((batch) => alterConfigs(batch, requests, this.options.logger));
  }

  allocateProducerIds(req: AllocateProducerIdsRequest): ControllerResult<ProducerIdBlock> {
    return this.decide((batch) => allocateProducerIds(batch, req));
  }

  /** Runs one decision on the latest image; a thrown error leaves the controller unchanged. */
  private decide<T>(decision: (batch: RecordBatch) => T): ControllerResult<T> {
    const batch = new RecordBatch(this.latest);
    const response = decision(batch);
    this.latest = batch.image;
    return { records: batch.records, response, events: batch.events.map((e) => this.withSilence(e)) };
  }

  /**
   * Adds how long the broker concerned had been silent: for a fenced broker, or the previous
   * leader of a partition whose leader changed. This reads the heartbeat times only this
   * controller keeps, so a long silence shows a crash and a short one a decision by request.
   */
  private withSilence(e: ControllerEvent): ControllerEvent {
    const broker = e.event === 'broker-fenced' ? e.fields['broker'] : e.fields['previousLeader'];
    if (typeof broker !== 'number' || broker === NO_LEADER) return e;
    if (e.event !== 'broker-fenced' && e.event !== 'leader-elected' && e.event !== 'unclean-leader-elected' && e.event !== 'partition-offline') return e;
    const last = this.heartbeats.lastContactMs(broker);
    if (last === undefined) return e;
    return { ...e, fields: { ...e.fields, sinceLastHeardMs: Math.max(0, this.now() - last) } };
  }

  private now(): number {
    return this.options.clock.monotonic();
  }
}
