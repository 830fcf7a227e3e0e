/** Shared fixtures for the partition-log tests: storages to run every contract on, batches, reads. */
import { mkdtempSync, rmSync } from 'node:fs';
import { expect } from 'vitest';
import { BrokerError, type KafkaErrorName } from '../../../src/common/errors.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, type Clock } from '../../../src/common/clock.js';
import { buildBatch } from '../../../src/log/batch/build.js';
import { iterateBatches, readRecords } from '../../../src/log/batch/read.js';
import type { BatchHeader } from '../../../src/log/batch/layout.js';
import type { LogConfig } from '../../../src/log/config.js';
import { openPartitionLog } from '../../../src/log/open-log.js';
import type { SegmentedLog } from '../../../src/log/segmented-log.js';
import { FileStorage } from '../../../src/log/storage/file-storage.js';
import { MemoryStorage } from '../../../src/log/storage/memory-storage.js';
import type { Storage, StorageFile } from '../../../src/log/storage/storage.js';

export const TOPIC = 'orders';
export const PARTITION = 3;

export interface StorageHarness {
  readonly kind: 'memory' | 'file';
  readonly storage: Storage;
  readonly dataDir: string;
  /** The partition directory the logs in these tests use. */
  readonly partitionDir: string;
  /** The process dies: files stay as the storage holds them (memory: unsynced bytes are lost). */
  crash(): void;
  cleanup(): void;
}

export function memoryHarness(): StorageHarness & { storage: MemoryStorage } {
  const storage = new MemoryStorage();
  const dataDir = '/data';
  return {
    kind: 'memory',
    storage,
    dataDir,
    partitionDir: `${dataDir}/${TOPIC}-${PARTITION}`,
    crash: () => storage.crash(),
    cleanup: () => undefined,
  };
}

export function fileHarness(): StorageHarness & { storage: FileStorage } {
  const storage = new FileStorage();
  const dataDir = mkdtempSync(join(tmpdir(), 'brokerlab-log-'));
  return {
    kind: 'file',
    storage,
    dataDir,
    partitionDir: `${dataDir}/${TOPIC}-${PARTITION}`,
    crash: () => storage.closeAllFiles(),
    cleanup: () => {
      storage.closeAllFiles();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const HARNESSES: ReadonlyArray<{ kind: 'memory' | 'file'; create: () => StorageHarness }> = [
  { kind: 'memory', create: memoryHarness },
  { kind: 'file', create: fileHarness },
];

export function openTestLog(h: StorageHarness, config: Partial<LogConfig> = {}, clock: Clock = new ManualClock(1_000_000)): SegmentedLog {
  return openPartitionLog({ storage: h.storage, dataDir: h.dataDir, topic: TOPIC, partition: PARTITION, config, clock });
}

/**
 * A producer's batch of `count` records whose values are `${tag}-${i}` padded to `valueBytes`, so
 * tests can tell batches apart by content.
 */
export function producerBatch(count: number, options: { tag?: string; valueBytes?: number; timestamp?: number } = {}): Buffer {
  const tag = options.tag ?? 'v';
  const records = Array.from({ length: count }, (_, i) => ({
    key: Buffer.from(`k${i}`),
    value: Buffer.from(`${tag}-${i}`.padEnd(options.valueBytes ?? 0, '.')),
    timestamp: (options.timestamp ?? 1_700_000_000_000) + i,
  }));
  return buildBatch(records);
}

/** A batch as a leader would have stamped it, for the follower path. */
export function replicatedBatch(baseOffset: number, count: number, epoch: number, tag = 'r', timestamp?: number): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`${tag}-${i}`), timestamp: timestamp ?? 1_700_000_000_000 + i }));
  return buildBatch(records, { baseOffset, partitionLeaderEpoch: epoch });
}

export function batchHeaders(bytes: Buffer): BatchHeader[] {
  return [...iterateBatches(bytes)].map((b) => b.header);
}

/** Every batch from the log start to the log end, read in pieces of `maxBytes`. */
export function readAllBatches(log: SegmentedLog, maxBytes = 64 * 1024): BatchHeader[] {
  const headers: BatchHeader[] = [];
  let offset = log.logStartOffset();
  while (offset < log.logEndOffset()) {
    const result = log.read(offset, maxBytes);
    if (result.records.length === 0) throw new Error(`empty read at ${offset} below the log end ${log.logEndOffset()}`);
    headers.push(...batchHeaders(result.records));
    offset = result.nextOffset;
  }
  return headers;
}

/** Record values (as strings) of every record in the log, in offset order. */
export function readAllValues(log: SegmentedLog): string[] {
  const values: string[] = [];
  let offset = log.logStartOffset();
  while (offset < log.logEndOffset()) {
    const result = log.read(offset, 64 * 1024);
    for (const { position } of iterateBatches(result.records)) {
      for (const record of readRecords(result.records, position)) values.push(record.value?.toString() ?? '');
    }
    offset = result.nextOffset;
  }
  return values;
}

export function expectKafkaError(fn: () => unknown, name: KafkaErrorName): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(BrokerError);
  expect((caught as BrokerError).kafkaName).toBe(name);
}

/** A tag of fixed width, so every batch of the same record count has the same size. */
export function tagFor(offset: number): string {
  return `b${String(offset).padStart(6, '0')}`;
}

/** Appends `batches` producer batches of `records` records each, as leader of `epoch`. */
export function fill(log: SegmentedLog, batches: number, records = 5, epoch = 1, valueBytes = 0): void {
  for (let i = 0; i < batches; i++) log.appendAsLeader(producerBatch(records, { tag: tagFor(log.logEndOffset()), valueBytes }), epoch);
}

export function segmentFiles(h: StorageHarness): string[] {
  return h.storage.list(h.partitionDir).filter((n) => n.endsWith('.log'));
}

/** Counts syncs per kind of file so flush-policy tests can prove when fsync happens. */
export class CountingStorage implements Storage {
  readonly syncs: string[] = [];
  /** Paths read (readFile) and directories listed, in order. */
  readonly lookups: string[] = [];

  constructor(private readonly inner: Storage) {}

  /** Syncs of files whose name ends with `suffix`. */
  syncCount(suffix: string): number {
    return this.syncs.filter((p) => p.endsWith(suffix)).length;
  }

  ensureDir(dir: string): void {
    this.inner.ensureDir(dir);
  }
  list(dir: string): string[] {
    this.lookups.push(`list ${dir}`);
    return this.inner.list(dir);
  }
  exists(path: string): boolean {
    return this.inner.exists(path);
  }
  open(path: string): StorageFile {
    const file = this.inner.open(path);
    const syncs = this.syncs;
    return {
      path: file.path,
      sizeBytes: () => file.sizeBytes(),
      append: (data) => file.append(data),
      read: (position, length) => file.read(position, length),
      truncate: (size) => file.truncate(size),
      sync: () => {
        syncs.push(path);
        file.sync();
      },
      close: () => file.close(),
    };
  }
  readFile(path: string): Buffer | undefined {
    this.lookups.push(`read ${path}`);
    return this.inner.readFile(path);
  }
  rename(from: string, to: string): void {
    this.inner.rename(from, to);
  }
  remove(path: string): void {
    this.inner.remove(path);
  }
  removeDir(dir: string): void {
    this.inner.removeDir(dir);
  }
  syncDir(dir: string): void {
    this.inner.syncDir(dir);
  }
}

/** Thrown by FuseStorage: the process died at this point. */
export class FuseBlown extends Error {}

/**
 * Storage that can kill the process in the middle of an operation: once armed with n, the (n+1)th
 * mutation (write, truncate, sync, create, rename, remove) throws FuseBlown instead of happening.
 */
export class FuseStorage implements Storage {
  private remaining = Number.POSITIVE_INFINITY;

  constructor(private readonly inner: Storage) {}

  arm(mutationsBeforeDeath: number): void {
    this.remaining = mutationsBeforeDeath;
  }

  disarm(): void {
    this.remaining = Number.POSITIVE_INFINITY;
  }

  private mutate(): void {
    if (this.remaining <= 0) {
      this.disarm();
      throw new FuseBlown('the process died');
    }
    this.remaining--;
  }

  ensureDir(dir: string): void {
    this.mutate();
    this.inner.ensureDir(dir);
  }
  list(dir: string): string[] {
    return this.inner.list(dir);
  }
  exists(path: string): boolean {
    return this.inner.exists(path);
  }
  open(path: string): StorageFile {
    this.mutate();
    const file = this.inner.open(path);
    return {
      path: file.path,
      sizeBytes: () => file.sizeBytes(),
      append: (data) => {
        this.mutate();
        file.append(data);
      },
      read: (position, length) => file.read(position, length),
      truncate: (size) => {
        this.mutate();
        file.truncate(size);
      },
      sync: () => {
        this.mutate();
        file.sync();
      },
      close: () => file.close(),
    };
  }
  readFile(path: string): Buffer | undefined {
    return this.inner.readFile(path);
  }
  rename(from: string, to: string): void {
    this.mutate();
    this.inner.rename(from, to);
  }
  remove(path: string): void {
    this.mutate();
    this.inner.remove(path);
  }
  removeDir(dir: string): void {
    this.mutate();
    this.inner.removeDir(dir);
  }
  syncDir(dir: string): void {
    this.mutate();
    this.inner.syncDir(dir);
  }
}
