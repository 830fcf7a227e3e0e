import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { SeededRandom } from '../../../src/common/random.js';
import { Backoff } from '../../../src/net/backoff.js';
import { BoundedQueue } from '../../../src/net/bounded-queue.js';
import { NetworkFaults, faultyTransport } from '../../../src/net/faults.js';
import type { Message, RaftTransport } from '../../../src/raft/types.js';

describe('BoundedQueue', () => {
  it('drops the oldest items when full and counts them', () => {
    const q = new BoundedQueue<number>(3);
    for (let i = 1; i <= 5; i++) q.push(i);
    expect(q.length).toBe(3);
    expect(q.dropped).toBe(2);
    expect(q.take(2)).toEqual([3, 4]);
    q.push(6);
    expect(q.take(10)).toEqual([5, 6]);
    expect(q.length).toBe(0);
  });

  it('stays FIFO across many pushes and takes', () => {
    const q = new BoundedQueue<number>(5000);
    const seen: number[] = [];
    for (let i = 0; i < 20000; i++) {
      q.push(i);
      if (i % 3 === 0) seen.push(...q.take(2));
    }
    seen.push(...q.take(Infinity));
    expect(seen).toEqual(seen.slice().sort((a, b) => a - b));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length + q.dropped).toBe(20000);
  });
});

describe('Backoff', () => {
  it('doubles up to the cap, with jitter, and starts over after reset', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000 }, new SeededRandom(1));
    const delays = Array.from({ length: 8 }, () => backoff.next());
    expect(delays[0]).toBeGreaterThanOrEqual(80);
    expect(delays[0]).toBeLessThanOrEqual(100);
    expect(delays[3]).toBeGreaterThanOrEqual(640);
    for (const d of delays) expect(d).toBeLessThanOrEqual(1000);
    expect(delays[7]).toBeGreaterThanOrEqual(800);
    backoff.reset();
    expect(backoff.next()).toBeLessThanOrEqual(100);
  });
});

describe('NetworkFaults', () => {
  function recordingTransport(): RaftTransport & { sent: Message[]; deliver(m: Message): void } {
    let handler: ((m: Message) => void) | undefined;
    const sent: Message[] = [];
    return { sent, send: (m) => sent.push(m), onMessage: (h) => (handler = h), deliver: (m) => handler?.(m) };
  }
  const heartbeat = (from: number, to: number, commit = 0): Message => ({ type: 'Heartbeat', from, to, term: 1, commit });

  it('drops traffic to and from an isolated node, and heal restores it', () => {
    const inner = recordingTransport();
    const faults = new NetworkFaults(new ManualClock());
    const transport = faultyTransport(inner, faults);
    const received: Message[] = [];
    transport.onMessage((m) => received.push(m));
    faults.isolate();
    transport.send(heartbeat(1, 2));
    inner.deliver(heartbeat(2, 1));
    expect(inner.sent).toEqual([]);
    expect(received).toEqual([]);
    expect(faults.stats().dropped).toBe(2);
    faults.heal();
    transport.send(heartbeat(1, 2));
    inner.deliver(heartbeat(2, 1));
    expect(inner.sent).toHaveLength(1);
    expect(received).toHaveLength(1);
  });

  it('drops only the chosen peer and delays another in order', () => {
    const clock = new ManualClock();
    const inner = recordingTransport();
    const faults = new NetworkFaults(clock);
    const transport = faultyTransport(inner, faults);
    faults.setPeer(2, { drop: true });
    faults.setPeer(3, { delayMs: 50 });
    transport.send(heartbeat(1, 2));
    transport.send(heartbeat(1, 3, 1));
    transport.send(heartbeat(1, 3, 2));
    transport.send(heartbeat(1, 4));
    expect(inner.sent.map((m) => m.to)).toEqual([4]);
    clock.advance(49);
    expect(inner.sent).toHaveLength(1);
    clock.advance(1);
    expect(inner.sent.map((m) => [m.to, (m as { commit: number }).commit])).toEqual([
      [4, 0],
      [3, 1],
      [3, 2],
    ]);
    faults.setPeer(2, {});
    expect(faults.spec().peers.map((p) => p.nodeId)).toEqual([3]);
  });

  it('delays what the node sends, not what it receives', () => {
    const clock = new ManualClock();
    const inner = recordingTransport();
    const faults = new NetworkFaults(clock);
    const transport = faultyTransport(inner, faults);
    const received: Message[] = [];
    transport.onMessage((m) => received.push(m));
    faults.set({ isolate: false, delayMs: 30, peers: [] });
    transport.send(heartbeat(1, 2));
    inner.deliver(heartbeat(2, 1));
    expect(received).toHaveLength(1);
    expect(inner.sent).toHaveLength(0);
    clock.advance(30);
    expect(inner.sent).toHaveLength(1);
  });

  it('adds the global delay to every peer and refuses negative delays', () => {
    const clock = new ManualClock();
    const faults = new NetworkFaults(clock);
    faults.set({ isolate: false, delayMs: 20, peers: [{ nodeId: 2, drop: false, delayMs: 10 }] });
    const at: number[] = [];
    faults.route(2, () => at.push(clock.now()));
    faults.route(3, () => at.push(clock.now()));
    clock.advance(100);
    expect(at).toEqual([20, 30]);
    expect(() => faults.set({ isolate: false, delayMs: -1, peers: [] })).toThrow(/INVALID_REQUEST/);
  });
});
