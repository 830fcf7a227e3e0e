import { describe, expect, it } from 'vitest';
import { BrokerError, errors, errorNameOf, isBrokerError } from '../../../src/common/errors.js';

describe('Kafka errors', () => {
  it('carry Kafka names, codes and retriability', () => {
    const e = errors.notEnoughReplicas('isr 1 < min.insync 2');
    expect(e).toBeInstanceOf(BrokerError);
    expect(e.kafkaName).toBe('NOT_ENOUGH_REPLICAS');
    expect(e.code).toBe(19);
    expect(e.retriable).toBe(true);
    expect(e.message).toContain('isr 1 < min.insync 2');
    expect(errors.corruptMessage().code).toBe(2);
    expect(errors.invalidReplicationFactor().retriable).toBe(false);
    expect(errors.notLeaderOrFollower().refreshMetadata).toBe(true);
  });

  it('round-trip through their wire codes', () => {
    expect(BrokerError.fromCode(74).kafkaName).toBe('FENCED_LEADER_EPOCH');
    expect(BrokerError.fromCode(12345).kafkaName).toBe('UNKNOWN_SERVER_ERROR');
    expect(errorNameOf(41)).toBe('NOT_CONTROLLER');
    expect(isBrokerError(errors.notController(), 'NOT_CONTROLLER')).toBe(true);
    expect(isBrokerError(new Error('x'))).toBe(false);
  });
});
