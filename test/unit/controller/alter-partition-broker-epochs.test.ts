import { describe, expect, it } from 'vitest';
import { isBrokerError } from '../../../src/common/errors.js';
import type { AlterPartitionRequest } from '../../../src/metadata/types.js';
import { errorOf, Harness } from './harness.js';

/**
 * KIP-903: AlterPartition names each member's broker epoch as the leader saw it fetch. Brokers
 * 1..3 up; t-0 on [1, 2, 3] led by 1, ISR shrunk to [1, 2]; then broker 3 restarts (a new
 * registration, a new epoch) and is unfenced, while the leader still holds fetch state from its
 * previous process.
 */
function setup(options: { checkIsrBrokerEpochs?: boolean } = {}) {
  const h = new Harness(options);
  h.startBrokers(1, 2, 3);
  h.createTopic({ name: 't', assignments: [[1, 2, 3]] });
  const req = (newIsrWithEpochs: AlterPartitionRequest['newIsrWithEpochs']): AlterPartitionRequest => {
    const p = h.partition('t', 0);
    return {
      brokerId: 1,
      brokerEpoch: h.epochs.get(1)!,
      topicId: p.topicId,
      partition: 0,
      leaderEpoch: p.leaderEpoch,
      partitionEpoch: p.partitionEpoch,
      newIsr: newIsrWithEpochs!.map((m) => m.brokerId),
      newIsrWithEpochs,
    };
  };
  const epochOf = (id: number) => h.epochs.get(id)!;
  h.commit(h.controller.alterPartition(req([{ brokerId: 1, brokerEpoch: epochOf(1) }, { brokerId: 2, brokerEpoch: epochOf(2) }])));
  const oldEpoch3 = epochOf(3);
  h.register(3, 'incarnation-3-restarted');
  h.heartbeat(3);
  expect(h.committed.brokers.get(3)).toMatchObject({ fenced: false });
  const expansion = (epoch3: number) =>
    req([{ brokerId: 1, brokerEpoch: epochOf(1) }, { brokerId: 2, brokerEpoch: epochOf(2) }, { brokerId: 3, brokerEpoch: epoch3 }]);
  return { h, req, expansion, oldEpoch3, newEpoch3: epochOf(3) };
}

describe('AlterPartition member broker epochs (KIP-903)', () => {
  it('refuses a member whose epoch predates its registration, naming the broker and both epochs', () => {
    const { h, expansion, oldEpoch3, newEpoch3 } = setup();
    expect(newEpoch3).not.toBe(oldEpoch3);
    const before = h.controller.latestImage();
    const e = errorOf(() => h.controller.alterPartition(expansion(oldEpoch3)));
    expect(isBrokerError(e) && e.kafkaName).toBe('INELIGIBLE_REPLICA');
    expect((e as Error).message).toContain(`broker 3 epoch ${oldEpoch3}, registered with ${newEpoch3}`);
    expect(h.controller.latestImage()).toBe(before);
  });

  it('accepts the member at its current epoch, or with its epoch unknown (-1)', () => {
    const current = setup();
    expect(current.h.commit(current.h.controller.alterPartition(current.expansion(current.newEpoch3)))).toMatchObject({ isr: [1, 2, 3] });
    const unknown = setup();
    expect(unknown.h.commit(unknown.h.controller.alterPartition(unknown.expansion(-1)))).toMatchObject({ isr: [1, 2, 3] });
  });

  it('accepts a request without epochs, as from an older sender', () => {
    const { h, expansion, oldEpoch3 } = setup();
    const { newIsrWithEpochs: _, ...withoutEpochs } = expansion(oldEpoch3);
    expect(h.commit(h.controller.alterPartition(withoutEpochs))).toMatchObject({ isr: [1, 2, 3] });
  });

  it('refuses epochs for other members than the ISR asked for', () => {
    const { h, expansion, newEpoch3 } = setup();
    const e = errorOf(() => h.controller.alterPartition({ ...expansion(newEpoch3), newIsr: [1, 2] }));
    expect(isBrokerError(e) && e.kafkaName).toBe('INVALID_REQUEST');
  });

  it('admits the stale epoch when the check is off (the simulation only)', () => {
    const { h, expansion, oldEpoch3 } = setup({ checkIsrBrokerEpochs: false });
    expect(h.commit(h.controller.alterPartition(expansion(oldEpoch3)))).toMatchObject({ isr: [1, 2, 3] });
  });
});
