// What `brokerlab up` asks of a new cluster and prints once it is ready, without starting one.
import { describe, expect, it } from 'vitest';
import { newClusterState, type ClusterNodeRecord } from '../../../cluster/run-dir.js';
import { newClusterOptions, readyMessage } from '../../../src/cli/commands/up.js';

function node(id: number, roles: ClusterNodeRecord['roles'], kafkaPort?: number): ClusterNodeRecord {
  return {
    id,
    roles,
    host: '127.0.0.1',
    port: 41000 + id,
    ...(kafkaPort !== undefined ? { kafkaHost: '127.0.0.1', kafkaPort } : {}),
    dataDir: `/run/data/node-${id}`,
    configFile: `/run/config/node-${id}.json`,
    logFile: `/run/logs/node-${id}.log`,
    outFile: `/run/logs/node-${id}.out`,
    pid: null,
  };
}

function supervisorWith(nodes: ClusterNodeRecord[], notes: string[] = []) {
  const brokers = nodes.filter((n) => n.roles.includes('broker'));
  return {
    state: newClusterState('fast', {}, nodes),
    kafkaBrokers: brokers.filter((n) => n.kafkaPort !== undefined).map((n) => `127.0.0.1:${n.kafkaPort}`),
    bootstrapServers: brokers.map((n) => `127.0.0.1:${n.port}`),
    notes,
    runDir: { logsDir: '/run/logs' },
  };
}

const both = ['controller', 'broker'] as ClusterNodeRecord['roles'];

describe('brokerlab up', () => {
  it("asks a new cluster for Kafka's 9092, 9093, ... first (startCluster does not)", () => {
    expect(newClusterOptions({ nodes: 3 })).toEqual({ nodes: 3, preferDefaultKafkaPorts: true, preferDefaultMetricsPorts: true });
    expect(newClusterOptions({ kafkaPortBase: 0, portBase: 19000, metricsPortBase: 0, config: ['num.partitions=3'] })).toEqual({
      preferDefaultKafkaPorts: true,
      preferDefaultMetricsPorts: true,
      metricsPortBase: 0,
      kafkaPortBase: 0,
      portBase: 19000,
      config: { 'num.partitions': '3' },
    });
  });

  it('prints the Kafka bootstrap list, and the gRPC addresses labelled as the native client', () => {
    const lines = readyMessage(supervisorWith([node(1, both, 9092), node(2, both, 9093), node(3, both, 9094)]), 'started', 812, '/run');
    expect(lines[0]).toBe('brokerlab: cluster started and ready in 812 ms (3 nodes, each controller and broker, profile fast)');
    expect(lines[1]).toBe('bootstrap: 127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094');
    expect(lines[2]).toBe("  native client      127.0.0.1:41001,127.0.0.1:41002,127.0.0.1:41003  (gRPC, for brokerlab's own client)");
    expect(lines[3]).toBe('  run directory      /run');
  });

  it('says when 9092 and up were busy, and lists only brokers with separate roles', () => {
    const nodes = [node(1, ['controller']), node(2, ['broker'], 40123), node(3, ['broker'], 40124)];
    const lines = readyMessage(supervisorWith(nodes, ['Kafka ports 9092-9093 are busy (9092 is in use); using free ports']), 'started', 5, '/run');
    expect(lines[0]).toContain('(1 controllers, 2 brokers, profile fast)');
    expect(lines[1]).toBe('bootstrap: 127.0.0.1:40123,127.0.0.1:40124');
    expect(lines[2]).toBe('  note               Kafka ports 9092-9093 are busy (9092 is in use); using free ports');
  });

  it("lists every node's /metrics address and the Prometheus file_sd file", () => {
    const nodes = [node(1, both, 9092), node(2, both, 9093)].map((n, i) => ({ ...n, metricsPort: 9404 + i }));
    const lines = readyMessage(supervisorWith(nodes), 'started', 5, '/run');
    expect(lines).toContain('  metrics            http://127.0.0.1:9404/metrics http://127.0.0.1:9405/metrics  (brokerlab metrics --dir /run)');
    expect(lines).toContain('  prometheus         file_sd_configs: /run/prometheus-targets.json');
  });

  it('says how to open the web dashboard', () => {
    const lines = readyMessage(supervisorWith([node(1, both, 9092)]), 'started', 5, '/run');
    expect(lines).toContain('    brokerlab dashboard --dir /run     # a live web page with fault buttons, on http://127.0.0.1:8080/');
  });

  it('explains a cluster created before brokers had Kafka listeners', () => {
    const lines = readyMessage(supervisorWith([node(1, both)]), 'restarted', 5, '/run');
    expect(lines.some((l) => l.startsWith('bootstrap:'))).toBe(false);
    expect(lines[1]).toMatch(/no Kafka listeners: this cluster was created before brokers had one/);
  });
});
