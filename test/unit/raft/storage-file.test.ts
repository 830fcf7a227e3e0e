import { mkdtemp, open, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isBrokerError } from '../../../src/common/errors.js';
import { writeDurableFile } from '../../../src/raft/storage/durable-file.js';
import { FileRaftStorage } from '../../../src/raft/storage/index.js';
import { decodeFrames, encodeFrame, encodeFrames } from '../../../src/raft/storage/log-frame.js';
import { encodeSnapshot } from '../../../src/raft/storage/state-codec.js';
import type { RaftStorage } from '../../../src/raft/types.js';
import { describeRaftStorageContract, entry, range, shape, snapshotAt } from './storage-contract.js';

const dirs: string[] = [];
const opened: RaftStorage[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'raft-storage-'));
  dirs.push(dir);
  return dir;
}

function storageIn(dir: string): FileRaftStorage {
  const storage = new FileRaftStorage(dir);
  opened.push(storage);
  return storage;
}

afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((s) => s.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  vi.restoreAllMocks();
});

describeRaftStorageContract('FileRaftStorage', async () => {
  const dir = await tempDir();
  let current = storageIn(dir);
  return {
    storage: current,
    async reopen() {
      await current.close();
      current = storageIn(dir);
      return current;
    },
  };
});

describe('FileRaftStorage recovery', () => {
  async function withEntries(count: number): Promise<string> {
    const dir = await tempDir();
    const storage = storageIn(dir);
    await storage.load();
    await storage.append(range(1, count, 1));
    await storage.close();
    return dir;
  }

  it('cuts a partial frame at the end of the log and keeps appending after it', async () => {
    const dir = await withEntries(5);
    const log = join(dir, 'raft.log');
    await truncate(log, (await stat(log)).size - 3);
    const storage = storageIn(dir);
    const state = await storage.load();
    expect(state.entries.map((e) => e.index)).toEqual([1, 2, 3, 4]);
    await storage.append([entry(5, 2)]);
    await storage.close();
    const again = await storageIn(dir).load();
    expect(shape(again.entries)).toEqual(shape([...range(1, 4, 1), entry(5, 2)]));
  });

  it('cuts the last frame when one of its bytes is flipped', async () => {
    const dir = await withEntries(5);
    const log = join(dir, 'raft.log');
    const bytes = await readFile(log);
    bytes[bytes.length - 2] ^= 0x40;
    await writeFile(log, bytes);
    const state = await storageIn(dir).load();
    expect(state.entries.map((e) => e.index)).toEqual([1, 2, 3, 4]);
    expect((await stat(log)).size).toBeLessThan(bytes.length);
  });

  it('cuts zero-filled garbage after the last frame', async () => {
    const dir = await withEntries(3);
    const handle = await open(join(dir, 'raft.log'), 'a');
    await handle.write(Buffer.alloc(4096));
    await handle.close();
    const state = await storageIn(dir).load();
    expect(state.entries.map((e) => e.index)).toEqual([1, 2, 3]);
  });

  it('cuts stale frames whose term goes down, left by an interrupted suffix replacement', async () => {
    const dir = await tempDir();
    const frames = [entry(1, 1), entry(2, 3), entry(3, 2), entry(4, 2)].map(encodeFrame);
    await writeFile(join(dir, 'raft.log'), Buffer.concat(frames));
    const state = await storageIn(dir).load();
    expect(state.entries.map((e) => `${e.index}/${e.term}`)).toEqual(['1/1', '2/3']);
  });

  it('refuses to start when the hard state commits entries the log lost', async () => {
    const dir = await tempDir();
    const storage = storageIn(dir);
    await storage.load();
    await storage.append(range(1, 5, 1));
    await storage.setHardState({ term: 1, vote: 1, commit: 5 });
    await storage.close();
    const log = join(dir, 'raft.log');
    await truncate(log, (await stat(log)).size - 1);
    const error = await storageIn(dir).load().then(() => undefined, (e: unknown) => e);
    expect(isBrokerError(error, 'KAFKA_STORAGE_ERROR')).toBe(true);
  });

  it('refuses a damaged hard state file rather than guess', async () => {
    const dir = await tempDir();
    const storage = storageIn(dir);
    await storage.load();
    await storage.setHardState({ term: 7, vote: 2, commit: 0 });
    await storage.close();
    const path = join(dir, 'hardstate');
    const bytes = await readFile(path);
    bytes[bytes.length - 3] ^= 0x01;
    await writeFile(path, bytes);
    await expect(storageIn(dir).load()).rejects.toThrow(/KAFKA_STORAGE_ERROR/);
  });

  it('finishes compaction on load after a crash between saving a snapshot and rewriting the log', async () => {
    const dir = await withEntries(10);
    const log = join(dir, 'raft.log');
    const sizeBefore = (await stat(log)).size;
    await writeDurableFile(dir, 'snapshot', encodeSnapshot(snapshotAt(6, 1)));
    await writeFile(join(dir, 'raft.log.tmp'), 'half-written rewrite');
    const storage = storageIn(dir);
    const state = await storage.load();
    expect(state.entries.map((e) => e.index)).toEqual([7, 8, 9, 10]);
    expect((await stat(log)).size).toBeLessThan(sizeBefore);
    await expect(stat(join(dir, 'raft.log.tmp'))).rejects.toThrow(/ENOENT/);
    await storage.append([entry(11, 1)]);
    await storage.close();
    expect((await storageIn(dir).load()).entries.map((e) => e.index)).toEqual([7, 8, 9, 10, 11]);
  });

  it('cuts the overlapped suffix from the file itself, not only from what recovery reads', async () => {
    const dir = await withEntries(5);
    const storage = storageIn(dir);
    await storage.load();
    await storage.append([entry(2, 2, 'x')]);
    const expected = Buffer.concat([entry(1, 1), entry(2, 2, 'x')].map(encodeFrame));
    expect(await readFile(join(dir, 'raft.log'))).toEqual(expected);
  });

  it('lets concurrent appends share fsyncs (group commit)', async () => {
    const dir = await tempDir();
    const storage = storageIn(dir);
    await storage.load();
    const probe = await open(join(dir, 'probe'), 'w');
    const handleType = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
    await probe.close();
    const datasync = vi.spyOn(handleType, 'datasync');
    await Promise.all(Array.from({ length: 100 }, (_, i) => storage.append([entry(i + 1, 1)])));
    expect(datasync.mock.calls.length).toBeGreaterThan(0);
    expect(datasync.mock.calls.length).toBeLessThan(20);
  });
});

describe('log frames', () => {
  it('frames a run of entries as the concatenation of their single frames, again after other entries', () => {
    const run = [entry(1, 1), entry(2, 1, 'abc'), entry(3, 2)];
    const other = [entry(7, 3, 'zz')];
    const expected = Buffer.concat(run.map(encodeFrame));
    expect(encodeFrames(run)).toEqual(expected);
    expect(encodeFrames(run.slice())).toEqual(expected);
    expect(encodeFrames(other)).toEqual(encodeFrame(other[0]!));
    expect(encodeFrames(run.slice(0, 2))).toEqual(Buffer.concat(run.slice(0, 2).map(encodeFrame)));
    const decoded = decodeFrames(encodeFrames(run));
    expect(decoded.stopReason).toBeUndefined();
    expect(decoded.entries.map((e) => [e.index, e.term, Buffer.from(e.data).toString()])).toEqual(run.map((e) => [e.index, e.term, Buffer.from(e.data).toString()]));
  });
});
