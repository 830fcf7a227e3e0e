import { afterEach, describe, expect, it } from 'vitest';
import { isBrokerError } from '../../../src/common/errors.js';
import { SeededRandom } from '../../../src/common/random.js';
import { writeFileAtomically } from '../../../src/log/storage/atomic-write.js';
import { MemoryStorage } from '../../../src/log/storage/memory-storage.js';
import { HARNESSES, memoryHarness, type StorageHarness } from './helpers.js';

describe.each(HARNESSES)('Storage contract ($kind)', ({ create }) => {
  let h: StorageHarness;
  afterEach(() => h.cleanup());

  it('appends at the end, reads by position and tracks the size', () => {
    h = create();
    const dir = `${h.dataDir}/d`;
    h.storage.ensureDir(dir);
    const file = h.storage.open(`${dir}/a.log`);
    expect(file.sizeBytes()).toBe(0);
    file.append(Buffer.from('hello '));
    file.append(Buffer.from('world'));
    expect(file.sizeBytes()).toBe(11);
    expect(file.read(6, 5).toString()).toBe('world');
    expect(file.read(8, 100).toString()).toBe('rld');
    expect(file.read(11, 10).length).toBe(0);
    file.close();
    expect(h.storage.readFile(`${dir}/a.log`)?.toString()).toBe('hello world');
  });

  it('copies appended bytes, so the caller may reuse its buffer', () => {
    h = create();
    h.storage.ensureDir(h.dataDir);
    const file = h.storage.open(`${h.dataDir}/reuse`);
    const buf = Buffer.from('aaaa');
    file.append(buf);
    buf.fill('b');
    expect(file.read(0, 4).toString()).toBe('aaaa');
    file.close();
  });

  it('truncates, and appends continue at the new end', () => {
    h = create();
    h.storage.ensureDir(h.dataDir);
    const file = h.storage.open(`${h.dataDir}/t`);
    file.append(Buffer.from('0123456789'));
    file.truncate(4);
    expect(file.sizeBytes()).toBe(4);
    file.append(Buffer.from('xy'));
    expect(file.read(0, 100).toString()).toBe('0123xy');
    file.truncate(100);
    expect(file.sizeBytes()).toBe(6);
    file.close();
  });

  it('reopening a file sees its content and size', () => {
    h = create();
    h.storage.ensureDir(h.dataDir);
    const first = h.storage.open(`${h.dataDir}/r`);
    first.append(Buffer.from('abc'));
    first.sync();
    first.close();
    const second = h.storage.open(`${h.dataDir}/r`);
    expect(second.sizeBytes()).toBe(3);
    second.append(Buffer.from('d'));
    expect(second.read(0, 10).toString()).toBe('abcd');
    second.close();
  });

  it('lists, renames and removes files; missing things are not errors', () => {
    h = create();
    const dir = `${h.dataDir}/p-0`;
    h.storage.ensureDir(dir);
    expect(h.storage.list(`${h.dataDir}/missing`)).toEqual([]);
    expect(h.storage.readFile(`${dir}/nope`)).toBeUndefined();
    for (const name of ['b', 'a', 'c']) h.storage.open(`${dir}/${name}`).close();
    expect(h.storage.list(dir)).toEqual(['a', 'b', 'c']);
    h.storage.rename(`${dir}/a`, `${dir}/z`);
    h.storage.remove(`${dir}/b`);
    h.storage.remove(`${dir}/never-existed`);
    expect(h.storage.list(dir)).toEqual(['c', 'z']);
    expect(h.storage.exists(`${dir}/z`)).toBe(true);
    expect(h.storage.exists(`${dir}/a`)).toBe(false);
    h.storage.removeDir(dir);
    expect(h.storage.exists(dir)).toBe(false);
    expect(h.storage.list(dir)).toEqual([]);
  });

  it('replaces a file atomically through a temporary sibling', () => {
    h = create();
    h.storage.ensureDir(h.dataDir);
    writeFileAtomically(h.storage, `${h.dataDir}/cp`, Buffer.from('one'));
    writeFileAtomically(h.storage, `${h.dataDir}/cp`, Buffer.from('two'));
    expect(h.storage.readFile(`${h.dataDir}/cp`)?.toString()).toBe('two');
    expect(h.storage.list(h.dataDir)).toEqual(['cp']);
  });

  it('refuses to use a closed file with KAFKA_STORAGE_ERROR', () => {
    h = create();
    h.storage.ensureDir(h.dataDir);
    const file = h.storage.open(`${h.dataDir}/c`);
    file.close();
    expect(() => file.append(Buffer.from('x'))).toThrow(expect.objectContaining({ kafkaName: 'KAFKA_STORAGE_ERROR' }));
  });
});

describe('MemoryStorage crashes', () => {
  it('lose every unsynced byte without a Random, and keep every synced one', () => {
    const { storage } = memoryHarness();
    storage.ensureDir('/d');
    const file = storage.open('/d/f');
    file.append(Buffer.from('durable'));
    file.sync();
    file.append(Buffer.from('-volatile'));
    expect(storage.unsyncedBytes()).toBe(9);
    storage.crash();
    expect(storage.readFile('/d/f')?.toString()).toBe('durable');
    expect(storage.unsyncedBytes()).toBe(0);
  });

  it('can bring back an unsynced truncation as the older, longer content', () => {
    const storage = new MemoryStorage();
    storage.ensureDir('/d');
    const file = storage.open('/d/f');
    file.append(Buffer.from('abcdef'));
    file.sync();
    file.truncate(2);
    storage.crash();
    expect(storage.readFile('/d/f')?.toString()).toBe('abcdef');
  });

  it('keep, with a Random, a prefix of the unsynced writes, the last possibly torn', () => {
    const outcomes = new Set<string>();
    for (let seed = 0; seed < 200; seed++) {
      const storage = new MemoryStorage();
      storage.ensureDir('/d');
      const file = storage.open('/d/f');
      file.append(Buffer.from('AAAA'));
      file.sync();
      file.append(Buffer.from('BBBB'));
      file.append(Buffer.from('CCCC'));
      storage.crash({ random: new SeededRandom(seed) });
      const after = storage.readFile('/d/f')!.toString('latin1');
      expect(after.startsWith('AAAA')).toBe(true);
      expect(after.length).toBeLessThanOrEqual(12);
      outcomes.add(after.length === 12 ? 'all' : after.length === 4 ? 'none' : after.length % 4 === 0 ? 'whole-prefix' : 'torn');
    }
    expect(outcomes).toEqual(new Set(['all', 'none', 'whole-prefix', 'torn']));
  });

  it('makes handles opened before a crash unusable', () => {
    const storage = new MemoryStorage();
    storage.ensureDir('/d');
    const file = storage.open('/d/f');
    storage.crash();
    let error: unknown;
    try {
      file.append(Buffer.from('x'));
    } catch (e) {
      error = e;
    }
    expect(isBrokerError(error, 'KAFKA_STORAGE_ERROR')).toBe(true);
  });
});
