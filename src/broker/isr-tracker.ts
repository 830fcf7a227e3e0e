/**
 * The leader's record of the in-sync replica set: the ISR the controller has committed, and at most
 * one AlterPartition proposal in flight. While a proposal is in flight the high watermark is
 * computed over the *maximal* ISR: the committed set plus any replica being added (a pending
 * shrink keeps the old, larger set). Whatever the controller decides, the set used for the high
 * watermark then contains every replica that may be authoritative, so a write is never reported
 * committed by fewer replicas than the ISR that will hold it.
 */
import { assert, isBrokerError, type KafkaErrorName } from '../common/errors.js';
import type { AlterPartitionRequest, BrokerId, PartitionRegistration } from '../metadata/types.js';

/**
 * Each proposed member's broker epoch as the leader last saw it fetch (the leader's own for
 * itself, -1 when unknown): sent so the controller can refuse members that restarted since.
 */
export type MemberEpochs = (brokerId: BrokerId) => number;

/** Fields of every AlterPartition request this leader sends for one leader epoch. */
export interface IsrRequestIdentity {
  readonly brokerId: BrokerId;
  readonly topicId: string;
  readonly partition: number;
  readonly leaderEpoch: number;
}

interface PendingIsrChange {
  /** Replicas being added; empty for a shrink. */
  readonly adding: readonly BrokerId[];
  readonly request: AlterPartitionRequest;
}

/**
 * - committed: the controller accepted; the new ISR is in force.
 * - rejected: the controller refused for good; the committed ISR stands and no new proposal is
 *   made until metadata brings a newer partition epoch (ours is stale).
 * - ineligible: the controller refused to add a replica that is fenced, shutting down or gone
 *   (INELIGIBLE_REPLICA, KIP-841); the committed ISR stands and the leader may propose again at
 *   once (its partition epoch is not stale). Resending would be refused the same way, while the
 *   pending addition held the high watermark back for a replica that may have left for good.
 * - retry: the outcome is unknown (lost request, no controller); the proposal stays in flight and
 *   must be sent again.
 * - ignored: the answer does not belong to the proposal in flight.
 */
export type AlterPartitionOutcome = 'committed' | 'rejected' | 'ineligible' | 'retry' | 'ignored';

/** Answers after which the controller certainly did not apply the proposal. */
const REJECTIONS: ReadonlySet<KafkaErrorName> = new Set<KafkaErrorName>([
  'INVALID_UPDATE_VERSION',
  'FENCED_LEADER_EPOCH',
  'NOT_LEADER_OR_FOLLOWER',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'UNKNOWN_TOPIC_ID',
  'INVALID_REQUEST',
  'INVALID_REPLICA_ASSIGNMENT',
  // This broker re-registered; the controller moves its partitions and metadata settles the rest.
  'STALE_BROKER_EPOCH',
]);

export class IsrTracker {
  private committed: readonly BrokerId[];
  private committedPartitionEpoch: number;
  private pending: PendingIsrChange | undefined;
  /** Set after a rejection: our partition epoch is stale, so any proposal would be refused too. */
  private awaitingMetadata = false;

  constructor(
    private readonly identity: IsrRequestIdentity,
    isr: readonly BrokerId[],
    partitionEpoch: number,
  ) {
    assert(isr.includes(identity.brokerId), `leader ${identity.brokerId} must be in its own ISR [${isr.join(',')}]`);
    this.committed = [...isr];
    this.committedPartitionEpoch = partitionEpoch;
  }

  isr(): readonly BrokerId[] {
    return this.committed;
  }

  partitionEpoch(): number {
    return this.committedPartitionEpoch;
  }

  /** The set the high watermark is computed over: committed plus replicas being added. */
  maximalIsr(): readonly BrokerId[] {
    return this.pending && this.pending.adding.length > 0 ? [...this.committed, ...this.pending.adding] : this.committed;
  }

  /** The ISR proposed and not yet answered. */
  pendingIsr(): readonly BrokerId[] | undefined {
    return this.pending?.request.newIsr;
  }

  inFlightRequest(): AlterPartitionRequest | undefined {
    return this.pending?.request;
  }

  canPropose(): boolean {
    return this.pending === undefined && !this.awaitingMetadata;
  }

  proposeExpansion(brokerId: BrokerId, brokerEpoch: number, memberEpochs: MemberEpochs): AlterPartitionRequest {
    assert(!this.committed.includes(brokerId), `replica ${brokerId} is already in the ISR`);
    return this.propose([...this.committed, brokerId], [brokerId], brokerEpoch, memberEpochs);
  }

  proposeShrink(removed: readonly BrokerId[], brokerEpoch: number, memberEpochs: MemberEpochs): AlterPartitionRequest {
    assert(!removed.includes(this.identity.brokerId), 'a leader never removes itself from the ISR');
    const newIsr = this.committed.filter((id) => !removed.includes(id));
    assert(newIsr.length < this.committed.length, 'a shrink must remove a current ISR member');
    return this.propose(newIsr, [], brokerEpoch, memberEpochs);
  }

  onResponse(request: AlterPartitionRequest, result: PartitionRegistration | Error): AlterPartitionOutcome {
    if (!this.pending || this.pending.request !== request) return 'ignored';
    if (result instanceof Error) {
      if (isBrokerError(result, 'INELIGIBLE_REPLICA')) {
        // Kafka's Partition.handleAlterPartitionError: back to the committed state, no resend.
        this.pending = undefined;
        return 'ineligible';
      }
      if (isBrokerError(result) && REJECTIONS.has(result.kafkaName)) {
        this.pending = undefined;
        this.awaitingMetadata = true;
        return 'rejected';
      }
      return 'retry';
    }
    // An answer for another leader epoch or an older partition epoch says nothing about this
    // proposal; metadata will settle it.
    if (result.leaderEpoch !== this.identity.leaderEpoch || result.partitionEpoch <= this.committedPartitionEpoch) return 'ignored';
    this.commit(result.isr, result.partitionEpoch);
    return 'committed';
  }

  /**
   * Metadata for the same leader epoch is authoritative. A newer partition epoch settles any
   * proposal in flight, whether or not the controller applied it.
   */
  onMetadata(isr: readonly BrokerId[], partitionEpoch: number): boolean {
    if (partitionEpoch <= this.committedPartitionEpoch) return false;
    this.commit(isr, partitionEpoch);
    return true;
  }

  private commit(isr: readonly BrokerId[], partitionEpoch: number): void {
    assert(isr.includes(this.identity.brokerId), `committed ISR [${isr.join(',')}] lacks its leader ${this.identity.brokerId}`);
    this.committed = [...isr];
    this.committedPartitionEpoch = partitionEpoch;
    this.pending = undefined;
    this.awaitingMetadata = false;
  }

  private propose(newIsr: readonly BrokerId[], adding: readonly BrokerId[], brokerEpoch: number, memberEpochs: MemberEpochs): AlterPartitionRequest {
    assert(this.canPropose(), 'at most one ISR change may be in flight');
    const request: AlterPartitionRequest = {
      brokerId: this.identity.brokerId,
      brokerEpoch,
      topicId: this.identity.topicId,
      partition: this.identity.partition,
      leaderEpoch: this.identity.leaderEpoch,
      partitionEpoch: this.committedPartitionEpoch,
      newIsr,
      // Fixed when proposed: a resend carries the epochs of the fetches that justified it, so a
      // member that restarted meanwhile is refused rather than admitted on its old fetches.
      newIsrWithEpochs: newIsr.map((id) => ({ brokerId: id, brokerEpoch: memberEpochs(id) })),
    };
    this.pending = { adding, request };
    return request;
  }
}
