/**
 * What a new coordinator replays when this broker becomes leader of a `__consumer_offsets`
 * partition: every record of its local log, read in bounded chunks.
 *
 * Loading policy: wait until the leader's high watermark has reached its log end, then read from
 * the log start to that end. A new leader's log may hold records above its high watermark (written
 * by the previous leader, acknowledged or not yet). Loading only below the high watermark would
 * miss acknowledged commits that the new leader's followers have not fetched again yet; loading
 * the whole log before the high watermark covers it would serve state that a further failover
 * could still take back. Nothing else appends while the partition loads (the coordinator, its only
 * writer, is not serving it yet), so once the high watermark reaches the log end every record
 * read is committed. Kafka's coordinator also replays to the log end; waiting for the high
 * watermark first is what keeps an uncommitted record from being served here.
 */
import type { Clock } from '../common/clock.js';
import { assert, errors } from '../common/errors.js';
import type { Partition } from '../broker/index.js';
import { offsetsRecordsOfBatches, type RawOffsetsRecord } from '../broker/group/index.js';

/** The parts of a hosted replica the reader needs. */
export type OffsetsReplica = Pick<Partition, 'role' | 'leaderEpoch' | 'highWatermark' | 'logEndOffset' | 'logStartOffset' | 'log'>;

export interface OffsetsPartitionReadOptions {
  readonly partition: number;
  /** The replica as currently hosted (looked up again at every step: it may go away). */
  readonly replica: () => OffsetsReplica | undefined;
  /** The leader epoch the load is for: a later epoch means the load is stale. */
  readonly leaderEpoch: number;
  /** False once the load was cancelled (leadership lost, broker stopping). */
  readonly wanted: () => boolean;
  readonly clock: Clock;
  /** How long to wait for the high watermark to reach the log end before giving up this attempt. */
  readonly timeoutMs: number;
  readonly pollMs: number;
  /** Bytes per log read: the memory a load holds besides the state it rebuilds. */
  readonly chunkBytes: number;
}

/**
 * The partition's records in offset order, for `GroupCoordinator.loadPartition`. Throws
 * NOT_COORDINATOR when the load is no longer wanted or the leadership moved (so the coordinator
 * never takes a partial replay for a complete one), and COORDINATOR_LOAD_IN_PROGRESS when the high
 * watermark did not reach the log end in time.
 */
export async function* readOffsetsPartition(options: OffsetsPartitionReadOptions): AsyncGenerator<RawOffsetsRecord, void, undefined> {
  const endOffset = await committedLogEnd(options);
  let offset = leadingReplica(options).logStartOffset();
  while (offset < endOffset) {
    const read = leadingReplica(options).log.read(offset, options.chunkBytes, endOffset);
    assert(read.nextOffset > offset, `reading __consumer_offsets-${options.partition} at ${offset} made no progress`);
    yield* offsetsRecordsOfBatches(read.records);
    offset = read.nextOffset;
  }
}

/** Waits (bounded) until the high watermark covers the whole log and returns the log end. */
async function committedLogEnd(options: OffsetsPartitionReadOptions): Promise<number> {
  const deadline = options.clock.monotonic() + options.timeoutMs;
  for (;;) {
    const replica = leadingReplica(options);
    const logEnd = replica.logEndOffset();
    if (replica.highWatermark() >= logEnd) return logEnd;
    if (options.clock.monotonic() >= deadline) {
      throw errors.coordinatorLoadInProgress(
        `__consumer_offsets-${options.partition}: high watermark ${replica.highWatermark()} has not reached the log end ${logEnd} within ${options.timeoutMs} ms`,
      );
    }
    await new Promise<void>((resolve) => options.clock.schedule(options.pollMs, resolve));
  }
}

function leadingReplica(options: OffsetsPartitionReadOptions): OffsetsReplica {
  const replica = options.replica();
  if (!options.wanted() || !replica || replica.role() !== 'leader' || replica.leaderEpoch() !== options.leaderEpoch) {
    throw errors.notCoordinator(`no longer loading __consumer_offsets-${options.partition} for leader epoch ${options.leaderEpoch}`);
  }
  return replica;
}
