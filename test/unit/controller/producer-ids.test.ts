import { describe, expect, it } from 'vitest';
import { isKafkaError } from '../../../src/controller/controller-errors.js';
import { QuorumController } from '../../../src/controller/quorum-controller.js';
import { errorOf, Harness, timing } from './harness.js';

describe('producer id blocks', () => {
  it('hands out consecutive blocks of 1000 ids', () => {
    const h = new Harness();
    h.startBrokers(1, 2);
    const a = h.commit(h.controller.allocateProducerIds({ brokerId: 1, brokerEpoch: h.epochs.get(1)! }));
    const b = h.commit(h.controller.allocateProducerIds({ brokerId: 2, brokerEpoch: h.epochs.get(2)! }));
    expect(a).toEqual({ producerIdStart: 0, producerIdLen: 1000 });
    expect(b).toEqual({ producerIdStart: 1000, producerIdLen: 1000 });
    expect(h.committed.nextProducerId).toBe(2000);
  });

  it('never hands out a committed block again after a controller reset or failover', () => {
    const h = new Harness();
    h.startBrokers(1);
    const req = () => ({ brokerId: 1, brokerEpoch: h.epochs.get(1)! });
    const committed = h.commit(h.controller.allocateProducerIds(req()));
    // A block proposed but lost with the leadership: its ids were never given to anyone.
    h.controller.allocateProducerIds(req());
    h.controller.reset(h.committed);
    const afterReset = h.commit(h.controller.allocateProducerIds(req()));
    h.controller = new QuorumController({ clock: h.clock, random: h.random, timing }, h.committed);
    const afterFailover = h.commit(h.controller.allocateProducerIds(req()));
    const starts = [committed, afterReset, afterFailover].map((b) => b.producerIdStart);
    expect(starts).toEqual([0, 1000, 2000]);
  });

  it('sees its own uncommitted blocks, so back-to-back requests never overlap', () => {
    const h = new Harness();
    h.startBrokers(1);
    const req = { brokerId: 1, brokerEpoch: h.epochs.get(1)! };
    const first = h.controller.allocateProducerIds(req).response;
    const second = h.controller.allocateProducerIds(req).response;
    expect(second.producerIdStart).toBe(first.producerIdStart + first.producerIdLen);
  });

  it('refuses a stale broker epoch', () => {
    const h = new Harness();
    h.startBrokers(1);
    const e = errorOf(() => h.controller.allocateProducerIds({ brokerId: 1, brokerEpoch: 99 }));
    expect(isKafkaError(e, 'STALE_BROKER_EPOCH')).toBe(true);
  });
});
