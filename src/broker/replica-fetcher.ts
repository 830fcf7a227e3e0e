/**
 * A follower broker's fetch loop against one leader, independent of the transport: one
 * multi-partition fetch in flight at a time over a `ReplicaFetchSession` (the gRPC adapter runs it
 * over one bidi stream per leader; the simulation in memory). Each answer is applied partition by
 * partition through `FollowerState`; then the next fetch goes out at once if anything moved, or
 * after the rest of the long-poll window if the leader answered early with nothing. Every wait is
 * bounded: a fetch without an answer within `maxWaitMs + requestTimeoutMs` is abandoned, and
 * failures back off for `backoffMs` on the `Clock`. The partitions come from a
 * `FollowerPartitionSource` at every round, so partitions moved elsewhere drop out at once.
 */
import type { Clock, Timer } from '../common/clock.js';
import type { Logger } from '../common/logger.js';
import type { BrokerId } from '../metadata/types.js';
import type { FetchSessionRef, ReplicaFetchPartitionRequest, ReplicaFetchPartitionResponse, ReplicaFetchRequest, ReplicaFetchResponse } from './fetch-messages.js';
import type { FollowerFetchOutcome } from './follower-state.js';
import { partitionKey } from './types.js';

export type {
  DivergingEpoch,
  ReplicaFetchPartitionRequest,
  ReplicaFetchPartitionResponse,
  ReplicaFetchRequest,
  ReplicaFetchResponse,
} from './fetch-messages.js';

/** One follower's channel to one leader. A rejected promise is a transport failure. */
export interface ReplicaFetchSession {
  fetch(request: ReplicaFetchRequest): Promise<ReplicaFetchResponse>;
  close(): void;
}

/** A follower partition as the fetcher drives it (`Partition` is one). */
export interface FetchTarget {
  readonly topicId: string;
  readonly partition: number;
  /** `partitionKey(topicId, partition)`, computed once. */
  readonly key: string;
  /**
   * Undefined while the partition backs off or follows no leader. The same object while the
   * position holds, so the session sees an unchanged partition by identity.
   */
  nextFetch(): ReplicaFetchPartitionRequest | undefined;
  fetchableAtMs(): number;
  applyFetchResponse(request: ReplicaFetchPartitionRequest, response: ReplicaFetchPartitionResponse): FollowerFetchOutcome;
}

export interface FollowerPartitionSource {
  /** The partitions this broker currently follows `leaderId` for. */
  partitionsFollowing(leaderId: BrokerId): readonly FetchTarget[];
  /** The partition with `key` if this broker still follows `leaderId` for it. */
  followedPartition(leaderId: BrokerId, key: string): FetchTarget | undefined;
}

export interface ReplicaFetcherOptions {
  readonly leaderId: BrokerId;
  readonly replicaId: BrokerId;
  readonly brokerEpoch: () => number;
  readonly session: ReplicaFetchSession;
  readonly source: FollowerPartitionSource;
  readonly clock: Clock;
  readonly logger: Logger;
  /** `replica.fetch.wait.max.ms`: how long the leader may hold a fetch. */
  readonly maxWaitMs: number;
  /** `replica.fetch.min.bytes`. */
  readonly minBytes: number;
  /** `replica.fetch.max.bytes`, per partition. */
  readonly maxBytes: number;
  /** Added to `maxWaitMs` to bound the wait for an answer. */
  readonly requestTimeoutMs: number;
  /** `replica.fetch.backoff.ms`: pause after a failed fetch. */
  readonly backoffMs: number;
  /**
   * A fetch session id never used before by this broker in this epoch (shared by its fetchers, so
   * a late fetch of a stopped fetcher cannot pass for one of its successor's).
   */
  readonly newSessionId: () => number;
}

/** What this follower last told the leader, partition by partition (see `FetchSessionCache`). */
interface FollowerSession {
  readonly id: number;
  epoch: number;
  readonly sent: Map<string, ReplicaFetchPartitionRequest>;
}

export class ReplicaFetcher {
  private running = false;
  /** The fetch session with this leader; undefined until the next full fetch starts one. */
  private session: FollowerSession | undefined;
  private inFlight = false;
  /** A wake came while a fetch was in flight: send the next one as soon as it is answered. */
  private wakePending = false;
  /** Bumped when a fetch is abandoned or the fetcher stops, so late answers are ignored. */
  private generation = 0;
  private timer: Timer | undefined;
  /** Scratch for `nextSessionFetch`: the keys fetchable this round, kept to avoid an allocation per poll. */
  private readonly fetchableKeys: string[] = [];
  private readonly logger: Logger;

  constructor(private readonly options: ReplicaFetcherOptions) {
    this.logger = options.logger.child({ leader: options.leaderId });
  }

  get leaderId(): BrokerId {
    return this.options.leaderId;
  }

  isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.logger.debug('replica fetcher started');
    this.fetchNext();
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.generation++;
    this.inFlight = false;
    this.session = undefined;
    this.timer?.cancel();
    this.timer = undefined;
    this.options.session.close();
    this.logger.debug('replica fetcher stopped');
  }

  /** New partitions to follow: fetch now instead of at the end of an idle wait. */
  wake(): void {
    if (!this.running) return;
    if (this.inFlight) this.wakePending = true;
    else this.fetchNext();
  }

  private fetchNext(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (!this.running || this.inFlight) return;
    this.wakePending = false;
    const { options } = this;
    const targets = options.source.partitionsFollowing(options.leaderId);
    const next = this.nextSessionFetch(targets);
    if (!next) {
      this.session = undefined;
      return this.idle(targets);
    }
    const { partitions, session } = next;
    const request: ReplicaFetchRequest = {
      replicaId: options.replicaId,
      brokerEpoch: options.brokerEpoch(),
      maxWaitMs: options.maxWaitMs,
      minBytes: options.minBytes,
      maxBytes: options.maxBytes,
      partitions,
      session,
    };
    const sent = this.session!.sent;
    const generation = ++this.generation;
    const sentAtMs = options.clock.monotonic();
    this.inFlight = true;
    const deadline = options.clock.schedule(options.maxWaitMs + options.requestTimeoutMs, () => {
      if (generation !== this.generation) return;
      this.generation++;
      this.inFlight = false;
      this.session = undefined;
      this.logger.warn({ waitedMs: options.clock.monotonic() - sentAtMs }, 'replica fetch got no answer; abandoning it');
      this.retryAfter(options.backoffMs);
    });
    options.session.fetch(request).then(
      (response) => {
        if (generation !== this.generation) return;
        deadline.cancel();
        this.inFlight = false;
        this.onResponse(sent, response, sentAtMs);
      },
      (error: unknown) => {
        if (generation !== this.generation) return;
        deadline.cancel();
        this.inFlight = false;
        this.session = undefined;
        this.logger.debug({ error: error instanceof Error ? error.message : String(error) }, 'replica fetch failed');
        this.retryAfter(options.backoffMs);
      },
    );
  }

  /**
   * The partitions to send: all of them in a full fetch that starts a new session, otherwise only
   * those whose position is not the one the leader holds, plus the ones to forget. Undefined when
   * no partition can be fetched now. An idle poll allocates nothing per partition: positions that
   * hold are the same objects (see `FetchTarget.nextFetch`), so the session compares identities.
   */
  private nextSessionFetch(targets: readonly FetchTarget[]): { partitions: ReplicaFetchPartitionRequest[]; session: FetchSessionRef } | undefined {
    const current = this.session;
    if (!current) {
      const positions = new Map<string, ReplicaFetchPartitionRequest>();
      for (const target of targets) {
        const position = target.nextFetch();
        if (position) positions.set(target.key, position);
      }
      if (positions.size === 0) return undefined;
      this.session = { id: this.options.newSessionId(), epoch: 0, sent: positions };
      return { partitions: [...positions.values()], session: { id: this.session.id, epoch: 0, forgotten: [] } };
    }
    const changed: ReplicaFetchPartitionRequest[] = [];
    const fetchable = this.fetchableKeys;
    fetchable.length = 0;
    for (const target of targets) {
      const position = target.nextFetch();
      if (!position) continue;
      fetchable.push(target.key);
      if (current.sent.get(target.key) === position) continue;
      changed.push(position);
      current.sent.set(target.key, position);
    }
    if (fetchable.length === 0) return undefined;
    // Every fetchable partition is in `sent` now, so `sent` holds more only if some were dropped.
    const forgotten: Array<{ topicId: string; partition: number }> = [];
    if (current.sent.size > fetchable.length) {
      const keep = new Set(fetchable);
      for (const [key, before] of current.sent) {
        if (keep.has(key)) continue;
        forgotten.push({ topicId: before.topicId, partition: before.partition });
        current.sent.delete(key);
      }
    }
    current.epoch++;
    return { partitions: changed, session: { id: current.id, epoch: current.epoch, forgotten } };
  }

  /** `sent`: every position the leader held for this fetch, by partition key. */
  private onResponse(sent: ReadonlyMap<string, ReplicaFetchPartitionRequest>, response: ReplicaFetchResponse, sentAtMs: number): void {
    if (response.error) {
      this.logger.debug({ error: response.error.kafkaName }, 'replica fetch refused');
      // The leader lost the session (it restarted, or a fetch went missing): start over in full.
      this.session = undefined;
      const sessionLost = response.error.kafkaName === 'FETCH_SESSION_ID_NOT_FOUND' || response.error.kafkaName === 'INVALID_FETCH_SESSION_EPOCH';
      return sessionLost ? this.fetchNext() : this.retryAfter(this.options.backoffMs);
    }
    let moved = false;
    for (const part of response.partitions) {
      const key = partitionKey(part.topicId, part.partition);
      // Resolved again: a partition moved away meanwhile must not be touched.
      const target = this.options.source.followedPartition(this.options.leaderId, key);
      const position = sent.get(key);
      if (!target || !position) continue;
      const outcome = target.applyFetchResponse(position, part);
      if ((outcome.kind === 'appended' && outcome.bytes > 0) || outcome.kind === 'truncated') moved = true;
    }
    if (moved || this.wakePending) return this.fetchNext();
    // The leader answered with nothing: wait out the rest of the long poll so a leader that does
    // not hold fetches is not polled in a tight loop.
    const elapsedMs = this.options.clock.monotonic() - sentAtMs;
    if (elapsedMs >= this.options.maxWaitMs) return this.fetchNext();
    this.retryAfter(this.options.maxWaitMs - elapsedMs);
  }

  /** Nothing to fetch now: wait until the first partition's backoff ends (or a wake). */
  private idle(targets: readonly FetchTarget[]): void {
    const now = this.options.clock.monotonic();
    const earliest = Math.min(...targets.map((t) => t.fetchableAtMs()));
    const delayMs = Number.isFinite(earliest) && earliest > now ? earliest - now : this.options.backoffMs;
    this.retryAfter(Math.min(delayMs, this.options.backoffMs));
  }

  private retryAfter(delayMs: number): void {
    if (!this.running) return;
    this.timer?.cancel();
    this.timer = this.options.clock.schedule(Math.max(1, delayMs), () => this.fetchNext());
  }
}

/** Keeps one running fetcher per leader this broker follows some partition of. */
export class ReplicaFetcherPool {
  private readonly fetchers = new Map<BrokerId, ReplicaFetcher>();

  constructor(private readonly createFetcher: (leaderId: BrokerId) => ReplicaFetcher) {}

  leaders(): BrokerId[] {
    return [...this.fetchers.keys()];
  }

  /** Starts fetchers for new leaders, stops those for leaders no longer followed, wakes the rest. */
  reconcile(leaderIds: Iterable<BrokerId>): void {
    const wanted = new Set(leaderIds);
    for (const [leaderId, fetcher] of [...this.fetchers]) {
      if (wanted.has(leaderId)) continue;
      fetcher.stop();
      this.fetchers.delete(leaderId);
    }
    for (const leaderId of wanted) {
      const existing = this.fetchers.get(leaderId);
      if (existing) {
        existing.wake();
        continue;
      }
      const fetcher = this.createFetcher(leaderId);
      this.fetchers.set(leaderId, fetcher);
      fetcher.start();
    }
  }

  stopAll(): void {
    for (const fetcher of this.fetchers.values()) fetcher.stop();
    this.fetchers.clear();
  }
}
