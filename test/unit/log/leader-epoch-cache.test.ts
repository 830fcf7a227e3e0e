import { describe, expect, it } from 'vitest';
import { readCheckpoint, writeCheckpoint, partitionOffsetCodec } from '../../../src/log/checkpoint/checkpoint-file.js';
import { OffsetCheckpoint } from '../../../src/log/checkpoint/offset-checkpoint.js';
import { LeaderEpochCache, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from '../../../src/log/epoch/leader-epoch-cache.js';
import { MemoryStorage } from '../../../src/log/storage/memory-storage.js';

const PATH = '/p/leader-epoch-checkpoint';

function freshCache(): { storage: MemoryStorage; cache: LeaderEpochCache } {
  const storage = new MemoryStorage();
  storage.ensureDir('/p');
  return { storage, cache: new LeaderEpochCache(storage, PATH) };
}

function cacheWith(entries: Array<[number, number]>): { storage: MemoryStorage; cache: LeaderEpochCache } {
  const { storage, cache } = freshCache();
  for (const [epoch, offset] of entries) cache.assign(epoch, offset);
  return { storage, cache };
}

describe('LeaderEpochCache', () => {
  it('records each new epoch once, at its first offset', () => {
    const { cache } = freshCache();
    expect(cache.latestEpoch()).toBe(UNDEFINED_EPOCH);
    expect(cache.assign(1, 0)).toBe(true);
    expect(cache.assign(1, 5)).toBe(false);
    expect(cache.assign(3, 10)).toBe(true);
    expect(cache.epochEntries()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 10 },
    ]);
    expect(cache.latestEpoch()).toBe(3);
  });

  it('moves the latest epoch back when it is assigned an earlier offset', () => {
    const { cache } = cacheWith([[1, 0], [2, 10]]);
    expect(cache.assign(2, 7)).toBe(true);
    expect(cache.epochEntries()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 7 },
    ]);
  });

  it('drops later entries that conflict with a newly assigned one', () => {
    const { cache } = cacheWith([[1, 0], [2, 10], [4, 20]]);
    cache.assign(3, 15);
    expect(cache.epochEntries()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 10 },
      { epoch: 3, startOffset: 15 },
    ]);
    cache.assign(5, 12);
    expect(cache.epochEntries()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 10 },
      { epoch: 5, startOffset: 12 },
    ]);
  });

  describe('endOffsetFor, as Kafka answers it', () => {
    const { cache } = cacheWith([[2, 10], [4, 30], [7, 50]]);
    const logEndOffset = 80;
    it.each([
      ['the latest epoch ends at the log end', 7, { epoch: 7, endOffset: 80 }],
      ['an epoch ends where the next one starts', 4, { epoch: 4, endOffset: 50 }],
      ['an unknown epoch between two answers the largest below it', 5, { epoch: 4, endOffset: 50 }],
      ['an unknown epoch just above the first', 3, { epoch: 2, endOffset: 30 }],
      ['an epoch older than every entry answers itself with the first start', 1, { epoch: 1, endOffset: 10 }],
      ['an epoch above every entry is undefined', 9, { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET }],
      ['epoch -1 is undefined', -1, { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET }],
    ])('%s', (_name, requested, expected) => {
      expect(cache.endOffsetFor(requested, logEndOffset)).toEqual(expected);
    });

    it('an empty cache knows no epoch', () => {
      expect(freshCache().cache.endOffsetFor(0, 10)).toEqual({ epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET });
    });
  });

  it('truncating from the end drops entries starting at or after the offset', () => {
    const { cache } = cacheWith([[1, 0], [2, 10], [3, 20]]);
    cache.truncateFromEnd(20);
    expect(cache.epochEntries().map((e) => e.epoch)).toEqual([1, 2]);
    cache.truncateFromEnd(11);
    expect(cache.epochEntries().map((e) => e.epoch)).toEqual([1, 2]);
    cache.truncateFromEnd(0);
    expect(cache.epochEntries()).toEqual([]);
  });

  it('truncating from the start moves the first surviving epoch to the new start', () => {
    const { cache } = cacheWith([[1, 0], [2, 10], [3, 20]]);
    cache.truncateFromStart(15);
    expect(cache.epochEntries()).toEqual([
      { epoch: 2, startOffset: 15 },
      { epoch: 3, startOffset: 20 },
    ]);
    cache.truncateFromStart(20);
    expect(cache.epochEntries()).toEqual([{ epoch: 3, startOffset: 20 }]);
    cache.truncateFromStart(5);
    expect(cache.epochEntries()).toEqual([{ epoch: 3, startOffset: 20 }]);
  });

  it('persists its entries in Kafka checkpoint format on flush, durably, and reloads them', () => {
    const { storage, cache } = cacheWith([[0, 0], [3, 42]]);
    cache.flush();
    expect(storage.readFile(PATH)?.toString()).toBe('0\n2\n0 0\n3 42\n');
    cache.truncateFromEnd(42);
    cache.flush();
    expect(storage.readFile(PATH)?.toString()).toBe('0\n1\n0 0\n');
    storage.crash();
    const reloaded = new LeaderEpochCache(storage, PATH);
    expect(reloaded.epochEntries()).toEqual([{ epoch: 0, startOffset: 0 }]);
    expect(reloaded.needsRebuild).toBe(false);
  });

  it('writes nothing until flushed, then once for all changes, and not again until the next change', () => {
    const { storage, cache } = freshCache();
    const before = storage.syncCount;
    cache.assign(1, 0);
    cache.assign(2, 5);
    cache.assign(3, 9);
    expect(storage.readFile(PATH)).toBeUndefined();
    expect(storage.syncCount - before).toBe(0);
    cache.flush();
    expect(storage.syncCount - before).toBe(1);
    expect(storage.readFile(PATH)?.toString()).toBe('0\n3\n1 0\n2 5\n3 9\n');
    cache.flush();
    expect(storage.syncCount - before).toBe(1);
    cache.assign(3, 9);
    cache.flush();
    expect(storage.syncCount - before).toBe(1);
  });

  it.each([
    ['garbage', 'hello'],
    ['a wrong version', '1\n1\n0 0\n'],
    ['a count that does not match', '0\n2\n0 0\n'],
    ['a malformed entry', '0\n1\n0 x\n'],
    ['entries out of order', '0\n2\n3 10\n2 20\n'],
  ])('asks for a rebuild when the checkpoint holds %s', (_name, content) => {
    const storage = new MemoryStorage();
    storage.ensureDir('/p');
    writeCheckpointRaw(storage, content);
    const cache = new LeaderEpochCache(storage, PATH);
    expect(cache.needsRebuild).toBe(true);
    expect(cache.epochEntries()).toEqual([]);
  });
});

describe('offset checkpoints', () => {
  it('store one partition offset in Kafka format and skip rewriting an unchanged value', () => {
    const storage = new MemoryStorage();
    storage.ensureDir('/p');
    const checkpoint = new OffsetCheckpoint(storage, '/p/log-start-offset-checkpoint', 'orders', 3);
    expect(checkpoint.read()).toBe(0);
    checkpoint.write(0);
    expect(storage.readFile('/p/log-start-offset-checkpoint')).toBeUndefined();
    checkpoint.write(120);
    expect(storage.readFile('/p/log-start-offset-checkpoint')?.toString()).toBe('0\n1\norders 3 120\n');
    const syncs = storage.syncCount;
    checkpoint.write(120);
    expect(storage.syncCount).toBe(syncs);
    expect(new OffsetCheckpoint(storage, '/p/log-start-offset-checkpoint', 'orders', 3).read()).toBe(120);
    expect(new OffsetCheckpoint(storage, '/p/log-start-offset-checkpoint', 'orders', 4).read()).toBe(0);
  });

  it('read as 0 when corrupt', () => {
    const storage = new MemoryStorage();
    storage.ensureDir('/p');
    writeCheckpoint(storage, '/p/cp', partitionOffsetCodec, [{ topic: 'orders', partition: 3, offset: 7 }]);
    expect(readCheckpoint(storage, '/p/cp', partitionOffsetCodec)).toEqual({ status: 'ok', entries: [{ topic: 'orders', partition: 3, offset: 7 }] });
    const file = storage.open('/p/cp');
    file.truncate(8);
    file.close();
    expect(readCheckpoint(storage, '/p/cp', partitionOffsetCodec).status).toBe('corrupt');
    expect(new OffsetCheckpoint(storage, '/p/cp', 'orders', 3).read()).toBe(0);
  });
});

function writeCheckpointRaw(storage: MemoryStorage, content: string): void {
  const file = storage.open(PATH);
  file.append(Buffer.from(content));
  file.close();
}
