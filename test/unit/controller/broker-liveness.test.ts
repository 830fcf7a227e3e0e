import { describe, expect, it } from 'vitest';
import { isKafkaError } from '../../../src/controller/controller-errors.js';
import { QuorumController } from '../../../src/controller/quorum-controller.js';
import { NO_LEADER } from '../../../src/metadata/types.js';
import { errorOf, Harness, SESSION_TIMEOUT_MS, timing } from './harness.js';

describe('broker registration and fencing', () => {
  it('gives each registration a new, larger epoch and starts the broker fenced', () => {
    const h = new Harness();
    const e1 = h.register(1);
    const e2 = h.register(2);
    const e1again = h.register(1, 'restarted');
    expect(e2).toBeGreaterThan(e1);
    expect(e1again).toBeGreaterThan(e2);
    expect(h.committed.brokers.get(1)).toMatchObject({ brokerEpoch: e1again, incarnationId: 'restarted', fenced: true });
  });

  it("records the broker's Kafka listener, so Metadata responses can list it, and a restart's new one", () => {
    const h = new Harness();
    const register = (incarnationId: string, kafkaPort?: number) =>
      h.commit(
        h.controller.registerBroker({
          brokerId: 1,
          incarnationId,
          endpoint: { host: '127.0.0.1', port: 9001 },
          ...(kafkaPort !== undefined ? { kafkaEndpoint: { host: 'broker-1.local', port: kafkaPort } } : {}),
        }),
      );
    register('first', 19092);
    expect(h.committed.brokers.get(1)).toMatchObject({ endpoint: { host: '127.0.0.1', port: 9001 }, kafkaEndpoint: { host: 'broker-1.local', port: 19092 } });
    register('second', 29092);
    expect(h.committed.brokers.get(1)!.kafkaEndpoint).toEqual({ host: 'broker-1.local', port: 29092 });
    // A broker that comes back without a listener is no longer advertised on the old one.
    register('third');
    expect(h.committed.brokers.get(1)!.kafkaEndpoint).toBeUndefined();
  });

  it('unfences a broker only once it has applied the log up to its registration', () => {
    const h = new Harness();
    h.register(1);
    const registeredAt = h.committed.brokerRegistrationOffsets.get(1)!;
    const behind = h.heartbeat(1, { offset: registeredAt - 1 });
    expect(behind).toMatchObject({ isFenced: true, isCaughtUp: false, shouldShutdown: false });
    const caughtUp = h.heartbeat(1, { offset: registeredAt });
    expect(caughtUp).toMatchObject({ isFenced: false, isCaughtUp: true });
    expect(h.committed.brokers.get(1)!.fenced).toBe(false);
  });

  it('keeps a broker fenced while it asks to be', () => {
    const h = new Harness();
    h.register(1);
    expect(h.heartbeat(1, { wantFence: true })).toMatchObject({ isFenced: true, isCaughtUp: true });
    h.heartbeat(1);
    expect(h.heartbeat(1, { wantFence: true }).isFenced).toBe(true);
    expect(h.committed.brokers.get(1)!.fenced).toBe(true);
  });

  it('refuses heartbeats with a stale epoch or from unknown brokers', () => {
    const h = new Harness();
    const old = h.register(1);
    h.register(1, 'second');
    const stale = errorOf(() => h.controller.heartbeat({ brokerId: 1, brokerEpoch: old, currentMetadataOffset: 9 }));
    expect(isKafkaError(stale, 'STALE_BROKER_EPOCH')).toBe(true);
    const unknown = errorOf(() => h.controller.heartbeat({ brokerId: 5, brokerEpoch: 1, currentMetadataOffset: 9 }));
    expect(isKafkaError(unknown, 'STALE_BROKER_EPOCH')).toBe(true);
  });

  it('fences a broker silent for longer than the session timeout, and not before', () => {
    const h = new Harness();
    h.startBrokers(1, 2);
    h.clock.advance(SESSION_TIMEOUT_MS);
    h.heartbeat(1);
    expect(h.tick().fencedBrokers).toEqual([]);
    expect(h.committed.brokers.get(2)!.fenced).toBe(false);
    h.clock.advance(1);
    expect(h.tick().fencedBrokers).toEqual([2]);
    expect(h.committed.brokers.get(2)!.fenced).toBe(true);
    expect(h.committed.brokers.get(1)!.fenced).toBe(false);
  });

  it('moves leadership of a fenced broker to the first live ISR replica in assignment order', () => {
    const h = new Harness();
    h.startBrokers(1, 2, 3, 4);
    h.createTopic({ name: 't', assignments: [[1, 3, 2, 4]] });
    // The leader drops broker 3 and adds it back, so the ISR order differs from the assignment.
    for (const newIsr of [[1, 2, 4], [1, 2, 4, 3]]) {
      const p = h.partition('t', 0);
      h.commit(
        h.controller.alterPartition({
          brokerId: 1,
          brokerEpoch: h.epochs.get(1)!,
          topicId: p.topicId,
          partition: 0,
          leaderEpoch: p.leaderEpoch,
          partitionEpoch: p.partitionEpoch,
          newIsr,
        }),
      );
    }
    h.run(SESSION_TIMEOUT_MS + 100, [2, 3, 4]);
    expect(h.partition('t', 0)).toMatchObject({ leader: 3, isr: [2, 4, 3], leaderEpoch: 1, partitionEpoch: 3 });
  });

  it('keeps the last ISR member, leaderless, until it returns, then makes it leader again', () => {
    const h = new Harness();
    h.startBrokers(1, 2);
    h.createTopic({ name: 't', assignments: [[1, 2]] });
    h.run(SESSION_TIMEOUT_MS + 100, [1]);
    expect(h.partition('t', 0)).toMatchObject({ leader: 1, isr: [1] });

    h.run(SESSION_TIMEOUT_MS + 100, [2]);
    expect(h.partition('t', 0)).toMatchObject({ leader: NO_LEADER, isr: [1] });

    h.register(1, 'restarted-1');
    expect(h.partition('t', 0).leader).toBe(NO_LEADER);
    h.heartbeat(1);
    expect(h.partition('t', 0)).toMatchObject({ leader: 1, isr: [1] });
  });

  it('elects the first live replica outside the ISR when the topic enables unclean election', () => {
    const h = new Harness();
    h.startBrokers(1, 2, 3);
    h.createTopic({ name: 'clean', assignments: [[1, 2, 3]] });
    h.createTopic({ name: 'dirty', assignments: [[1, 2, 3]], configs: { 'unclean.leader.election.enable': 'true' } });
    // Brokers 2 and 3 die first, leaving broker 1 as the last ISR member; then broker 1 dies.
    h.run(SESSION_TIMEOUT_MS + 100, [1]);
    h.register(3, 'back-3');
    h.heartbeat(3);
    h.run(SESSION_TIMEOUT_MS + 100, [3]);
    expect(h.partition('clean', 0)).toMatchObject({ leader: NO_LEADER, isr: [1] });
    expect(h.partition('dirty', 0)).toMatchObject({ leader: 3, isr: [3] });
  });

  it('moves leaderships away when a broker restarts before its session expired', () => {
    const h = new Harness();
    h.startBrokers(1, 2, 3);
    h.createTopic({ name: 't', assignments: [[1, 2, 3]] });
    h.register(1, 'after-crash');
    expect(h.partition('t', 0)).toMatchObject({ leader: 2, isr: [2, 3], leaderEpoch: 1 });
  });

  it('lets a retried registration of the same process keep its ISR places', () => {
    const h = new Harness();
    h.startBrokers(1, 2);
    h.createTopic({ name: 't', assignments: [[2, 1]] });
    h.register(1, 'incarnation-1-0');
    expect(h.partition('t', 0).isr).toEqual([2, 1]);
  });
});

describe('controller failover', () => {
  it('gives every broker a fresh session on activation and fences only those that stay silent', () => {
    const h = new Harness();
    h.startBrokers(1, 2, 3);
    h.createTopic({ name: 't', assignments: [[3, 1, 2]] });
    // The old controller stops; a long time passes before a new one takes over.
    h.clock.advance(10 * SESSION_TIMEOUT_MS);
    h.controller = new QuorumController({ clock: h.clock, random: h.random, timing }, h.committed);
    expect(h.tick().fencedBrokers).toEqual([]);

    h.run(SESSION_TIMEOUT_MS + 100, [1, 2]);
    expect(h.committed.brokers.get(3)!.fenced).toBe(true);
    expect(h.committed.brokers.get(1)!.fenced).toBe(false);
    expect(h.partition('t', 0)).toMatchObject({ leader: 1, isr: [1, 2] });
  });

  it('activate() on an existing controller also renews sessions and drops uncommitted decisions', () => {
    const h = new Harness();
    h.startBrokers(1, 2);
    const lost = h.controller.createTopics([{ name: 'lost', numPartitions: 1, replicationFactor: 1 }]);
    expect(lost.records.length).toBeGreaterThan(0);
    expect(h.controller.latestImage().topicIdsByName.has('lost')).toBe(true);

    h.clock.advance(10 * SESSION_TIMEOUT_MS);
    h.controller.activate(h.committed);
    expect(h.controller.latestImage().topicIdsByName.has('lost')).toBe(false);
    expect(h.tick().fencedBrokers).toEqual([]);
  });
});
