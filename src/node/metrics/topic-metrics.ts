/**
 * Kafka's BrokerTopicMetrics, per topic: records and bytes produced, bytes fetched by consumers,
 * produce and fetch requests (and the failed ones). These are counted on the request path, so
 * the path only adds to plain numbers kept per topic (one Map lookup, no label object, no label
 * hashing as prom-client's own `inc` does); the counters read those totals when Prometheus scrapes.
 */
import { Counter, type Registry } from 'prom-client';
import type { ClientTrafficObserver } from '../../broker/client-front.js';

interface TopicTraffic {
  readonly labels: { readonly topic: string };
  messagesIn: number;
  bytesIn: number;
  bytesOut: number;
  produceRequests: number;
  failedProduceRequests: number;
  fetchRequests: number;
  failedFetchRequests: number;
}

type TrafficField = Exclude<keyof TopicTraffic, 'labels'>;

const COUNTERS: readonly [TrafficField, string, string][] = [
  ['messagesIn', 'kafka_server_brokertopicmetrics_messagesin_total', 'Records appended by producers to partitions led here.'],
  ['bytesIn', 'kafka_server_brokertopicmetrics_bytesin_total', 'Bytes of record batches appended by producers to partitions led here.'],
  ['bytesOut', 'kafka_server_brokertopicmetrics_bytesout_total', 'Bytes of record batches sent to consumers from partitions led here.'],
  ['produceRequests', 'kafka_server_brokertopicmetrics_totalproducerequests_total', 'Produce requests, counted once per partition.'],
  ['failedProduceRequests', 'kafka_server_brokertopicmetrics_failedproducerequests_total', 'Produce requests answered with an error, per partition.'],
  ['fetchRequests', 'kafka_server_brokertopicmetrics_totalfetchrequests_total', 'Consumer fetch requests, counted once per partition.'],
  ['failedFetchRequests', 'kafka_server_brokertopicmetrics_failedfetchrequests_total', 'Consumer fetches answered with an error, per partition.'],
];

export function registerTopicMetrics(registry: Registry): ClientTrafficObserver {
  const byTopic = new Map<string, TopicTraffic>();
  for (const [field, name, help] of COUNTERS) {
    new Counter({
      name,
      help,
      labelNames: ['topic'] as const,
      registers: [registry],
      collect() {
        // The totals are the truth; the counter is refilled from them at each scrape.
        this.reset();
        for (const traffic of byTopic.values()) if (traffic[field] > 0) this.inc(traffic.labels, traffic[field]);
      },
    });
  }
  const trafficOf = (topic: string): TopicTraffic => {
    let traffic = byTopic.get(topic);
    if (!traffic) {
      traffic = { labels: { topic }, messagesIn: 0, bytesIn: 0, bytesOut: 0, produceRequests: 0, failedProduceRequests: 0, fetchRequests: 0, failedFetchRequests: 0 };
      byTopic.set(topic, traffic);
    }
    return traffic;
  };
  return {
    produced(topic, records, bytes, failed) {
      const t = trafficOf(topic);
      t.produceRequests++;
      if (failed) t.failedProduceRequests++;
      t.messagesIn += records;
      t.bytesIn += bytes;
    },
    fetched(topic, bytes, failed) {
      const t = trafficOf(topic);
      t.fetchRequests++;
      if (failed) t.failedFetchRequests++;
      t.bytesOut += bytes;
    },
  };
}
