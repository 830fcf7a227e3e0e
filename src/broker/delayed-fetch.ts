/**
 * Long polls: a fetch that finds nothing to return waits here until new data appears for one of
 * its partitions or `maxWaitMs` passes, whichever is first. Follower fetches are woken when a
 * leader's log end offset moves, consumer fetches when its high watermark moves; either is also
 * woken by a role change so it can answer with the error. The queue is bounded: when full, the
 * caller answers at once with what it has.
 */
import type { Clock, Timer } from '../common/clock.js';
import { assert } from '../common/errors.js';

/**
 * Keys of the partitions whose changes may satisfy a fetch: a list, or a map keyed by them (a
 * follower's whole fetch session, passed as it is rather than copied at every poll).
 */
export type WatchKeys = readonly string[] | ReadonlyMap<string, unknown>;

/**
 * A fetch watching more partitions than this is not indexed by each of them: parking and
 * unparking it would cost a map update per partition at every poll (an idle follower of thousands
 * of partitions polls several times a second). It is asked instead, on each wake, whether it
 * watches that partition; few fetches are that broad (one per follower).
 */
const INDEXED_WATCH_MAX = 64;

export interface WaitingFetch {
  readonly watchKeys: WatchKeys;
  /** The follower whose fetch this is (replica fetches only), for `completeFetchesOf`. */
  readonly fetcherId?: number;
  /** Answers the fetch and returns true if it can be answered now; otherwise changes nothing. */
  tryComplete(): boolean;
  /** The wait is over: answer with whatever is there. */
  forceComplete(): void;
}

interface Entry {
  readonly fetch: WaitingFetch;
  /** Set for a broad fetch (see INDEXED_WATCH_MAX), which is not in `byKey`. */
  readonly watches: ReadonlySet<string> | ReadonlyMap<string, unknown> | undefined;
  timer: Timer | undefined;
  done: boolean;
  /** Inside `tryComplete`: a nested wake must not answer the same fetch twice. */
  checking: boolean;
}

export class DelayedFetchQueue {
  private readonly byKey = new Map<string, Set<Entry>>();
  private readonly broad = new Set<Entry>();
  private readonly byFetcher = new Map<number, Set<Entry>>();
  private count = 0;

  constructor(
    private readonly clock: Clock,
    private readonly maxWaiting: number,
  ) {
    assert(maxWaiting > 0, 'the fetch queue needs room for at least one request');
  }

  size(): number {
    return this.count;
  }

  /** Parks `fetch` for at most `maxWaitMs`. Returns false (and parks nothing) when the queue is full. */
  park(fetch: WaitingFetch, maxWaitMs: number): boolean {
    if (this.count >= this.maxWaiting) return false;
    const keys = fetch.watchKeys;
    const indexed = Array.isArray(keys) && keys.length <= INDEXED_WATCH_MAX;
    const watches = indexed ? undefined : Array.isArray(keys) ? new Set<string>(keys) : (keys as ReadonlyMap<string, unknown>);
    const entry: Entry = { fetch, watches, timer: undefined, done: false, checking: false };
    if (fetch.fetcherId !== undefined) {
      let set = this.byFetcher.get(fetch.fetcherId);
      if (!set) this.byFetcher.set(fetch.fetcherId, (set = new Set()));
      set.add(entry);
    }
    if (watches) this.broad.add(entry);
    else {
      for (const key of keys as readonly string[]) {
        let set = this.byKey.get(key);
        if (!set) this.byKey.set(key, (set = new Set()));
        set.add(entry);
      }
    }
    this.count++;
    entry.timer = this.clock.schedule(Math.max(0, maxWaitMs), () => {
      if (entry.done) return;
      this.remove(entry);
      entry.fetch.forceComplete();
    });
    return true;
  }

  /** Something changed for partition `key`: answer every fetch watching it that now can be. */
  wake(key: string): void {
    const set = this.byKey.get(key);
    if (set) for (const entry of [...set]) this.check(entry);
    if (this.broad.size === 0) return;
    // Every append wakes its partition: copy only the broad fetches that watch it, if any do.
    let watching: Entry[] | undefined;
    for (const entry of this.broad) if (entry.watches!.has(key)) (watching ??= []).push(entry);
    if (watching) for (const entry of watching) this.check(entry);
  }

  /**
   * Answers the fetches of follower `fetcherId` now, with what they have. A follower's parked
   * fetch names only the partitions it followed when it sent it: one this broker has just come to
   * lead must not wait out that fetch's long poll before the follower can ask for it.
   */
  completeFetchesOf(fetcherId: number): void {
    const set = this.byFetcher.get(fetcherId);
    if (!set) return;
    for (const entry of [...set]) {
      if (entry.done || entry.checking) continue;
      this.remove(entry);
      entry.fetch.forceComplete();
    }
  }

  /** Answers every waiting fetch now (shutdown). */
  completeAll(): void {
    const entries = new Set<Entry>(this.broad);
    for (const set of this.byKey.values()) for (const entry of set) entries.add(entry);
    for (const entry of entries) {
      if (entry.done) continue;
      this.remove(entry);
      entry.fetch.forceComplete();
    }
  }

  private check(entry: Entry): void {
    if (entry.done || entry.checking) return;
    entry.checking = true;
    let completed: boolean;
    try {
      completed = entry.fetch.tryComplete();
    } finally {
      entry.checking = false;
    }
    if (completed) this.remove(entry);
  }

  private remove(entry: Entry): void {
    if (entry.done) return;
    entry.done = true;
    entry.timer?.cancel();
    this.count--;
    const fetcherId = entry.fetch.fetcherId;
    if (fetcherId !== undefined) {
      const set = this.byFetcher.get(fetcherId);
      set?.delete(entry);
      if (set?.size === 0) this.byFetcher.delete(fetcherId);
    }
    if (entry.watches) return void this.broad.delete(entry);
    for (const key of entry.fetch.watchKeys as readonly string[]) {
      const set = this.byKey.get(key);
      if (!set) continue;
      set.delete(entry);
      if (set.size === 0) this.byKey.delete(key);
    }
  }
}

export interface LongPoll<R> {
  readonly watchKeys: WatchKeys;
  readonly fetcherId?: number;
  readonly maxWaitMs: number;
  /** Reads every partition of the fetch as it stands now. */
  read(): R;
  /** Enough to answer before the wait is over (minBytes reached, or an error to report). */
  isSatisfied(result: R): boolean;
  respond(result: R): void;
}

/**
 * Answers a fetch at once if it can be, otherwise parks it in `queue` until it can or its wait
 * ends. `respond` is called exactly once.
 */
export function serveWithLongPoll<R>(queue: DelayedFetchQueue, poll: LongPoll<R>): void {
  const first = poll.read();
  if (poll.maxWaitMs <= 0 || poll.isSatisfied(first)) return poll.respond(first);
  // A fetch nothing woke finds at its deadline what it found when it arrived: answer with that
  // instead of reading every partition again (an idle follower of thousands of partitions would
  // otherwise read them all twice per poll).
  let woken = false;
  const parked = queue.park(
    {
      watchKeys: poll.watchKeys,
      ...(poll.fetcherId !== undefined ? { fetcherId: poll.fetcherId } : {}),
      tryComplete: () => {
        woken = true;
        const result = poll.read();
        if (!poll.isSatisfied(result)) return false;
        poll.respond(result);
        return true;
      },
      forceComplete: () => poll.respond(woken ? poll.read() : first),
    },
    poll.maxWaitMs,
  );
  if (!parked) poll.respond(first);
}
