// Every node of a real 3-node cluster serves Prometheus metrics: scraped and parsed, they show
// produced records arriving, a killed leader's partitions under-replicated with a new leader
// elected, and the cluster whole again once the node is back.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../cluster/wait.js';
import { PROMETHEUS_TARGETS_FILE } from '../../cluster/prometheus-targets.js';
import type { Sample } from '../../cluster/metrics/exposition.js';
import { histogramQuantile, sumOf } from '../../cluster/metrics/queries.js';
import { scrapeMetrics } from '../../cluster/metrics/scrape.js';
import { startCluster, type LocalCluster } from '../../src/index.js';
import { nodeBuilt, SKIP_REASON } from '../support/cluster-helpers.js';

const WAIT_MS = 20_000;

describe.skipIf(!nodeBuilt)(`metrics on every node (${SKIP_REASON})`, () => {
  let cluster: LocalCluster;
  const addressOf = (id: number): string => cluster.nodes.find((n) => n.id === id)!.metricsAddress!;
  const scrape = async (id: number): Promise<readonly Sample[]> => (await scrapeMetrics(addressOf(id))).samples;
  /** Scrapes until `probe` is satisfied, bounded; the last figures seen go into the timeout error. */
  const waitForMetrics = <T>(ids: readonly number[], description: string, probe: (byNode: Map<number, readonly Sample[]>) => T | { problem: string }) =>
    pollUntil(
      async () => {
        const byNode = new Map<number, readonly Sample[]>();
        for (const id of ids) byNode.set(id, await scrape(id));
        return probe(byNode);
      },
      { timeoutMs: WAIT_MS, intervalMs: 200, description },
    );

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3 });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('serves /metrics on each node, labelled with its id, and lists them for Prometheus', async () => {
    const ids = cluster.nodes.map((n) => n.id);
    expect(ids).toEqual([1, 2, 3]);
    const activeControllers: number[] = [];
    for (const id of ids) {
      const samples = await scrape(id);
      for (const name of [
        'kafka_server_replicamanager_partitioncount',
        'kafka_server_raft_metrics_current_epoch',
        'kafka_server_raft_metrics_high_watermark',
        'kafka_controller_kafkacontroller_activecontrollercount',
        'process_resident_memory_bytes',
        'nodejs_eventloop_lag_p99_seconds',
      ]) {
        expect(samples.find((s) => s.name === name)?.labels['node'], `${name} on node ${id}`).toBe(String(id));
      }
      expect(sumOf(samples, 'kafka_server_raft_metrics_current_epoch')).toBeGreaterThan(0);
      activeControllers.push(sumOf(samples, 'kafka_controller_kafkacontroller_activecontrollercount') ?? -1);
    }
    // The metadata quorum has one leader, and only it reports itself active.
    await cluster.waitForController({ timeoutMs: WAIT_MS });
    await waitForMetrics(ids, 'exactly one active controller', (byNode) => {
      const total = [...byNode.values()].reduce((sum, s) => sum + (sumOf(s, 'kafka_controller_kafkacontroller_activecontrollercount') ?? 0), 0);
      return total === 1 ? true : { problem: `active controller count ${total}` };
    });
    const targets = JSON.parse(readFileSync(join(cluster.dir, PROMETHEUS_TARGETS_FILE), 'utf8')) as unknown;
    expect(targets).toEqual([{ targets: ids.map(addressOf), labels: { job: 'brokerlab' } }]);
  });

  it('counts produced records per topic, and times Kafka produce requests', async () => {
    await cluster.createTopic('orders', { partitions: 1, replicationFactor: 3, minInsync: 2 });
    await cluster.waitForIsr('orders', 0, 3, WAIT_MS);
    const leader = await cluster.leaderOf('orders', 0);
    const before = sumOf(await scrape(leader), 'kafka_server_brokertopicmetrics_messagesin_total', { topic: 'orders' }) ?? 0;

    const kafka = new Kafka({ brokers: cluster.kafkaBrokers, logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    try {
      for (let batch = 0; batch < 5; batch++) {
        await producer.send({ topic: 'orders', acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ value: `v-${batch}-${i}`, partition: 0 })) });
      }
    } finally {
      await producer.disconnect();
    }

    const samples = await waitForMetrics([leader], 'messages in to grow by 50 on the leader', (byNode) => {
      const s = byNode.get(leader)!;
      const now = sumOf(s, 'kafka_server_brokertopicmetrics_messagesin_total', { topic: 'orders' }) ?? 0;
      return now - before >= 50 ? s : { problem: `messages in ${now - before}` };
    });
    expect(sumOf(samples, 'kafka_server_brokertopicmetrics_bytesin_total', { topic: 'orders' })).toBeGreaterThan(50 * 3);
    expect(sumOf(samples, 'kafka_network_requestmetrics_requests_total', { listener: 'kafka', request: 'Produce' })).toBeGreaterThanOrEqual(5);
    expect(histogramQuantile(samples, 'kafka_network_requestmetrics_totaltimems', 0.99, { request: 'Produce' })).toBeGreaterThan(0);
    // Should either be missing, say what the node did report, so the cause can be told apart.
    const logSeries = samples.filter((x) => x.name.startsWith('kafka_log_log_')).map((x) => `${x.name}${JSON.stringify(x.labels)}=${x.value}`);
    const logContext = `node ${leader} reported: ${logSeries.join(', ') || 'no kafka_log_log_* series'}`;
    expect(sumOf(samples, 'kafka_log_log_size', { topic: 'orders', partition: '0' }) ?? -1, logContext).toBeGreaterThan(0);
    expect(sumOf(samples, 'kafka_log_log_numlogsegments', { topic: 'orders', partition: '0' }), logContext).toBe(1);
    expect(sumOf(samples, 'kafka_server_replicamanager_underreplicatedpartitions')).toBe(0);
  });

  it('shows under-replicated partitions and a new leader after a leader is killed, and none once it is back', async () => {
    const oldLeader = await cluster.leaderOf('orders', 0);
    const survivors = [1, 2, 3].filter((id) => id !== oldLeader);
    const electionsBefore = new Map<number, number>();
    for (const id of survivors) electionsBefore.set(id, sumOf(await scrape(id), 'kafka_controller_controllerstats_leaderelections_total') ?? 0);

    await cluster.kill(oldLeader);
    const newLeader = await cluster.waitForLeader('orders', 0, { not: oldLeader, timeoutMs: WAIT_MS });
    expect(survivors).toContain(newLeader);

    await waitForMetrics(survivors, 'under-replicated partitions and a leader election on the survivors', (byNode) => {
      const underReplicated = survivors.reduce((sum, id) => sum + (sumOf(byNode.get(id)!, 'kafka_server_replicamanager_underreplicatedpartitions') ?? 0), 0);
      const s = byNode.get(newLeader)!;
      const elections = (sumOf(s, 'kafka_controller_controllerstats_leaderelections_total') ?? 0) - electionsBefore.get(newLeader)!;
      const leaders = sumOf(s, 'kafka_server_replicamanager_leadercount') ?? 0;
      const offline = survivors.reduce((sum, id) => sum + (sumOf(byNode.get(id)!, 'kafka_controller_kafkacontroller_offlinepartitionscount') ?? 0), 0);
      return underReplicated > 0 && elections > 0 && leaders >= 1 && offline === 0
        ? true
        : { problem: `under-replicated ${underReplicated}, new elections ${elections}, leaders on ${newLeader}: ${leaders}, offline ${offline}` };
    });
    // The killed node's endpoint is gone with it.
    await expect(scrapeMetrics(addressOf(oldLeader), 1_000)).rejects.toThrow(/metrics failed/);

    await cluster.start(oldLeader);
    await cluster.waitForIsr('orders', 0, 3, WAIT_MS);
    await waitForMetrics([1, 2, 3], 'no under-replicated partition once the node is back', (byNode) => {
      const underReplicated = [...byNode.values()].reduce((sum, s) => sum + (sumOf(s, 'kafka_server_replicamanager_underreplicatedpartitions') ?? 0), 0);
      const expands = sumOf(byNode.get(newLeader)!, 'kafka_server_replicamanager_isrexpands_total') ?? 0;
      return underReplicated === 0 && expands > 0 ? true : { problem: `under-replicated ${underReplicated}, ISR expands on ${newLeader}: ${expands}` };
    });
  });
});
