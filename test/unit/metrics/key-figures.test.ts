// What `brokerlab metrics` picks out of a node's scrape.
import { describe, expect, it } from 'vitest';
import { parseExposition } from '../../../cluster/metrics/exposition.js';
import { keyFigures } from '../../../src/cli/metrics/key-figures.js';
import { renderMetrics } from '../../../src/cli/render/metrics-view.js';

const scrape = (messagesIn: number) =>
  parseExposition(
    [
      'kafka_server_replicamanager_underreplicatedpartitions{node="1"} 2',
      'kafka_controller_kafkacontroller_offlinepartitionscount{node="1"} 0',
      'kafka_server_replicamanager_underminisrpartitioncount{node="1"} 1',
      'kafka_server_replicamanager_leadercount{node="1"} 4',
      'kafka_server_replicamanager_partitioncount{node="1"} 12',
      `kafka_server_brokertopicmetrics_messagesin_total{topic="a",node="1"} ${messagesIn}`,
      'kafka_server_brokertopicmetrics_messagesin_total{topic="b",node="1"} 100',
      'kafka_network_requestmetrics_totaltimems_bucket{le="5",listener="kafka",request="Produce",node="1"} 99',
      'kafka_network_requestmetrics_totaltimems_bucket{le="50",listener="kafka",request="Produce",node="1"} 100',
      'kafka_network_requestmetrics_totaltimems_bucket{le="+Inf",listener="kafka",request="Produce",node="1"} 100',
      'kafka_server_raft_metrics_current_epoch{node="1"} 7',
      'kafka_server_raft_metrics_high_watermark{node="1"} 321',
      'process_resident_memory_bytes{node="1"} 104857600',
      'nodejs_eventloop_lag_p99_seconds{node="1"} 0.012',
    ].join('\n'),
  ).samples;

describe('key figures of a node', () => {
  it('reads the health counts, totals, p99s, Raft position and process figures', () => {
    expect(keyFigures(scrape(900))).toEqual({
      underReplicated: 2,
      offlinePartitions: 0,
      underMinIsr: 1,
      leaders: 4,
      partitions: 12,
      messagesInTotal: 1000,
      produceP99Ms: 5,
      raftTerm: 7,
      raftCommitIndex: 321,
      rssBytes: 104857600,
      eventLoopLagP99Ms: 12,
    });
  });

  it('gives messages in per second between two scrapes, and none across a restart', () => {
    expect(keyFigures(scrape(1400), { samples: scrape(900), intervalMs: 500 }).messagesInPerSec).toBe(1000);
    expect(keyFigures(scrape(0), { samples: scrape(900), intervalMs: 500 }).messagesInPerSec).toBeUndefined();
  });
});

describe('the metrics table', () => {
  it('shows a row per node and says below it why a node could not be scraped', () => {
    const text = renderMetrics([
      { id: 1, address: '127.0.0.1:9404', figures: { underReplicated: 1, messagesInTotal: 10, messagesInPerSec: 2.5, produceP99Ms: 12.3, rssBytes: 50 * 1024 * 1024 } },
      { id: 2, address: '127.0.0.1:9405', error: 'GET http://127.0.0.1:9405/metrics failed: ECONNREFUSED' },
    ]);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NODE\s+METRICS\s+UNDER_REPL\s+OFFLINE/);
    expect(lines[1]).toMatch(/^1\s+127\.0\.0\.1:9404\s+1\s+-\s+-\s+-\s+-\s+10\s+2\.5\s+12 ms\s+-\s+-\s+-\s+50 MiB\s+-$/);
    expect(lines[2]).toMatch(/^2\s+127\.0\.0\.1:9405\s+unreachable$/);
    expect(lines[3]).toBe('node 2: GET http://127.0.0.1:9405/metrics failed: ECONNREFUSED');
  });
});
