// The log cleaner (cleanup.policy=compact): the latest record per key survives with its offset,
// tombstones last delete.retention.ms past the clean part, the offset map's bound splits the work
// across passes, nothing at or above the high watermark counts, producers' last batches and the
// group ends stay as empty batches, and a crash at any step of the swap leaves either the old
// segments or the cleaned ones.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { buildBatch } from '../../../src/log/batch/build.js';
import { readRecords } from '../../../src/log/batch/read.js';
import { iterateBatches } from '../../../src/log/batch/read.js';
import type { LogConfig } from '../../../src/log/config.js';
import type { SegmentedLog } from '../../../src/log/segmented-log.js';
import { FuseBlown, FuseStorage, HARNESSES, PARTITION, TOPIC, expectKafkaError, memoryHarness, openTestLog, type StorageHarness } from './helpers.js';
import { openPartitionLog } from '../../../src/log/open-log.js';

const T0 = 1_700_000_000_000;
const COMPACT: Partial<LogConfig> = { cleanupPolicy: 'compact', segmentBytes: 600, minCleanableDirtyRatio: 0.5, deleteRetentionMs: 1_000 };
const BIG_BUFFER = 1024 * 1024;

type Entry = [offset: number, key: string | null, value: string | null];

function keyed(key: string | null, value: string | null, timestamp: number, producer?: { id: number; sequence: number }): Buffer {
  return buildBatch([{ key: key === null ? null : Buffer.from(key), value: value === null ? null : Buffer.from(value), timestamp }], producer ? { producerId: producer.id, producerEpoch: 0, baseSequence: producer.sequence } : {});
}

/** Every record in offset order, read from the log start. */
function contents(log: SegmentedLog): Entry[] {
  const entries: Entry[] = [];
  let offset = log.logStartOffset();
  while (offset < log.logEndOffset()) {
    const read = log.read(offset, 1 << 20);
    if (read.records.length === 0) break;
    for (const { position } of iterateBatches(read.records)) {
      for (const r of readRecords(read.records, position)) if (r.offset >= offset) entries.push([r.offset, r.key?.toString() ?? null, r.value?.toString() ?? null]);
    }
    offset = read.nextOffset;
  }
  return entries;
}

/** What a compacted log must hold: the latest record of each key, in offset order (tombstones included). */
function latestPerKey(entries: readonly Entry[]): Entry[] {
  const latest = new Map<string | null, Entry>();
  for (const e of entries) latest.set(e[1], e);
  return [...latest.values()].filter((e) => e[1] !== null).sort((a, b) => a[0] - b[0]);
}

describe.each(HARNESSES)('log cleaner ($kind storage)', ({ create }) => {
  let h: StorageHarness;
  afterEach(() => h.cleanup());

  it('keeps the latest record of each key at its offset, merges small segments, and survives a reopen', () => {
    h = create();
    const log = openTestLog(h, COMPACT);
    for (let i = 0; i < 200; i++) log.appendAsLeader(keyed(`k${i % 7}`, `v${i}`, T0 + i), 1);
    const before = contents(log);
    const segmentsBefore = log.segmentCount();
    const stats = log.clean({ nowMs: T0 + 1_000, dedupeBufferBytes: BIG_BUFFER })!;
    expect(stats.recordsRead).toBeGreaterThan(150);
    const after = contents(log);
    // Below the active segment only each key's latest record stays; the active segment is untouched.
    const activeBase = log.segmentBaseOffsets().at(-1)!;
    expect(after.filter((e) => e[0] >= activeBase)).toEqual(before.filter((e) => e[0] >= activeBase));
    expect(after.filter((e) => e[0] < activeBase)).toEqual(latestPerKey(before.filter((e) => e[0] < activeBase)));
    expect(latestPerKey(after)).toEqual(latestPerKey(before));
    expect(after.length).toBeLessThan(before.length / 3);
    expect(log.logEndOffset()).toBe(200);
    // Groups are formed by the sizes before cleaning, so the next pass merges what this one shrank.
    expect(log.segmentCount()).toBe(segmentsBefore);
    for (let i = 200; i < 260; i++) log.appendAsLeader(keyed(`k${i % 7}`, `v${i}`, T0 + i), 1);
    expect(log.clean({ nowMs: T0 + 1_000, dedupeBufferBytes: BIG_BUFFER })).toBeDefined();
    expect(log.segmentCount()).toBeLessThan(segmentsBefore * 0.75);
    const twice = contents(log);

    log.close();
    const reopened = openTestLog(h, COMPACT);
    expect(contents(reopened)).toEqual(twice);
    expect(latestPerKey(twice)).toEqual(latestPerKey([...before, ...twice]));
    expect(reopened.recoveredSegmentsOnOpen).toBe(0);
    reopened.appendAsLeader(keyed('k0', 'after-reopen', T0 + 500), 1);
    expect(contents(reopened).at(-1)).toEqual([260, 'k0', 'after-reopen']);
    reopened.close();
  });
});

describe('log cleaner', () => {
  let h: StorageHarness;
  afterEach(() => h.cleanup());

  it('cleans only a dirty enough log unless forced, and never a delete-policy log', () => {
    h = memoryHarness();
    const plain = openTestLog(h, { ...COMPACT, cleanupPolicy: 'delete' });
    for (let i = 0; i < 50; i++) plain.appendAsLeader(keyed('same', `v${i}`, T0 + i), 1);
    expect(plain.clean({ nowMs: T0, dedupeBufferBytes: BIG_BUFFER })).toBeUndefined();
    plain.reconfigure({ cleanupPolicy: 'compact' });
    expect(plain.clean({ nowMs: T0, dedupeBufferBytes: BIG_BUFFER })?.dirtyRatio).toBe(1);
    // Everything below the active segment is clean now: a few more records are not worth a pass.
    plain.appendAsLeader(keyed('same', 'one more', T0 + 60), 1);
    expect(plain.clean({ nowMs: T0, dedupeBufferBytes: BIG_BUFFER })).toBeUndefined();
    expect(plain.clean({ nowMs: T0, dedupeBufferBytes: BIG_BUFFER, force: true })).toBeUndefined(); // nothing new below the active segment
    plain.close();
  });

  it('keeps tombstones until delete.retention.ms past the clean part, then drops them', () => {
    h = memoryHarness();
    const log = openTestLog(h, COMPACT);
    for (let i = 0; i < 20; i++) log.appendAsLeader(keyed(`k${i % 4}`, `v${i}`, T0 + i), 1);
    log.appendAsLeader(keyed('k1', null, T0 + 30), 1);
    for (let i = 0; i < 40; i++) log.appendAsLeader(keyed(`other${i % 3}`, `w${i}`, T0 + 100 + i), 1);
    log.clean({ nowMs: T0, dedupeBufferBytes: BIG_BUFFER, force: true });
    expect(contents(log).filter((e) => e[1] === 'k1')).toEqual([[20, 'k1', null]]);

    // Records far newer than the tombstone: once they are clean, it is older than the horizon.
    for (let i = 0; i < 60; i++) log.appendAsLeader(keyed(`late${i % 3}`, `x${i}`, T0 + 5_000 + i), 1);
    log.clean({ nowMs: T0, dedupeBufferBytes: BIG_BUFFER, force: true });
    // The horizon moves with the clean part: still there until a pass cleans what came after.
    expect(contents(log).filter((e) => e[1] === 'k1')).toEqual([[20, 'k1', null]]);
    for (let i = 0; i < 20; i++) log.appendAsLeader(keyed(`late${i % 3}`, `y${i}`, T0 + 6_000 + i), 1);
    log.clean({ nowMs: T0, dedupeBufferBytes: BIG_BUFFER, force: true });
    const after = contents(log);
    expect(after.filter((e) => e[1] === 'k1')).toEqual([]);
    expect(after.filter((e) => e[1] === 'k0').map((e) => e[2])).toEqual(['v16']);
    log.close();
  });

  it('cleans in several passes when the offset map cannot hold every key, to the same result', () => {
    const build = (bufferBytes: number): { entries: Entry[]; passes: number } => {
      h = memoryHarness();
      const log = openTestLog(h, { ...COMPACT, segmentBytes: 2_000 });
      for (let i = 0; i < 300; i++) log.appendAsLeader(keyed(`k${i % 40}`, `v${i}`, T0 + i), 1);
      let passes = 0;
      for (let stats = log.clean({ nowMs: T0, dedupeBufferBytes: bufferBytes, force: true }); stats; stats = log.clean({ nowMs: T0, dedupeBufferBytes: bufferBytes, force: true })) {
        passes++;
        expect(stats.mapKeys).toBeLessThanOrEqual(stats.mapCapacity);
        expect(passes).toBeLessThan(50);
      }
      const entries = contents(log);
      log.close();
      return { entries, passes };
    };
    const bounded = build(10 * 24 / 0.9 + 1); // room for 10 keys
    const unbounded = build(BIG_BUFFER);
    expect(unbounded.passes).toBe(1);
    expect(bounded.passes).toBeGreaterThan(2);
    expect(bounded.entries).toEqual(unbounded.entries);
  });

  it('does not let a record at or above the high watermark remove an older one', () => {
    h = memoryHarness();
    const log = openTestLog(h, COMPACT);
    for (let i = 0; i < 30; i++) log.appendAsLeader(keyed('a', `old${i}`, T0 + i), 1);
    const hw = log.logEndOffset();
    for (let i = 0; i < 30; i++) log.appendAsLeader(keyed('b', `b${i}`, T0 + 100 + i), 1);
    log.appendAsLeader(keyed('a', 'uncommitted', T0 + 200), 1);
    for (let i = 0; i < 30; i++) log.appendAsLeader(keyed('c', `c${i}`, T0 + 300 + i), 1);
    log.clean({ nowMs: T0, upperBoundOffset: hw, dedupeBufferBytes: BIG_BUFFER, force: true });
    // Were the uncommitted record truncated away, 'a' must still have its committed value.
    expect(contents(log).filter((e) => e[1] === 'a').map((e) => e[2])).toContain('old29');
    log.close();
  });

  it('keeps a producer last batch as an empty batch, drops records without a key, and refuses keyless produce', () => {
    h = memoryHarness();
    const log = openTestLog(h, { ...COMPACT, cleanupPolicy: 'delete' });
    log.appendAsLeader(keyed(null, 'no key', T0), 1);
    log.appendAsLeader(keyed('p', 'from producer 7', T0 + 1, { id: 7, sequence: 0 }), 1);
    for (let i = 0; i < 40; i++) log.appendAsLeader(keyed('p', `later${i}`, T0 + 10 + i), 1);
    log.reconfigure({ cleanupPolicy: 'compact' });
    expectKafkaError(() => log.appendAsLeader(keyed(null, 'refused', T0 + 99), 1), 'INVALID_RECORD');
    log.clean({ nowMs: T0, dedupeBufferBytes: BIG_BUFFER, force: true });
    const entries = contents(log);
    expect(entries.some((e) => e[1] === null)).toBe(false);
    expect(entries.some((e) => e[2] === 'from producer 7')).toBe(false);
    const read = log.read(0, 1 << 20);
    const producerBatch = [...iterateBatches(read.records)].find((b) => b.header.producerId === 7);
    expect(producerBatch?.header).toMatchObject({ baseOffset: 1, recordCount: 0, baseSequence: 0, lastOffsetDelta: 0 });
    log.close();
  });

  it('replicates a compacted log with its gaps to a follower, which reads and reopens it', () => {
    h = memoryHarness();
    const leader = openTestLog(h, COMPACT);
    for (let i = 0; i < 100; i++) leader.appendAsLeader(keyed(`k${i % 5}`, `v${i}`, T0 + i), 1);
    leader.clean({ nowMs: T0, dedupeBufferBytes: BIG_BUFFER, force: true });
    const expected = contents(leader);
    const f = memoryHarness();
    const follower = openPartitionLog({ storage: f.storage, dataDir: f.dataDir, topic: TOPIC, partition: PARTITION, config: { segmentBytes: 300 }, clock: new ManualClock(0) });
    while (follower.logEndOffset() < leader.logEndOffset()) {
      const read = leader.read(follower.logEndOffset(), 250);
      follower.appendAsFollower(read.records);
    }
    expect(contents(follower)).toEqual(expected);
    f.crash();
    const reopened = openPartitionLog({ storage: f.storage, dataDir: f.dataDir, topic: TOPIC, partition: PARTITION, config: { segmentBytes: 300 }, clock: new ManualClock(0) });
    expect(contents(reopened).slice(0, 3)).toEqual(expected.slice(0, 3));
    leader.close();
    reopened.close();
  });

  it('recovers to the old segments or the cleaned ones after a crash at any step of a pass', () => {
    let completed = false;
    for (let death = 0; !completed; death++) {
      expect(death).toBeLessThan(500);
      const mem = memoryHarness();
      h = mem;
      const fuse = new FuseStorage(mem.storage);
      const open = () => openPartitionLog({ storage: fuse, dataDir: mem.dataDir, topic: TOPIC, partition: PARTITION, config: COMPACT, clock: new ManualClock(0) });
      const log = open();
      for (let i = 0; i < 120; i++) log.appendAsLeader(keyed(`k${i % 6}`, `v${i}`, T0 + i), 1);
      log.flush();
      const before = contents(log);
      fuse.arm(death);
      try {
        log.clean({ nowMs: T0, dedupeBufferBytes: BIG_BUFFER, force: true });
        completed = true;
      } catch (e) {
        if (!(e instanceof FuseBlown)) throw e;
      }
      fuse.disarm();
      mem.crash();
      const reopened = open();
      const after = contents(reopened);
      // Either nothing was cleaned, or a whole group was: every key's latest record is there, at its offset, and nothing else changed.
      expect(latestPerKey(after)).toEqual(latestPerKey(before));
      for (const e of after) expect(before).toContainEqual(e);
      expect(reopened.logEndOffset()).toBe(120);
      if (completed) expect(after.length).toBeLessThan(before.length);
      reopened.close();
    }
  });
});
