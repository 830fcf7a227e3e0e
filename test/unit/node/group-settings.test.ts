import { describe, expect, it } from 'vitest';
import { resolveNodeConfig, type NodeConfigFile } from '../../../src/node/config.js';

function config(fields: Partial<NodeConfigFile> = {}): NodeConfigFile {
  return { nodeId: 1, roles: ['controller', 'broker'], port: 9001, voters: [{ id: 1, host: '127.0.0.1', port: 9001 }], dataDir: '/tmp/x', ...fields };
}

describe('group settings of a node', () => {
  it('defaults to 10 __consumer_offsets partitions, replication 3 and a 5 s commit timeout', () => {
    expect(resolveNodeConfig(config()).broker).toMatchObject({ offsetsTopicNumPartitions: 10, offsetsTopicReplicationFactor: 3, offsetCommitTimeoutMs: 5000, groupMaxSessionTimeoutMs: 1_800_000 });
  });

  it("lowers group.min.session.timeout.ms to the profile's group session timeout, never above Kafka's 6 s", () => {
    expect(resolveNodeConfig(config({ profile: 'fast' })).broker.groupMinSessionTimeoutMs).toBe(3000);
    expect(resolveNodeConfig(config({ profile: 'kafka' })).broker.groupMinSessionTimeoutMs).toBe(6000);
    expect(resolveNodeConfig(config({ overrides: { 'group.session.timeout.ms': 1000 } })).broker.groupMinSessionTimeoutMs).toBe(1000);
    expect(resolveNodeConfig(config({ overrides: { 'group.min.session.timeout.ms': 500 } })).broker.groupMinSessionTimeoutMs).toBe(500);
  });

  it('takes the settings by their Kafka names and refuses impossible values', () => {
    expect(resolveNodeConfig(config({ overrides: { 'offsets.topic.num.partitions': '50' } })).broker.offsetsTopicNumPartitions).toBe(50);
    expect(() => resolveNodeConfig(config({ overrides: { 'offsets.topic.num.partitions': 0 } }))).toThrow(/INVALID_CONFIG.*offsetsTopicNumPartitions/);
    expect(() => resolveNodeConfig(config({ overrides: { 'group.max.session.timeout.ms': 1000 } }))).toThrow(/INVALID_CONFIG.*groupMaxSessionTimeoutMs/);
  });
});
