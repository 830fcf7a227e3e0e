import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { errors } from '../../../src/common/errors.js';
import { DelayedFetchQueue, serveWithLongPoll } from '../../../src/broker/delayed-fetch.js';
import { DelayedProduceQueue } from '../../../src/broker/delayed-produce.js';

describe('the long-poll queue', () => {
  function poll(queue: DelayedFetchQueue, available: { bytes: number }, answers: number[], maxWaitMs = 100): void {
    serveWithLongPoll(queue, {
      watchKeys: ['t:0'],
      maxWaitMs,
      read: () => available.bytes,
      isSatisfied: (bytes) => bytes >= 1,
      respond: (bytes) => answers.push(bytes),
    });
  }

  it('answers once when woken with data, and not again at the deadline', () => {
    const clock = new ManualClock();
    const queue = new DelayedFetchQueue(clock, 10);
    const available = { bytes: 0 };
    const answers: number[] = [];
    poll(queue, available, answers);
    queue.wake('t:0');
    expect(answers).toEqual([]);
    available.bytes = 7;
    queue.wake('t:0');
    clock.advance(1_000);
    expect(answers).toEqual([7]);
    expect(queue.size()).toBe(0);
    expect(clock.pendingCount()).toBe(0);
  });

  it('answers at the deadline with its first read when nothing woke it, and reads again when something did', () => {
    const clock = new ManualClock();
    const queue = new DelayedFetchQueue(clock, 10);
    const reads = { count: 0 };
    const answers: string[] = [];
    const serve = (key: string) =>
      serveWithLongPoll(queue, {
        watchKeys: [key],
        maxWaitMs: 100,
        read: () => `${key} read ${++reads.count}`,
        isSatisfied: () => false,
        respond: (result) => answers.push(result),
      });
    serve('quiet');
    clock.advance(100);
    expect(answers).toEqual(['quiet read 1']);
    serve('busy');
    queue.wake('busy');
    clock.advance(100);
    expect(answers).toEqual(['quiet read 1', 'busy read 4']);
  });

  it('wakes a fetch watching a whole session (a map, or a long list) by any of its partitions, and forgets it once answered', () => {
    const clock = new ManualClock();
    const queue = new DelayedFetchQueue(clock, 10);
    const session = new Map(Array.from({ length: 1_000 }, (_, i) => [`t:${i}`, { fetchOffset: 0 }]));
    const list = Array.from({ length: 1_000 }, (_, i) => `u:${i}`);
    const answers: string[] = [];
    const available = new Set<string>();
    for (const [name, watchKeys] of [['session', session], ['list', list]] as const) {
      serveWithLongPoll(queue, {
        watchKeys,
        maxWaitMs: 100,
        read: () => [...available].filter((k) => (watchKeys instanceof Map ? watchKeys.has(k) : watchKeys.includes(k))),
        isSatisfied: (news) => news.length > 0,
        respond: (news) => answers.push(`${name}: ${news.join(',')}`),
      });
    }
    available.add('other:1');
    queue.wake('other:1');
    expect(answers).toEqual([]);
    available.add('t:999');
    queue.wake('t:999');
    expect(answers).toEqual(['session: t:999']);
    available.add('u:500');
    queue.wake('u:500');
    queue.wake('t:999');
    expect(answers).toEqual(['session: t:999', 'list: u:500']);
    expect(queue.size()).toBe(0);
    expect(clock.pendingCount()).toBe(0);
  });

  it('answers at once with what it has when full', () => {
    const clock = new ManualClock();
    const queue = new DelayedFetchQueue(clock, 1);
    const answers: number[] = [];
    poll(queue, { bytes: 0 }, answers);
    poll(queue, { bytes: 0 }, answers);
    expect(answers).toEqual([0]);
    clock.advance(100);
    expect(answers).toEqual([0, 0]);
  });
});

describe('the waiting-produce queue', () => {
  it('completes produces in offset order as the high watermark passes them', () => {
    const queue = new DelayedProduceQueue(new ManualClock(), 10);
    const done: string[] = [];
    queue.add(3, 1_000, (e) => done.push(`a:${e?.kafkaName ?? 'NONE'}`));
    queue.add(5, 1_000, (e) => done.push(`b:${e?.kafkaName ?? 'NONE'}`));
    queue.onHighWatermark(4, 3, 2);
    expect(done).toEqual(['a:NONE']);
    queue.onHighWatermark(5, 1, 2);
    expect(done).toEqual(['a:NONE', 'b:NOT_ENOUGH_REPLICAS_AFTER_APPEND']);
    expect(queue.size()).toBe(0);
  });

  it('answers each produce once, whichever of timeout, completion or failure comes first', () => {
    const clock = new ManualClock();
    const queue = new DelayedProduceQueue(clock, 10);
    const done: string[] = [];
    queue.add(1, 10, (e) => done.push(`a:${e?.kafkaName ?? 'NONE'}`));
    queue.add(2, 50, (e) => done.push(`b:${e?.kafkaName ?? 'NONE'}`));
    clock.advance(10);
    queue.onHighWatermark(1, 3, 1);
    queue.failAll(() => errors.notLeaderOrFollower());
    clock.advance(100);
    expect(done).toEqual(['a:REQUEST_TIMED_OUT', 'b:NOT_LEADER_OR_FOLLOWER']);
  });
});
