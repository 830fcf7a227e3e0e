import { describe, expect, it } from 'vitest';
import { isBrokerError } from '../../../src/common/errors.js';
import { DEFAULT_LOG_CONFIG, NEVER, resolveLogConfig } from '../../../src/log/config.js';

describe('log config', () => {
  it("defaults to Kafka's values", () => {
    expect(resolveLogConfig()).toEqual({
      segmentBytes: 1073741824,
      segmentMs: 604800000,
      segmentIndexBytes: 10485760,
      indexIntervalBytes: 4096,
      retentionBytes: -1,
      retentionMs: 604800000,
      flushIntervalMessages: NEVER,
      flushIntervalMs: NEVER,
      flushOffsetCheckpointIntervalMs: 60000,
      maxMessageBytes: 1048588,
      cleanupPolicy: 'delete',
      deleteRetentionMs: 86400000,
      minCleanableDirtyRatio: 0.5,
    });
    expect(Object.isFrozen(DEFAULT_LOG_CONFIG)).toBe(true);
  });

  it('applies overrides and ignores undefined ones', () => {
    const config = resolveLogConfig({ segmentBytes: 4096, retentionMs: undefined });
    expect(config.segmentBytes).toBe(4096);
    expect(config.retentionMs).toBe(DEFAULT_LOG_CONFIG.retentionMs);
  });

  it.each([
    [{ segmentBytes: 10 }, 'segmentBytes'],
    [{ segmentBytes: 2 ** 31 }, 'segmentBytes'],
    [{ retentionBytes: -2 }, 'retentionBytes'],
    [{ flushIntervalMessages: 0 }, 'flushIntervalMessages'],
    [{ indexIntervalBytes: 1.5 }, 'indexIntervalBytes'],
    [{ bogus: 1 } as object, 'bogus'],
  ])('refuses %j with INVALID_CONFIG naming the setting', (overrides, name) => {
    let error: unknown;
    try {
      resolveLogConfig(overrides);
    } catch (e) {
      error = e;
    }
    expect(isBrokerError(error, 'INVALID_CONFIG')).toBe(true);
    expect((error as Error).message).toContain(name);
  });
});
