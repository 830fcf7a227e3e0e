import { describe, expect, it } from 'vitest';
import { topicByName } from '../../../src/metadata/image.js';
import { resolveTopicConfig } from '../../../src/metadata/topic-config.js';
import { Harness } from './harness.js';

const kafkaNameOf = (r: { error?: { kafkaName: string } }) => r.error?.kafkaName;

describe('alter configs', () => {
  it('sets and removes topic config overrides in the committed image', () => {
    const h = new Harness();
    h.startBrokers(1);
    h.createTopic({ name: 'a', configs: { 'retention.ms': '1000' } });
    const results = h.commit(h.controller.alterConfigs([{ name: 'a', changes: { 'retention.bytes': '1000000', 'segment.bytes': '4096', 'retention.ms': null } }]));
    expect(results.map(kafkaNameOf)).toEqual([undefined]);
    const topic = topicByName(h.committed, 'a')!;
    expect(topic.configs).toEqual({ 'retention.bytes': '1000000', 'segment.bytes': '4096' });
    expect(resolveTopicConfig(topic.configs)).toMatchObject({ retentionBytes: 1_000_000, segmentBytes: 4096, retentionMs: 604_800_000 });
  });

  it('refuses an unknown topic, an unknown config or a bad value, changing nothing for that topic', () => {
    const h = new Harness();
    h.startBrokers(1);
    h.createTopic({ name: 'a' });
    h.createTopic({ name: 'b' });
    const results = h.commit(
      h.controller.alterConfigs([
        { name: 'missing', changes: { 'retention.ms': '1' } },
        { name: 'a', changes: { 'retention.bytes': '5', 'segment.bytes': '3' } },
        { name: 'b', changes: { 'no.such.config': null } },
      ]),
    );
    expect(results.map(kafkaNameOf)).toEqual(['UNKNOWN_TOPIC_OR_PARTITION', 'INVALID_CONFIG', 'INVALID_CONFIG']);
    expect(topicByName(h.committed, 'a')!.configs).toEqual({});
    expect(topicByName(h.committed, 'b')!.configs).toEqual({});
  });
});
