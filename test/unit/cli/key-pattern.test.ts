import { describe, expect, it } from 'vitest';
import { compilePattern, sizedValue } from '../../../src/cli/key-pattern.js';
import { ProduceStats } from '../../../src/cli/produce-stats.js';
import { errors } from '../../../src/common/errors.js';

describe('key patterns', () => {
  it('expands {i}, {i%N} and {i/N}', () => {
    expect(compilePattern('user-{i%100}')(1234)).toBe('user-34');
    expect(compilePattern('{i}-{i/10}')(57)).toBe('57-5');
    expect(compilePattern('fixed')(3)).toBe('fixed');
  });

  it('rejects unknown placeholders before anything is sent', () => {
    expect(() => compilePattern('user-{j}')).toThrow('bad placeholder {j} in "user-{j}"');
    expect(() => compilePattern('user-{i%0}')).toThrow(/N > 0/);
  });

  it('makes values of exactly the asked size', () => {
    expect(sizedValue(7, 20)).toHaveLength(20);
    expect(sizedValue(7, 20).startsWith('value-7-')).toBe(true);
    expect(sizedValue(123456, 4)).toHaveLength(4);
  });
});

describe('produce summary', () => {
  it('counts acks, failures by error name, and latency percentiles', () => {
    const stats = new ProduceStats();
    stats.sent = 5;
    for (const ms of [1, 2, 3]) stats.recordAck(ms);
    stats.recordFailure(errors.notEnoughReplicas('isr 1'));
    stats.recordFailure(errors.notEnoughReplicas('isr 1'));
    const summary = stats.summary('all');
    expect(summary[0]).toMatch(/^acked 3 of 5 records \(acks=all\) in \d+ ms: \d+ records\/s$/);
    expect(summary[1]).toBe('ack latency p50 2.0 ms, p99 3.0 ms');
    expect(summary[2]).toBe('failed 2: NOT_ENOUGH_REPLICAS 2');
  });
});
