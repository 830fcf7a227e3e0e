/**
 * A client's cached view of where a topic's partitions lead, refreshed from a random broker when a
 * request says it is stale (NOT_LEADER_OR_FOLLOWER and friends) or no leader is known. Concurrent
 * refreshes share one request.
 */
import type { SeededRandom } from '../../common/random.js';
import { NO_LEADER } from '../../metadata/types.js';
import type { ClientApi, PartitionView, TopicView } from './client-api.js';

export class ClientMetadata {
  private view: TopicView | undefined;
  private refreshing: Promise<void> | undefined;
  refreshes = 0;

  constructor(
    private readonly api: ClientApi,
    private readonly topic: string,
    private readonly brokers: readonly number[],
    private readonly random: SeededRandom,
  ) {}

  /** The partition as last seen, if it had a leader then. */
  leaderOf(partition: number): PartitionView | undefined {
    const p = this.view?.partitions.find((v) => v.partition === partition);
    return p && p.leader !== NO_LEADER ? p : undefined;
  }

  partitions(): readonly PartitionView[] {
    return this.view?.partitions ?? [];
  }

  /** Asks one broker; keeps the answer unless it is older than what is known for a partition. */
  refresh(): Promise<void> {
    this.refreshing ??= this.fetchFrom(this.random.pick(this.brokers)).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async fetchFrom(nodeId: number): Promise<void> {
    this.refreshes++;
    let fresh: TopicView | undefined;
    try {
      fresh = await this.api.metadata(nodeId, this.topic);
    } catch {
      return;
    }
    if (!fresh) return;
    const known = this.view;
    // Per partition, never go back to an older leader epoch than one already seen.
    const partitions = fresh.partitions.map((p) => {
      const old = known?.partitions.find((k) => k.partition === p.partition);
      return old && old.leaderEpoch > p.leaderEpoch ? old : p;
    });
    this.view = { ...fresh, partitions };
  }
}
