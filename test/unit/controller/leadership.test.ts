import { describe, expect, it } from 'vitest';
import { NO_LEADER } from '../../../src/metadata/types.js';
import { Harness, IMBALANCE_DELAY_MS, SESSION_TIMEOUT_MS } from './harness.js';

describe('controlled shutdown', () => {
  it('moves leaderships to other ISR members, leaves ISRs, and lets the broker go once that is committed', () => {
    const h = new Harness();
    h.startBrokers(1, 2, 3);
    h.createTopic({ name: 't', assignments: [[1, 2, 3], [2, 1, 3], [3, 2, 1]] });

    const first = h.heartbeat(1, { wantShutdown: true });
    expect(first).toMatchObject({ isFenced: false, inControlledShutdown: true, shouldShutdown: false });
    expect(h.partition('t', 0)).toMatchObject({ leader: 2, isr: [2, 3], leaderEpoch: 1 });
    expect(h.partition('t', 1)).toMatchObject({ leader: 2, isr: [2, 3], leaderEpoch: 0 });
    expect(h.partition('t', 2)).toMatchObject({ leader: 3, isr: [3, 2] });

    const second = h.heartbeat(1, { wantShutdown: true });
    expect(second).toMatchObject({ isFenced: true, shouldShutdown: true });
    expect(h.committed.brokers.get(1)!.fenced).toBe(true);
  });

  it('does not let the broker go while its leadership moves are not committed', () => {
    const h = new Harness();
    h.startBrokers(1, 2);
    h.createTopic({ name: 't', assignments: [[1, 2]] });
    // The first heartbeat's batch is proposed but not committed yet.
    h.controller.heartbeat({ brokerId: 1, brokerEpoch: h.epochs.get(1)!, currentMetadataOffset: h.committed.offset, wantShutdown: true });
    const again = h.controller.heartbeat({
      brokerId: 1,
      brokerEpoch: h.epochs.get(1)!,
      currentMetadataOffset: h.committed.offset,
      wantShutdown: true,
    });
    expect(again.response.shouldShutdown).toBe(false);
  });

  it('lets a broker that leads nothing shut down at once, fencing it', () => {
    const h = new Harness();
    h.startBrokers(1, 2);
    h.createTopic({ name: 't', assignments: [[2, 1]] });
    expect(h.heartbeat(1, { wantShutdown: true })).toMatchObject({ shouldShutdown: true, isFenced: true });
    expect(h.partition('t', 0)).toMatchObject({ leader: 2, isr: [2] });
  });

  it('takes the partition offline when the stopping broker is its only ISR member', () => {
    const h = new Harness();
    h.startBrokers(1, 2);
    h.createTopic({ name: 'single', assignments: [[1]] });
    h.heartbeat(1, { wantShutdown: true });
    expect(h.partition('single', 0)).toMatchObject({ leader: NO_LEADER, isr: [1] });
    expect(h.heartbeat(1, { wantShutdown: true }).shouldShutdown).toBe(true);
  });
});

describe('preferred leader balancing', () => {
  function failedOver(): Harness {
    const h = new Harness();
    h.startBrokers(1, 2, 3);
    h.createTopic({ name: 't', assignments: [[1, 2, 3]] });
    h.run(SESSION_TIMEOUT_MS + 100, [2, 3]);
    expect(h.partition('t', 0).leader).toBe(2);
    // Broker 1 returns and, as its follower catches up, the leader adds it back to the ISR.
    h.register(1, 'back');
    h.heartbeat(1);
    const p = h.partition('t', 0);
    h.commit(
      h.controller.alterPartition({
        brokerId: 2,
        brokerEpoch: h.epochs.get(2)!,
        topicId: p.topicId,
        partition: 0,
        leaderEpoch: p.leaderEpoch,
        partitionEpoch: p.partitionEpoch,
        newIsr: [2, 3, 1],
      }),
    );
    return h;
  }

  it('moves leadership back to the preferred replica after the imbalance delay, not before', () => {
    const h = failedOver();
    h.run(IMBALANCE_DELAY_MS - 100, [1, 2, 3]);
    expect(h.partition('t', 0).leader).toBe(2);
    h.run(200, [1, 2, 3]);
    expect(h.partition('t', 0)).toMatchObject({ leader: 1, isr: [2, 3, 1] });
  });

  it('does nothing when auto leader rebalance is off', () => {
    const h = new Harness({ autoLeaderRebalance: false });
    h.startBrokers(1, 2);
    h.createTopic({ name: 't', assignments: [[1, 2]] });
    h.heartbeat(1, { wantShutdown: true });
    expect(h.partition('t', 0).leader).toBe(2);
    h.register(1, 'back');
    h.heartbeat(1);
    const p = h.partition('t', 0);
    h.commit(
      h.controller.alterPartition({
        brokerId: 2,
        brokerEpoch: h.epochs.get(2)!,
        topicId: p.topicId,
        partition: 0,
        leaderEpoch: p.leaderEpoch,
        partitionEpoch: p.partitionEpoch,
        newIsr: [2, 1],
      }),
    );
    h.run(2 * IMBALANCE_DELAY_MS, [1, 2]);
    expect(h.partition('t', 0).leader).toBe(2);
  });

  it('never hands leadership to a preferred replica that is shutting down', () => {
    const h = failedOver();
    h.run(IMBALANCE_DELAY_MS - 100, [1, 2, 3]);
    // Broker 1 starts a controlled shutdown: not eligible any more.
    h.heartbeat(1, { wantShutdown: true });
    h.run(IMBALANCE_DELAY_MS, [2, 3]);
    expect(h.partition('t', 0).leader).toBe(2);
  });
});
