import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeEvent, followEvents, readEvents, type ClusterEvent } from '../../../cluster/events.js';

const line = (fields: Record<string, unknown>): string => `${JSON.stringify({ level: 30, ...fields, msg: 'm' })}\n`;

describe('readEvents', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'events-'));
    mkdirSync(join(dir, 'logs'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const log = (node: number, text: string): void => appendFileSync(join(dir, 'logs', `node-${node}.log`), text);

  it('merges every node log in time order and keeps only event records', () => {
    log(1, line({ time: 100, node: 1, event: 'broker-fenced', broker: 2, reason: 'session expired' }) + line({ time: 150, node: 1, msg2: 'no event' }) + line({ time: 300, node: 1, event: 'broker-unfenced', broker: 2 }));
    log(3, line({ time: 200, node: 3, event: 'leader-elected', topic: 'orders', partition: 0, leader: 3, previousLeader: 2, leaderEpoch: 5, sinceLastHeardMs: 640 }));
    const events = readEvents(dir);
    expect(events.map((e) => [e.atMs, e.node, e.kind])).toEqual([
      [100, 1, 'broker-fenced'],
      [200, 3, 'leader-elected'],
      [300, 1, 'broker-unfenced'],
    ]);
    expect(events[1]!.fields).toEqual({ topic: 'orders', partition: 0, leader: 3, previousLeader: 2, leaderEpoch: 5, sinceLastHeardMs: 640 });
  });

  it('skips a torn last line and a torn line a restarted node continued', () => {
    log(1, line({ time: 100, node: 1, event: 'broker-registered', broker: 1 }));
    log(1, '{"level":30,"time":110,"node":1,"event":"broker-fen'); // killed mid-write
    log(1, line({ time: 120, node: 1, event: 'controller-elected', term: 2 })); // the restart appends
    log(2, line({ time: 130, node: 2, event: 'isr-shrunk', topic: 't', partition: 1 }) + '{"level":30,"time":140,"event":"isr-exp');
    expect(readEvents(dir).map((e) => e.kind)).toEqual(['broker-registered', 'controller-elected', 'isr-shrunk']);
  });

  it('keeps the newest `limit` events at or after `sinceMs`, across chunk boundaries of a big log', () => {
    const filler = line({ time: 1, node: 1, padding: 'x'.repeat(2000) });
    let text = '';
    for (let i = 0; i < 400; i++) text += filler.replace('"time":1', `"time":${i * 10}`) + line({ time: i * 10 + 5, node: 1, event: 'isr-expanded', seq: i });
    log(1, text); // ~800 KB: several chunks of the backward scan
    log(2, line({ time: 3_996, node: 2, event: 'group-rebalanced', group: 'g', generation: 1, members: ['a'] }));
    const newest = readEvents(dir, { limit: 3 });
    expect(newest.map((e) => [e.atMs, e.kind])).toEqual([[3_985, 'isr-expanded'], [3_995, 'isr-expanded'], [3_996, 'group-rebalanced']]);
    const since = readEvents(dir, { sinceMs: 3_900 });
    expect(since.map((e) => e.atMs)).toEqual([3_905, 3_915, 3_925, 3_935, 3_945, 3_955, 3_965, 3_975, 3_985, 3_995, 3_996]);
    expect(readEvents(dir).length).toBe(401);
    expect(readEvents(dir, { limit: 0 })).toEqual([]);
  });

  it('finds nothing in a directory without logs', () => {
    expect(readEvents(join(dir, 'nothing-here'))).toEqual([]);
  });

  it('follows: the backlog, then what the logs gain, a line being written only once it ends', async () => {
    log(1, line({ time: 100, node: 1, event: 'broker-registered', broker: 1 }));
    const seen: ClusterEvent[] = [];
    const stop = new AbortController();
    const following = followEvents(dir, (e) => seen.push(e), { intervalMs: 20, signal: stop.signal });
    expect(seen.map((e) => e.kind)).toEqual(['broker-registered']);
    const half = line({ time: 200, node: 2, event: 'broker-fenced', broker: 3 });
    log(2, half.slice(0, 30));
    await new Promise((r) => setTimeout(r, 80));
    expect(seen).toHaveLength(1);
    log(2, half.slice(30));
    await waitFor(() => seen.length === 2);
    expect(seen[1]!.kind).toBe('broker-fenced');
    stop.abort();
    await following;
  });
});

describe('describeEvent', () => {
  const at = new Date(2024, 0, 1, 12, 3, 4, 512).getTime();
  const event = (kind: string, fields: Record<string, unknown>, text: string): ClusterEvent => ({ atMs: at, node: 2, kind, fields, text });

  it('prints time, node, kind and the text', () => {
    expect(describeEvent(event('leader-elected', {}, 'orders-0: leader 1 -> 2'))).toBe('12:03:04.512  node 2  leader-elected  orders-0: leader 1 -> 2');
  });

  it('words each kind from its fields', () => {
    const dir = mkdtempSync(join(tmpdir(), 'events-'));
    try {
      mkdirSync(join(dir, 'logs'));
      writeFileSync(
        join(dir, 'logs', 'node-2.log'),
        line({ time: at, node: 2, event: 'leader-elected', topic: 'orders', partition: 0, leader: 2, previousLeader: 1, leaderEpoch: 5, sinceLastHeardMs: 640.4 }) +
          line({ time: at + 1, node: 2, event: 'isr-shrunk', topic: 'orders', partition: 0, previousIsr: [1, 2, 3], isr: [2, 3], replica: 1, reason: 'not caught up', lagMs: 12000, maxLagMs: 10000 }) +
          line({ time: at + 2, node: 2, event: 'group-rebalanced', group: 'g1', generation: 3, members: ['a', 'b'] }) +
          line({ time: at + 3, node: 2, event: 'something-new', x: 1 }),
      );
      expect(readEvents(dir).map((e) => describeEvent(e))).toEqual([
        '12:03:04.512  node 2  leader-elected  orders-0: leader 1 -> 2 (epoch 5), old leader last heard 640 ms before',
        '12:03:04.513  node 2  isr-shrunk  orders-0: ISR [1,2,3] -> [2,3], replica 1 removed: not caught up (behind for 12000 ms, replica.lag.time.max.ms 10000 ms)',
        '12:03:04.514  node 2  group-rebalanced  group g1 generation 3: 2 members [a,b]',
        '12:03:04.515  node 2  something-new  x=1 node=2',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
