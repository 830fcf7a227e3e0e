import { describe, expect, it } from 'vitest';
import { INDEX_ENTRY_BYTES, OffsetIndex } from '../../../src/log/segment/offset-index.js';
import { MemoryStorage } from '../../../src/log/storage/memory-storage.js';
import { indexFilePath, logFilePath, parseSegmentFileName, partitionDirName } from '../../../src/log/segment/file-names.js';

function newIndex(base = 100, maxEntries = 1000): { storage: MemoryStorage; index: OffsetIndex } {
  const storage = new MemoryStorage();
  storage.ensureDir('/p');
  return { storage, index: new OffsetIndex(storage.open('/p/i.index'), base, maxEntries) };
}

describe('OffsetIndex', () => {
  it('finds the last entry at or below an offset, or the segment start', () => {
    const { index } = newIndex();
    index.append(110, 4000);
    index.append(125, 8100);
    index.append(140, 12300);
    expect(index.lookup(100)).toEqual({ offset: 100, position: 0 });
    expect(index.lookup(109)).toEqual({ offset: 100, position: 0 });
    expect(index.lookup(110)).toEqual({ offset: 110, position: 4000 });
    expect(index.lookup(139)).toEqual({ offset: 125, position: 8100 });
    expect(index.lookup(10_000)).toEqual({ offset: 140, position: 12300 });
  });

  it('refuses entries that do not increase', () => {
    const { index } = newIndex();
    index.append(110, 4000);
    expect(() => index.append(110, 5000)).toThrow(/invariant/);
    expect(() => index.append(120, 4000)).toThrow(/invariant/);
  });

  it('writes entries to its file in chunks and all of them on sync, as relative offset and position', () => {
    const { storage, index } = newIndex();
    index.append(101, 10);
    expect(storage.readFile('/p/i.index')!.length).toBe(0);
    index.sync();
    const bytes = storage.readFile('/p/i.index')!;
    expect(bytes.length).toBe(INDEX_ENTRY_BYTES);
    expect([bytes.readInt32BE(0), bytes.readInt32BE(4)]).toEqual([1, 10]);
    for (let i = 2; i < 2 + 600; i++) index.append(100 + i, i * 10);
    expect(storage.readFile('/p/i.index')!.length).toBeGreaterThan(INDEX_ENTRY_BYTES);
  });

  it('truncates entries at or above an offset, in memory and in the file', () => {
    const { storage, index } = newIndex();
    for (let i = 1; i <= 5; i++) index.append(100 + i * 10, i * 1000);
    index.sync();
    index.truncateTo(130);
    expect(index.entryCount()).toBe(2);
    expect(index.lastEntry()).toEqual({ offset: 120, position: 2000 });
    expect(storage.readFile('/p/i.index')!.length).toBe(2 * INDEX_ENTRY_BYTES);
  });

  it('loads a plausible file and rejects malformed ones', () => {
    const { storage, index } = newIndex();
    for (let i = 1; i <= 3; i++) index.append(100 + i, i * 100);
    index.sync();
    const good = storage.readFile('/p/i.index')!;
    const load = (bytes: Buffer, logSize: number): boolean => {
      storage.remove('/p/j.index');
      const file = storage.open('/p/j.index');
      file.append(bytes);
      return new OffsetIndex(file, 100, 1000).loadFromFile(logSize);
    };
    expect(load(good, 1000)).toBe(true);
    expect(load(good.subarray(0, 13), 1000)).toBe(false);
    expect(load(good, 300)).toBe(false);
    const unordered = Buffer.from(good);
    unordered.writeInt32BE(0, 8);
    expect(load(unordered, 1000)).toBe(false);
    expect(load(Buffer.alloc(24), 1000)).toBe(false);
  });

  it('reports when it is full', () => {
    const { index } = newIndex(0, 2);
    index.append(1, 1);
    expect(index.isFull()).toBe(false);
    index.append(2, 2);
    expect(index.isFull()).toBe(true);
  });
});

describe('segment file names', () => {
  it('use 20-digit base offsets inside a <topic>-<partition> directory', () => {
    expect(partitionDirName('orders', 3)).toBe('orders-3');
    expect(logFilePath('/d/orders-3', 0)).toBe('/d/orders-3/00000000000000000000.log');
    expect(indexFilePath('/d/orders-3', 1234)).toBe('/d/orders-3/00000000000000001234.index');
    expect(parseSegmentFileName('00000000000000001234.log', '.log')).toBe(1234);
    expect(parseSegmentFileName('00000000000000001234.index', '.log')).toBeUndefined();
    expect(parseSegmentFileName('1234.log', '.log')).toBeUndefined();
    expect(parseSegmentFileName('leader-epoch-checkpoint', '.log')).toBeUndefined();
  });
});
