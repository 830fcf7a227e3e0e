import { ManualClock } from '../../../src/common/clock.js';
import { PROFILES, type TimingConfig } from '../../../src/common/config.js';
import { SeededRandom } from '../../../src/common/random.js';
import { QuorumController } from '../../../src/controller/quorum-controller.js';
import type { ControllerResult, CreateTopicRequest } from '../../../src/controller/types.js';
import { applyRecords, EMPTY_IMAGE, partitionOf, topicByName, type MetadataImage } from '../../../src/metadata/image.js';
import type { PartitionRegistration } from '../../../src/metadata/types.js';

export const SESSION_TIMEOUT_MS = 600;
export const IMBALANCE_DELAY_MS = 5000;

export const timing: TimingConfig = {
  ...PROFILES.fast,
  brokerSessionTimeoutMs: SESSION_TIMEOUT_MS,
  leaderImbalanceCheckIntervalMs: IMBALANCE_DELAY_MS,
};

/**
 * A controller over a simulated metadata log: every non-empty batch becomes the next entry and
 * commits at once, as if Raft had replicated it, and the committed image is fed back.
 */
export class Harness {
  readonly clock = new ManualClock(1_000);
  readonly random = new SeededRandom(7);
  controller: QuorumController;
  committed: MetadataImage = EMPTY_IMAGE;
  readonly epochs = new Map<number, number>();

  constructor(options: { autoLeaderRebalance?: boolean; checkIsrBrokerEpochs?: boolean } = {}) {
    this.controller = new QuorumController({ clock: this.clock, random: this.random, timing, ...options }, EMPTY_IMAGE);
  }

  /** Appends and commits the result's records, then returns its response. */
  commit<T>(result: ControllerResult<T>): T {
    if (result.records.length > 0) {
      this.committed = applyRecords(this.committed, result.records, this.committed.offset + 1).image;
      this.controller.onCommitted(this.committed);
    }
    return result.response;
  }

  register(brokerId: number, incarnationId = `incarnation-${brokerId}-${this.epochs.size}`): number {
    const { brokerEpoch } = this.commit(
      this.controller.registerBroker({ brokerId, incarnationId, endpoint: { host: '127.0.0.1', port: 9000 + brokerId } }),
    );
    this.epochs.set(brokerId, brokerEpoch);
    return brokerEpoch;
  }

  heartbeat(brokerId: number, extra: { wantShutdown?: boolean; wantFence?: boolean; offset?: number } = {}) {
    return this.commit(
      this.controller.heartbeat({
        brokerId,
        brokerEpoch: this.epochs.get(brokerId)!,
        currentMetadataOffset: extra.offset ?? this.committed.offset,
        ...(extra.wantShutdown !== undefined ? { wantShutdown: extra.wantShutdown } : {}),
        ...(extra.wantFence !== undefined ? { wantFence: extra.wantFence } : {}),
      }),
    );
  }

  /** Registers the brokers and heartbeats each once, caught up, so they are unfenced. */
  startBrokers(...ids: number[]): void {
    for (const id of ids) this.register(id);
    for (const id of ids) this.heartbeat(id);
  }

  heartbeatAll(ids: readonly number[]): void {
    for (const id of ids) this.heartbeat(id);
  }

  tick() {
    return this.commit(this.controller.tick());
  }

  createTopic(request: CreateTopicRequest) {
    const [result] = this.commit(this.controller.createTopics([request]));
    if (result!.error) throw result!.error;
    return result!;
  }

  partition(topic: string, partition: number): PartitionRegistration {
    const t = topicByName(this.committed, topic);
    return partitionOf(this.committed, t!.topicId, partition)!;
  }

  /** Advances time in steps, heartbeating `alive` brokers and ticking at each step. */
  run(ms: number, alive: readonly number[], stepMs = 100): void {
    for (let t = 0; t < ms; t += stepMs) {
      this.clock.advance(Math.min(stepMs, ms - t));
      this.heartbeatAll(alive);
      this.tick();
    }
  }
}

export function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}
