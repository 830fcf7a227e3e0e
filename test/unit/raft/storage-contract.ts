/**
 * The behaviour every RaftStorage must show, run against each implementation by its own test file.
 * `reopen` simulates a restart: it closes the most recently opened storage and returns a fresh one
 * over the same data (not yet loaded).
 */
import { describe, expect, it } from 'vitest';
import type { Entry, EntryType, RaftStorage, Snapshot } from '../../../src/raft/types.js';

export interface StorageUnderTest {
  storage: RaftStorage;
  reopen(): Promise<RaftStorage>;
}

export function entry(index: number, term: number, text = `e${index}t${term}`, type: EntryType = 'normal'): Entry {
  return { index, term, type, data: new TextEncoder().encode(text) };
}

export function range(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, term));
  return out;
}

export function snapshotAt(index: number, term: number, text = 'state'): Snapshot {
  return { meta: { index, term, membership: { voters: [1, 2, 3], learners: [4] } }, data: new TextEncoder().encode(text) };
}

/** Entries as comparable plain values (index, term, type, text). */
export function shape(entries: readonly Entry[]): string[] {
  return entries.map((e) => `${e.index}/${e.term}/${e.type}/${new TextDecoder().decode(e.data)}`);
}

export function describeRaftStorageContract(name: string, create: () => Promise<StorageUnderTest>): void {
  describe(`${name} (RaftStorage contract)`, () => {
    async function fresh(): Promise<StorageUnderTest> {
      const s = await create();
      await s.storage.load();
      return s;
    }

    it('starts empty', async () => {
      const { storage } = await create();
      const state = await storage.load();
      expect(state.hardState).toEqual({ term: 0, vote: 0, commit: 0 });
      expect(state.snapshot).toBeUndefined();
      expect(state.entries).toEqual([]);
      await storage.close();
    });

    it('keeps appended entries, hard state and data bytes across a restart', async () => {
      const s = await fresh();
      const noop: Entry = { index: 3, term: 2, type: 'noop', data: new Uint8Array(0) };
      const binary: Entry = { index: 4, term: 2, type: 'normal', data: new Uint8Array([0, 255, 1, 254]) };
      await s.storage.append([entry(1, 1), entry(2, 1)]);
      await s.storage.append([noop, binary]);
      await s.storage.setHardState({ term: 2, vote: 3, commit: 2 });
      const restarted = await s.reopen();
      const state = await restarted.load();
      expect(state.hardState).toEqual({ term: 2, vote: 3, commit: 2 });
      expect(shape(state.entries)).toEqual(shape([entry(1, 1), entry(2, 1), noop, binary]));
      expect([...state.entries[3]!.data]).toEqual([0, 255, 1, 254]);
      await restarted.close();
    });

    it('replaces the suffix an append overlaps', async () => {
      const s = await fresh();
      await s.storage.append(range(1, 5, 1));
      await s.storage.append([entry(3, 2, 'new3'), entry(4, 2, 'new4')]);
      const restarted = await s.reopen();
      const state = await restarted.load();
      expect(shape(state.entries)).toEqual(shape([entry(1, 1), entry(2, 1), entry(3, 2, 'new3'), entry(4, 2, 'new4')]));
      await restarted.append([entry(5, 2, 'after')]);
      const again = await (await s.reopen()).load();
      expect(again.entries.map((e) => e.index)).toEqual([1, 2, 3, 4, 5]);
    });

    it('refuses an append that would leave a gap or is not contiguous', async () => {
      const { storage } = await fresh();
      await storage.append(range(1, 2, 1));
      await expect(storage.append([entry(4, 1)])).rejects.toThrow(/gap/);
      await expect(storage.append([entry(3, 1), entry(5, 1)])).rejects.toThrow(/contiguous/);
      await storage.append([entry(3, 1)]);
      await storage.close();
    });

    it('makes every one of many concurrent appends durable, in order', async () => {
      const s = await fresh();
      const writes: Promise<void>[] = [];
      for (let i = 1; i <= 200; i++) writes.push(s.storage.append([entry(i, 1 + Math.floor(i / 50))]));
      await Promise.all(writes);
      const state = await (await s.reopen()).load();
      expect(state.entries.map((e) => e.index)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    });

    it('keeps the latest hard state when writes overlap', async () => {
      const s = await fresh();
      await Promise.all([1, 2, 3, 4, 5].map((term) => s.storage.setHardState({ term, vote: term, commit: 0 })));
      const state = await (await s.reopen()).load();
      expect(state.hardState).toEqual({ term: 5, vote: 5, commit: 0 });
    });

    it('drops entries a snapshot covers and keeps those after it', async () => {
      const s = await fresh();
      await s.storage.append(range(1, 10, 1));
      await s.storage.saveSnapshot(snapshotAt(6, 1));
      const state = await (await s.reopen()).load();
      expect(state.snapshot?.meta).toEqual({ index: 6, term: 1, membership: { voters: [1, 2, 3], learners: [4] } });
      expect(new TextDecoder().decode(state.snapshot!.data)).toBe('state');
      expect(state.entries.map((e) => e.index)).toEqual([7, 8, 9, 10]);
    });

    it('drops the whole log when a received snapshot disagrees with it or lies beyond it', async () => {
      const s = await fresh();
      await s.storage.append(range(1, 5, 1));
      await s.storage.saveSnapshot(snapshotAt(3, 2));
      let state = await (await s.reopen()).load();
      expect(state.entries).toEqual([]);
      expect(state.snapshot?.meta.index).toBe(3);

      const t = await fresh();
      await t.storage.append(range(1, 5, 1));
      await t.storage.saveSnapshot(snapshotAt(20, 3));
      await expect(t.storage.append([entry(5, 3)])).rejects.toThrow(/snapshot/);
      await t.storage.append([entry(21, 3)]);
      state = await (await t.reopen()).load();
      expect(state.snapshot?.meta.index).toBe(20);
      expect(state.entries.map((e) => e.index)).toEqual([21]);
    });

    it('refuses a snapshot older than the saved one', async () => {
      const { storage } = await fresh();
      await storage.saveSnapshot(snapshotAt(5, 1));
      await expect(storage.saveSnapshot(snapshotAt(4, 1))).rejects.toThrow(/older|backwards/);
      await storage.close();
    });

    it('appends and compacts correctly when they interleave', async () => {
      const s = await fresh();
      const work: Promise<void>[] = [s.storage.append(range(1, 5, 1)), s.storage.saveSnapshot(snapshotAt(3, 1)), s.storage.append(range(6, 8, 1))];
      await Promise.all(work);
      const state = await (await s.reopen()).load();
      expect(state.entries.map((e) => e.index)).toEqual([4, 5, 6, 7, 8]);
    });
  });
}
