import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/common/clock.js';
import type { HostedPartitionId, MetadataUpdate } from '../../../src/broker/index.js';
import type { PartitionRegistration } from '../../../src/metadata/index.js';
import { MetadataSlices } from '../../../src/node/metadata-slices.js';

/** A clock whose time moves only when a slice says it worked, and whose turns run when the test says. */
class TurnClock implements Clock {
  time = 0;
  readonly turns: Array<{ fn: () => void; cancelled: boolean }> = [];
  now(): number {
    return this.time;
  }
  monotonic(): number {
    return this.time;
  }
  schedule(_delayMs: number, fn: () => void) {
    const turn = { fn, cancelled: false };
    this.turns.push(turn);
    return { cancel: () => (turn.cancelled = true) };
  }
  /** Runs the next turn of the event loop; false when none is waiting. */
  nextTurn(): boolean {
    const turn = this.turns.shift();
    if (!turn) return false;
    if (!turn.cancelled) turn.fn();
    return true;
  }
}

const registration = (topic: string, partition: number): PartitionRegistration =>
  ({ topic, topicId: `${topic}-id`, partition, replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1, leaderEpoch: 0, partitionEpoch: 0 }) as unknown as PartitionRegistration;
const partitions = (topic: string, n: number) => Array.from({ length: n }, (_, i) => registration(topic, i));

function setUp(msPerSlice: number, hosted: HostedPartitionId[] = [], prepare?: (partitions: readonly PartitionRegistration[]) => Promise<void> | undefined) {
  const clock = new TurnClock();
  const applied: MetadataUpdate[] = [];
  const slices = new MetadataSlices({
    clock,
    budgetMs: 20,
    ...(prepare ? { prepare } : {}),
    hostedOf: (ids) => hosted.filter((h) => ids.includes(h.topicId)),
    apply: (slice) => {
      applied.push(slice);
      // `msPerSlice` is the cost of a full slice of 50 partitions (or of a removal slice).
      const n = slice.partitions?.length ?? 50;
      clock.time += (msPerSlice * n) / 50;
    },
  });
  return { clock, applied, slices };
}

const names = (applied: MetadataUpdate[]) => applied.flatMap((u) => (u.partitions ?? []).map((p) => `${p.topic}-${p.partition}`));

describe('metadata slices', () => {
  it('apply a small update at once when nothing waits ahead of it', () => {
    const { clock, applied, slices } = setUp(1);
    slices.submit({ partitions: partitions('a', 3) });
    expect(names(applied)).toEqual(['a-0', 'a-1', 'a-2']);
    expect(slices.busy()).toBe(false);
    expect(clock.turns).toHaveLength(0);
  });

  it('yield to the event loop once a slice passes the budget, and keep later updates behind earlier ones', () => {
    const { clock, applied, slices } = setUp(15);
    slices.submit({ partitions: partitions('big', 500) });
    // A first slice of 10 shows the cost (0.3 ms each); then 15 ms per slice of 50 against a
    // 20 ms budget: two more slices, then the next turn.
    expect(names(applied)).toHaveLength(110);
    expect(slices.busy()).toBe(true);
    slices.submit({ partitions: partitions('small', 1) });
    expect(names(applied)).toHaveLength(110);
    let turns = 0;
    while (clock.nextTurn()) turns++;
    expect(turns).toBe(5);
    const all = names(applied);
    expect(all).toHaveLength(501);
    expect(all.slice(0, 500)).toEqual(partitions('big', 500).map((p) => `big-${p.partition}`));
    expect(all[500]).toBe('small-0');
    expect(slices.busy()).toBe(false);
  });

  it('remove a deleted topic replica by replica, and forget the topic with the last slice', () => {
    const hosted = Array.from({ length: 120 }, (_, partition) => ({ topicId: 'gone-id', partition }));
    const { clock, applied, slices } = setUp(30, hosted);
    slices.submit({ removedTopicIds: ['gone-id'], partitions: partitions('after', 1) });
    while (clock.nextTurn());
    expect(applied.map((u) => [u.removedPartitions?.length ?? 0, u.removedTopicIds ?? [], u.partitions?.length ?? 0])).toEqual([
      [50, [], 0],
      [50, [], 0],
      [20, ['gone-id'], 0],
      [0, [], 1],
    ]);
  });

  it('apply an update only once its preparation settles, after the removals before it, with later updates behind it', async () => {
    const hosted = [{ topicId: 'gone-id', partition: 0 }];
    const prepared: Array<{ names: string[]; settle: (ok: boolean) => void }> = [];
    const { applied, slices } = setUp(1, hosted, (ps) => {
      if (ps[0]!.topic === 'known') return undefined;
      return new Promise<void>((resolve, reject) => {
        prepared.push({ names: ps.map((p) => `${p.topic}-${p.partition}`), settle: (ok) => (ok ? resolve() : reject(new Error('disk full'))) });
      });
    });
    slices.submit({ removedTopicIds: ['gone-id'], partitions: partitions('new', 2) });
    // The removal goes at once; the new partitions wait for their preparation.
    expect(applied.map((u) => u.removedTopicIds ?? [])).toEqual([['gone-id']]);
    expect(prepared.map((p) => p.names)).toEqual([['new-0', 'new-1']]);
    slices.submit({ partitions: partitions('next', 1) });
    expect(names(applied)).toEqual([]);
    expect(slices.busy()).toBe(true);
    // The next update's preparation starts only when it reaches the head of the queue.
    expect(prepared).toHaveLength(1);
    prepared[0]!.settle(true);
    await Promise.resolve();
    await Promise.resolve();
    expect(names(applied)).toEqual(['new-0', 'new-1']);
    expect(prepared.map((p) => p.names)).toEqual([['new-0', 'new-1'], ['next-0']]);
    // A failed preparation still applies the update: opening the log does what it left undone.
    prepared[1]!.settle(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(names(applied)).toEqual(['new-0', 'new-1', 'next-0']);
    // Nothing to prepare: applied at once, as before.
    slices.submit({ partitions: partitions('known', 1) });
    expect(names(applied)).toEqual(['new-0', 'new-1', 'next-0', 'known-0']);
    expect(slices.busy()).toBe(false);
  });

  it('prepare a large update a group at a time, the next group while the one before is applied', async () => {
    const groups: Array<{ size: number; settle: () => void }> = [];
    const { applied, slices } = setUp(1, [], (ps) => new Promise<void>((resolve) => groups.push({ size: ps.length, settle: resolve })));
    slices.submit({ partitions: partitions('big', 250) });
    expect(groups.map((g) => g.size)).toEqual([100]);
    expect(names(applied)).toEqual([]);
    groups[0]!.settle();
    await Promise.resolve();
    // The first group is applied, and the second is being prepared meanwhile.
    expect(names(applied)).toHaveLength(100);
    expect(groups.map((g) => g.size)).toEqual([100, 100]);
    groups[1]!.settle();
    await Promise.resolve();
    expect(names(applied)).toHaveLength(200);
    expect(groups.map((g) => g.size)).toEqual([100, 100, 50]);
    groups[2]!.settle();
    await Promise.resolve();
    expect(names(applied)).toEqual(partitions('big', 250).map((p) => `big-${p.partition}`));
    expect(slices.busy()).toBe(false);
  });

  it('shrink slices when partitions are slow to apply, so each slice stays near the budget', () => {
    const clock = new TurnClock();
    const sizes: number[] = [];
    const slices = new MetadataSlices({
      clock,
      budgetMs: 20,
      hostedOf: () => [],
      apply: (slice) => {
        const n = slice.partitions?.length ?? 0;
        sizes.push(n);
        // Logs recovered after a crash: 10 ms each.
        clock.time += 10 * n;
      },
    });
    slices.submit({ partitions: partitions('recovered', 60) });
    while (clock.nextTurn());
    // The first, small slice learns the cost; every later one fits the 20 ms budget.
    expect(sizes).toEqual([10, ...Array<number>(25).fill(2)]);
  });

  it('drop what waits when stopped', () => {
    const { clock, applied, slices } = setUp(25);
    slices.submit({ partitions: partitions('big', 200) });
    expect(applied).toHaveLength(2);
    slices.stop();
    while (clock.nextTurn());
    expect(applied).toHaveLength(2);
    slices.submit({ partitions: partitions('late', 1) });
    expect(applied).toHaveLength(2);
  });
});
