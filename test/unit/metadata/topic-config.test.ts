import { describe, expect, it } from 'vitest';
import { resolveTopicConfig, validateTopicConfig, validateTopicConfigs } from '../../../src/metadata/topic-config.js';

describe('topic configs', () => {
  it('resolve to Kafka defaults when not overridden', () => {
    expect(resolveTopicConfig({})).toEqual({
      minInsyncReplicas: 1,
      uncleanLeaderElectionEnable: false,
      retentionMs: 604800000,
      retentionBytes: -1,
      segmentBytes: 1073741824,
      segmentMs: 604800000,
      maxMessageBytes: 1048588,
      cleanupPolicy: 'delete',
      deleteRetentionMs: 86400000,
      minCleanableDirtyRatio: 0.5,
    });
  });

  it('accept valid overrides', () => {
    expect(() =>
      validateTopicConfigs({
        'min.insync.replicas': '2',
        'unclean.leader.election.enable': 'true',
        'retention.ms': '-1',
        'segment.bytes': '1048576',
        'cleanup.policy': 'compact',
      }),
    ).not.toThrow();
  });

  it.each([
    ['no.such.config', '1'],
    ['min.insync.replicas', '0'],
    ['min.insync.replicas', 'two'],
    ['unclean.leader.election.enable', 'yes'],
    ['retention.ms', '-2'],
    ['segment.bytes', '13'],
    ['segment.bytes', '99999999999'],
    ['max.message.bytes', '1.5'],
  ])('reject %s=%s with INVALID_CONFIG', (key, value) => {
    expect(() => validateTopicConfig(key, value)).toThrow(/INVALID_CONFIG/);
  });
});
