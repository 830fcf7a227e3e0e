import { describe, expect, it } from 'vitest';
import { PartitionTable } from '../../../src/metadata/partition-table.js';
import type { PartitionRegistration } from '../../../src/metadata/types.js';

const reg = (partition: number, leaderEpoch = 0): PartitionRegistration => ({
  topicId: 'id-t',
  topic: 't',
  partition,
  replicas: [1, 2, 3],
  isr: [1, 2, 3],
  leader: 1,
  leaderEpoch,
  partitionEpoch: leaderEpoch,
});

describe('partition tables', () => {
  it('read like a map in partition order, whatever order they were written in', () => {
    const table = PartitionTable.of([reg(130), reg(0), reg(64), reg(1)]);
    expect(table.size).toBe(4);
    expect([...table.keys()]).toEqual([0, 1, 64, 130]);
    expect([...table.values()].map((p) => p.partition)).toEqual([0, 1, 64, 130]);
    expect(table.get(64)?.partition).toBe(64);
    expect(table.has(2)).toBe(false);
    expect(table.get(9_999)).toBeUndefined();
    const seen: number[] = [];
    table.forEach((_, k) => seen.push(k));
    expect(seen).toEqual([0, 1, 64, 130]);
  });

  it('leave the table a draft came from unchanged, and share what the draft did not touch', () => {
    const before = PartitionTable.of(Array.from({ length: 200 }, (_, p) => reg(p)));
    const draft = before.draft();
    draft.set(reg(5, 1));
    draft.set(reg(6, 1));
    draft.set(reg(200));
    const after = draft.finish();
    expect(before.get(5)?.leaderEpoch).toBe(0);
    expect(before.size).toBe(200);
    expect(after.get(5)?.leaderEpoch).toBe(1);
    expect(after.size).toBe(201);
    // Partitions outside the changed chunks are the same objects.
    expect(after.get(150)).toBe(before.get(150));
    const chunksOf = (t: PartitionTable) => (t as unknown as { chunks: unknown[] }).chunks;
    expect(chunksOf(after)[2]).toBe(chunksOf(before)[2]);
    expect(chunksOf(after)[0]).not.toBe(chunksOf(before)[0]);
  });
});
