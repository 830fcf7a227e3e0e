// The timeline's feed over the event log: each event once, none lost at a shared millisecond.
import { describe, expect, it } from 'vitest';
import { EventFeed } from '../../../cluster/dashboard/event-feed.js';
import type { ClusterEvent, ReadEventsOptions } from '../../../cluster/events.js';

const event = (atMs: number, node: number, kind: string): ClusterEvent => ({ atMs, node, kind, text: `${kind} on ${node}`, fields: {} });

function feedOver(log: ClusterEvent[]) {
  const reads: ReadEventsOptions[] = [];
  const read = (_dir: string, options: ReadEventsOptions = {}) => {
    reads.push(options);
    const since = log.filter((e) => e.atMs >= (options.sinceMs ?? -Infinity));
    return options.limit === undefined ? since : since.slice(-options.limit);
  };
  return { feed: new EventFeed('/run', read), reads };
}

describe('EventFeed', () => {
  it('starts from now, then delivers each new event once, including ones at the same millisecond', () => {
    const log = [event(100, 1, 'broker-registered')];
    const { feed, reads } = feedOver(log);
    expect(feed.fresh()).toEqual([]);
    log.push(event(200, 2, 'leader-elected'));
    expect(feed.fresh().map((e) => e.kind)).toEqual(['leader-elected']);
    expect(reads.at(-1)?.sinceMs).toBe(100);
    log.push(event(200, 3, 'isr-shrunk'));
    expect(feed.fresh().map((e) => [e.node, e.kind])).toEqual([[3, 'isr-shrunk']]);
    expect(feed.fresh()).toEqual([]);
  });

  it('gives a new page the backlog with the line the CLI prints', () => {
    const { feed } = feedOver([event(Date.UTC(2026, 0, 1, 12, 0, 0, 5), 2, 'controller-elected')]);
    const [first] = feed.backlog();
    expect(first?.line).toMatch(/^\d\d:\d\d:00\.005 {2}node 2 {2}controller-elected {2}controller-elected on 2$/);
  });
});
