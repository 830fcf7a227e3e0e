/**
 * The figures `brokerlab metrics` shows per node, picked from a scrape of its `/metrics`: the
 * health counts an operator checks first, throughput, request tail latency, the Raft position
 * and the process's memory and event-loop lag. Pure, for unit tests.
 */
import type { Sample } from '../../../cluster/metrics/exposition.js';
import { histogramQuantile, sumOf } from '../../../cluster/metrics/queries.js';

export interface KeyFigures {
  underReplicated?: number;
  offlinePartitions?: number;
  underMinIsr?: number;
  leaders?: number;
  partitions?: number;
  activeController?: number;
  messagesInTotal?: number;
  /** Over the interval between two scrapes; undefined with one scrape. */
  messagesInPerSec?: number;
  produceP99Ms?: number;
  fetchP99Ms?: number;
  raftTerm?: number;
  raftCommitIndex?: number;
  raftLeader?: number;
  rssBytes?: number;
  eventLoopLagP99Ms?: number;
}

export const REQUEST_TIME_METRIC = 'kafka_network_requestmetrics_totaltimems';

export function keyFigures(samples: readonly Sample[], earlier?: { samples: readonly Sample[]; intervalMs: number }): KeyFigures {
  const figures: KeyFigures = {};
  const put = <K extends keyof KeyFigures>(key: K, value: number | undefined): void => {
    if (value !== undefined && !Number.isNaN(value)) figures[key] = value;
  };
  put('underReplicated', sumOf(samples, 'kafka_server_replicamanager_underreplicatedpartitions'));
  put('offlinePartitions', sumOf(samples, 'kafka_controller_kafkacontroller_offlinepartitionscount'));
  put('underMinIsr', sumOf(samples, 'kafka_server_replicamanager_underminisrpartitioncount'));
  put('leaders', sumOf(samples, 'kafka_server_replicamanager_leadercount'));
  put('partitions', sumOf(samples, 'kafka_server_replicamanager_partitioncount'));
  put('activeController', sumOf(samples, 'kafka_controller_kafkacontroller_activecontrollercount'));
  const messagesIn = 'kafka_server_brokertopicmetrics_messagesin_total';
  const total = sumOf(samples, messagesIn) ?? 0;
  put('messagesInTotal', total);
  if (earlier && earlier.intervalMs > 0) {
    // A node restarted between the scrapes starts its counter again from zero.
    const before = sumOf(earlier.samples, messagesIn) ?? 0;
    put('messagesInPerSec', total >= before ? ((total - before) * 1000) / earlier.intervalMs : undefined);
  }
  // Kafka clients' requests (the Kafka listener): what an application sees.
  put('produceP99Ms', histogramQuantile(samples, REQUEST_TIME_METRIC, 0.99, { request: 'Produce' }));
  put('fetchP99Ms', histogramQuantile(samples, REQUEST_TIME_METRIC, 0.99, { request: 'Fetch' }));
  put('raftTerm', sumOf(samples, 'kafka_server_raft_metrics_current_epoch'));
  put('raftCommitIndex', sumOf(samples, 'kafka_server_raft_metrics_high_watermark'));
  put('raftLeader', sumOf(samples, 'kafka_server_raft_metrics_current_leader'));
  put('rssBytes', sumOf(samples, 'process_resident_memory_bytes'));
  const lagSeconds = sumOf(samples, 'nodejs_eventloop_lag_p99_seconds');
  put('eventLoopLagP99Ms', lagSeconds === undefined ? undefined : lagSeconds * 1000);
  return figures;
}
