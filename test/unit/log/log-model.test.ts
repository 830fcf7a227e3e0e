/**
 * Property-style tests: random sequences of appends, reads, truncations, log-start moves,
 * retention, flushes, clean reopens and crashes, checked step by step against a simple model (an
 * array of batches). A crash may keep any valid prefix of what was written, but never less than the
 * recovery point claimed, and never anything that was not written.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { SeededRandom } from '../../../src/common/random.js';
import { buildBatch } from '../../../src/log/batch/build.js';
import { iterateBatches, readRecords } from '../../../src/log/batch/read.js';
import { NEVER, type LogConfig } from '../../../src/log/config.js';
import { openPartitionLog } from '../../../src/log/open-log.js';
import { MemoryStorage } from '../../../src/log/storage/memory-storage.js';
import type { SegmentedLog } from '../../../src/log/segmented-log.js';
import type { Storage } from '../../../src/log/storage/storage.js';
import { FuseBlown, FuseStorage, fileHarness, PARTITION, TOPIC } from './helpers.js';

interface ModelBatch {
  base: number;
  count: number;
  epoch: number;
  id: number;
}

class Model {
  batches: ModelBatch[] = [];
  logStartOffset = 0;
  logEndOffset = 0;

  append(batch: ModelBatch): void {
    this.batches.push(batch);
    this.logEndOffset = batch.base + batch.count;
  }

  /** Kafka's truncateTo: the batch holding `offset` goes whole. */
  truncateTo(offset: number): void {
    const cut = this.batches.findIndex((b) => b.base + b.count - 1 >= offset);
    if (cut < 0) return;
    this.logEndOffset = this.batches[cut]!.base;
    this.batches.length = cut;
    this.logStartOffset = Math.min(this.logStartOffset, this.logEndOffset);
  }

  restartAt(offset: number): void {
    this.batches = [];
    this.logStartOffset = offset;
    this.logEndOffset = offset;
  }

  /** Batches a reader can see: those ending at or after the log start. */
  visible(): ModelBatch[] {
    return this.batches.filter((b) => b.base + b.count > this.logStartOffset);
  }

  batchAt(offset: number): ModelBatch | undefined {
    let lo = 0;
    let hi = this.batches.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.batches[mid]!.base + this.batches[mid]!.count <= offset) lo = mid + 1;
      else hi = mid;
    }
    const batch = this.batches[lo];
    return batch && batch.base <= offset ? batch : undefined;
  }

  /**
   * The leader-epoch entries that start below the log end: each visible epoch's first batch, the
   * first one starting no earlier than the log start. (Kafka's cache may also hold an entry at the
   * log end that no batch has yet: that one depends on history, not on content.)
   */
  epochEntries(): Array<{ epoch: number; startOffset: number }> {
    const entries: Array<{ epoch: number; startOffset: number }> = [];
    for (const b of this.visible()) {
      if (entries.length === 0 || b.epoch > entries[entries.length - 1]!.epoch) {
        entries.push({ epoch: b.epoch, startOffset: Math.max(b.base, this.logStartOffset) });
      }
    }
    return entries;
  }

  /** Where each visible epoch ends: the start of the next higher epoch, or the log end. */
  epochEnds(): Map<number, number> {
    const entries = this.epochEntries();
    return new Map(entries.map((e, i) => [e.epoch, entries[i + 1]?.startOffset ?? this.logEndOffset]));
  }
}

function valuesOf(batch: ModelBatch): string[] {
  return Array.from({ length: batch.count }, (_, i) => `${batch.id}-${i}`);
}

function batchBytes(batch: ModelBatch, stamped: boolean, timestamp: number): Buffer {
  const records = valuesOf(batch).map((v, i) => ({ value: Buffer.from(v), timestamp: timestamp + i }));
  return buildBatch(records, stamped ? { baseOffset: batch.base, partitionLeaderEpoch: batch.epoch } : {});
}

/**
 * Checks a read answer against the model: whole batches, in order, matching content, within
 * limits. Compares one summary per read (a single expect keeps thousands of steps fast).
 */
function checkRead(log: SegmentedLog, model: Model, start: number, maxBytes: number, maxOffset: number): void {
  const result = log.read(start, maxBytes, maxOffset);
  const first = model.batchAt(start);
  const expectAny = first !== undefined && first.base + first.count <= maxOffset;
  const actual = [...iterateBatches(result.records)].map(({ header, position }) => ({
    base: header.baseOffset,
    count: header.recordCount,
    epoch: header.partitionLeaderEpoch,
    values: readRecords(result.records, position).map((r) => r.value?.toString()),
  }));
  // The model's batches from the first one, as many as the log returned (it may stop early at a
  // segment end or at maxBytes), each of which must end at or below maxOffset.
  const expected: typeof actual = [];
  for (let offset = first?.base ?? start; expectAny && expected.length < Math.max(1, actual.length); ) {
    const batch = model.batchAt(offset);
    if (!batch || batch.base + batch.count > maxOffset) break;
    expected.push({ base: batch.base, count: batch.count, epoch: batch.epoch, values: valuesOf(batch) });
    offset = batch.base + batch.count;
  }
  const last = actual[actual.length - 1];
  const summary = {
    batches: actual,
    firstBatchOffset: actual.length > 0 ? result.firstBatchOffset : undefined,
    nextOffset: result.nextOffset,
    withinMaxBytes: actual.length <= 1 || result.records.length <= maxBytes,
  };
  expect(summary).toEqual({
    batches: expected,
    firstBatchOffset: expected[0]?.base,
    nextOffset: last ? last.base + last.count : start,
    withinMaxBytes: true,
  });
}

function checkState(log: SegmentedLog, model: Model): void {
  const entries = log.epochEntries();
  const actual = {
    logEndOffset: log.logEndOffset(),
    logStartOffset: log.logStartOffset(),
    entriesWithinLog: entries.every((e) => e.startOffset >= model.logStartOffset && e.startOffset <= model.logEndOffset),
    entriesBelowEnd: entries.filter((e) => e.startOffset < model.logEndOffset),
    epochEnds: [...model.epochEnds().keys()].map((epoch) => log.endOffsetForEpoch(epoch)),
  };
  expect(actual).toEqual({
    logEndOffset: model.logEndOffset,
    logStartOffset: model.logStartOffset,
    entriesWithinLog: true,
    entriesBelowEnd: model.epochEntries(),
    epochEnds: [...model.epochEnds()].map(([epoch, endOffset]) => ({ epoch, endOffset })),
  });
}

function checkAllContent(log: SegmentedLog, model: Model): void {
  const seen: number[] = [];
  let offset = model.logStartOffset;
  while (offset < model.logEndOffset) {
    const result = log.read(offset, 700);
    for (const { header } of iterateBatches(result.records)) seen.push(header.baseOffset);
    checkRead(log, model, offset, 700, model.logEndOffset);
    offset = result.nextOffset;
  }
  expect(seen).toEqual(model.visible().map((b) => b.base));
}

function randomConfig(random: SeededRandom): Partial<LogConfig> {
  return {
    segmentBytes: random.int(250, 2500),
    indexIntervalBytes: random.pick([0, 100, 400, 4096]),
    segmentMs: random.pick([NEVER, 5_000]),
    retentionBytes: random.pick([-1, -1, 3000]),
    retentionMs: random.pick([-1, 60_000]),
    flushIntervalMessages: random.pick([NEVER, NEVER, 1, 7, 30]),
    flushIntervalMs: random.pick([NEVER, 3_000]),
  };
}

/** Where a scenario runs: a storage, and what a crash does to it. */
interface ScenarioEnv {
  storage: Storage;
  dataDir: string;
  /** Kills the process; `random` may let part of the unsynced writes survive. */
  crash(random: SeededRandom): void;
  /** When present, appends, flushes and closes may die after a few storage mutations. */
  fuse?: FuseStorage;
}

function memoryEnv(withFuse: boolean): ScenarioEnv {
  const memory = new MemoryStorage();
  const fuse = withFuse ? new FuseStorage(memory) : undefined;
  const env: ScenarioEnv = {
    storage: fuse ?? memory,
    dataDir: '/data',
    // Unsynced bytes are lost, half the time keeping a random torn prefix of them.
    crash: (random) => memory.crash(random.chance(0.5) ? { random: random.fork() } : {}),
  };
  if (fuse) env.fuse = fuse;
  return env;
}

/**
 * Runs `steps` random operations on a fresh log; returns how many crashes and reopens it went
 * through. `trace` collects the operations so a failing seed can be read back.
 */
function runScenario(seed: number, steps: number, env: ScenarioEnv, trace: string[] = []): { crashes: number; reopens: number } {
  const random = new SeededRandom(seed);
  const config = randomConfig(random);
  const clock = new ManualClock(1_000_000);
  const open = (): SegmentedLog => openPartitionLog({ storage: env.storage, dataDir: env.dataDir, topic: TOPIC, partition: PARTITION, config, clock });
  let log = open();
  const model = new Model();
  let epoch = 0;
  let nextId = 1;
  let crashes = 0;
  let reopens = 0;

  /** Reopens after a crash and checks what survived: a valid prefix, at least what was durable. */
  const reopenAfterCrash = (durable: number, cause: string): void => {
    env.crash(random);
    log = open();
    crashes++;
    const survived = log.logEndOffset();
    trace.push(`${cause} (recovery point ${durable}) -> end ${survived}`);
    expect(survived).toBeGreaterThanOrEqual(Math.min(durable, model.logEndOffset));
    expect(survived).toBeLessThanOrEqual(Math.max(model.logEndOffset, model.logStartOffset));
    // The log start is checkpointed at once; a log that lost everything from it restarts there.
    expect(survived).toBeGreaterThanOrEqual(model.logStartOffset);
    if (survived === model.logStartOffset) {
      model.restartAt(model.logStartOffset);
    } else {
      expect(model.batches.some((b) => b.base === survived) || survived === model.logEndOffset).toBe(true);
      model.truncateTo(survived);
    }
    epoch = Math.max(epoch, log.latestEpoch());
  };

  for (let step = 0; step < steps; step++) {
    const op = random.int(0, 99);
    const durable = log.recoveryPoint();
    const mayDie = op < 50 || (op >= 83 && op < 87) || (op >= 91 && op < 95);
    if (env.fuse && mayDie && random.chance(0.25)) env.fuse.arm(random.int(0, 8));
    try {
      if (op < 35) {
        if (random.chance(0.1)) epoch += random.int(1, 2);
        const batch: ModelBatch = { base: model.logEndOffset, count: random.int(1, 6), epoch, id: nextId++ };
        trace.push(`leader append ${batch.count} at ${batch.base} epoch ${epoch}`);
        model.append(batch);
        const info = log.appendAsLeader(batchBytes(batch, false, clock.now()), epoch);
        expect(info.firstOffset).toBe(batch.base);
      } else if (op < 50) {
        if (random.chance(0.2)) epoch += 1;
        const parts: Buffer[] = [];
        for (let n = random.int(1, 3); n > 0; n--) {
          const batch: ModelBatch = { base: model.logEndOffset, count: random.int(1, 4), epoch, id: nextId++ };
          parts.push(batchBytes(batch, true, clock.now()));
          model.append(batch);
        }
        trace.push(`follower append ${parts.length} batches, epoch ${epoch}, to ${model.logEndOffset}`);
        log.appendAsFollower(Buffer.concat(parts));
      } else if (op < 65) {
        const start = random.int(model.logStartOffset, model.logEndOffset);
        const maxOffset = random.chance(0.5) ? model.logEndOffset : random.int(start, model.logEndOffset);
        checkRead(log, model, start, random.int(0, 1500), maxOffset);
      } else if (op < 72) {
        const offset = random.int(model.logStartOffset, model.logEndOffset + 2);
        trace.push(`truncateTo ${offset}`);
        log.truncateTo(offset);
        model.truncateTo(offset);
        epoch = Math.max(epoch, log.latestEpoch());
      } else if (op < 75) {
        const offset = model.logEndOffset + random.int(0, 50);
        trace.push(`truncateFullyAndStartAt ${offset}`);
        log.truncateFullyAndStartAt(offset);
        model.restartAt(offset);
      } else if (op < 79) {
        const offset = random.int(model.logStartOffset, model.logEndOffset);
        trace.push(`advanceLogStartOffset ${offset}`);
        log.advanceLogStartOffset(offset);
        model.logStartOffset = offset;
      } else if (op < 83) {
        clock.advance(random.int(0, 40_000));
        log.applyRetention(clock.now());
        trace.push(`retention -> start ${log.logStartOffset()}`);
        const newStart = log.logStartOffset();
        expect(newStart).toBeGreaterThanOrEqual(model.logStartOffset);
        expect(newStart === model.logEndOffset || model.batches.some((b) => b.base === newStart) || newStart === model.logStartOffset).toBe(true);
        model.logStartOffset = newStart;
      } else if (op < 87) {
        trace.push('flush');
        log.flush();
        expect(log.recoveryPoint()).toBe(model.logEndOffset);
      } else if (op < 91) {
        clock.advance(random.int(0, 4_000));
      } else if (op < 95) {
        trace.push('close and reopen');
        log.close();
        log = open();
        reopens++;
      } else {
        reopenAfterCrash(durable, 'crash');
      }
    } catch (e) {
      if (!(e instanceof FuseBlown)) throw e;
      // The process died inside the operation; the model already holds what it would have written.
      reopenAfterCrash(durable, 'died mid-operation');
    }
    env.fuse?.disarm();
    checkState(log, model);
    if (step % 20 === 0) checkAllContent(log, model);
  }
  checkAllContent(log, model);
  log.close();
  return { crashes, reopens };
}

describe('partition log against a model', () => {
  it('agrees when the process dies in the middle of appends, flushes and closes (memory storage)', () => {
    let died = 0;
    for (let seed = 501; seed <= 540; seed++) {
      const trace: string[] = [];
      try {
        runScenario(seed, 150, memoryEnv(true), trace);
      } catch (e) {
        throw new Error(`seed ${seed}: ${(e as Error).message}\nlast operations:\n${trace.slice(-12).join('\n')}`, { cause: e });
      }
      died += trace.filter((t) => t.startsWith('died mid-operation')).length;
    }
    expect(died).toBeGreaterThan(100);
  });


  it('agrees over random operations with crashes on memory storage (many seeds)', () => {
    let crashes = 0;
    let reopens = 0;
    for (let seed = 1; seed <= 80; seed++) {
      const trace: string[] = [];
      try {
        const outcome = runScenario(seed, 150, memoryEnv(false), trace);
        crashes += outcome.crashes;
        reopens += outcome.reopens;
      } catch (e) {
        throw new Error(`seed ${seed}: ${(e as Error).message}\nlast operations:\n${trace.slice(-12).join('\n')}`, { cause: e });
      }
    }
    // The scenarios really exercised what they claim to.
    expect(crashes).toBeGreaterThan(200);
    expect(reopens).toBeGreaterThan(200);
  });

  it('agrees over random operations on file storage, where a killed process keeps its writes', () => {
    for (let seed = 1001; seed <= 1004; seed++) {
      const h = fileHarness();
      const trace: string[] = [];
      try {
        // A killed process on real files keeps everything it wrote.
        runScenario(seed, 100, { storage: h.storage, dataDir: h.dataDir, crash: () => h.crash() }, trace);
      } catch (e) {
        throw new Error(`seed ${seed}: ${(e as Error).message}\nlast operations:\n${trace.slice(-12).join('\n')}`, { cause: e });
      } finally {
        h.cleanup();
      }
    }
  });
});
