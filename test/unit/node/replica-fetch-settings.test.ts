import { describe, expect, it } from 'vitest';
import { resolveNodeConfig, type NodeConfigFile } from '../../../src/node/config.js';

function config(fields: Partial<NodeConfigFile> = {}): NodeConfigFile {
  return { nodeId: 1, roles: ['controller', 'broker'], port: 9001, voters: [{ id: 1, host: '127.0.0.1', port: 9001 }], dataDir: '/tmp/x', ...fields };
}

describe('replica fetch settings of a node', () => {
  it("gives up a follower fetch lost to the network after 1.5 s in the fast profile, Kafka's 30 s in the kafka one", () => {
    expect(resolveNodeConfig(config({ profile: 'fast' })).timing.replicaSocketTimeoutMs).toBe(1_500);
    expect(resolveNodeConfig(config({ profile: 'kafka' })).timing.replicaSocketTimeoutMs).toBe(30_000);
    expect(resolveNodeConfig(config({ overrides: { 'replica.socket.timeout.ms': '5000' } })).timing.replicaSocketTimeoutMs).toBe(5_000);
  });

  it("refuses a socket timeout below the fetch's own long poll, as Kafka does", () => {
    expect(() => resolveNodeConfig(config({ overrides: { 'replica.socket.timeout.ms': 100, 'replica.fetch.wait.max.ms': 500 } }))).toThrow(
      /INVALID_CONFIG.*replica.socket.timeout.ms must not be below replica.fetch.wait.max.ms/,
    );
  });
});
