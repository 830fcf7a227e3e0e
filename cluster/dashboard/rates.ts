/**
 * Throughput and consumer lag for the dashboard's charts, from the nodes' Prometheus `/metrics`
 * (the CLI's scraper and parser): records produced per second, bytes sent to consumers per
 * second, and each consumer group's lag. Rates come from two scrapes of the same node; a node that
 * restarted in between starts its counters again from zero, so a fall counts from zero.
 */
import type { Sample } from '../metrics/exposition.js';
import { sumOf } from '../metrics/queries.js';
import { scrapeMetrics } from '../metrics/scrape.js';
import { metricsAddressOf } from '../prometheus-targets.js';
import type { ClusterNodeRecord } from '../run-dir.js';

export const MESSAGES_IN = 'kafka_server_brokertopicmetrics_messagesin_total';
export const BYTES_OUT = 'kafka_server_brokertopicmetrics_bytesout_total';
export const GROUP_LAG = 'kafka_consumergroup_lag';

/** What one scrape of one node says. */
export interface NodeTotals {
  atMs: number;
  messagesIn: number;
  bytesOut: number;
  /** `group\u0000topic\u0000partition` -> lag, for the groups this node coordinates. */
  groupLag: Map<string, number>;
}

export interface NodeRates {
  id: number;
  messagesInPerSec?: number;
  bytesOutPerSec?: number;
  /** Why its metrics could not be read. */
  error?: string;
}

export interface Rates {
  atMs: number;
  /** Cluster totals; absent until two scrapes of some node are known. */
  messagesInPerSec?: number;
  bytesOutPerSec?: number;
  /** Group id -> records behind the high watermarks, over the partitions it committed. */
  groupLag: Record<string, number>;
  nodes: NodeRates[];
}

export function totalsOf(samples: readonly Sample[], atMs: number): NodeTotals {
  const groupLag = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== GROUP_LAG || Number.isNaN(s.value)) continue;
    groupLag.set(`${s.labels['consumergroup'] ?? ''}\u0000${s.labels['topic'] ?? ''}\u0000${s.labels['partition'] ?? ''}`, s.value);
  }
  return { atMs, messagesIn: sumOf(samples, MESSAGES_IN) ?? 0, bytesOut: sumOf(samples, BYTES_OUT) ?? 0, groupLag };
}

/** Per second between two readings of a counter; a counter that fell was reset by a restart. */
export function counterRate(before: number, after: number, intervalMs: number): number {
  if (intervalMs <= 0) return 0;
  const increase = after >= before ? after - before : after;
  return (increase * 1000) / intervalMs;
}

/**
 * Cluster rates from each node's latest and previous totals (or the error its scrape gave).
 * Group lag: a group's partitions are reported by its coordinator; while the coordinator moves two
 * nodes may report the same partition, so each partition counts once (the larger figure).
 */
export function combineRates(
  atMs: number,
  readings: readonly { id: number; latest: NodeTotals | Error; previous?: NodeTotals }[],
): Rates {
  const rates: Rates = { atMs, groupLag: {}, nodes: [] };
  const lagByPartition = new Map<string, number>();
  for (const { id, latest, previous } of readings) {
    if (latest instanceof Error) {
      rates.nodes.push({ id, error: latest.message });
      continue;
    }
    for (const [key, lag] of latest.groupLag) lagByPartition.set(key, Math.max(lag, lagByPartition.get(key) ?? 0));
    if (!previous) {
      rates.nodes.push({ id });
      continue;
    }
    const interval = latest.atMs - previous.atMs;
    const node: NodeRates = {
      id,
      messagesInPerSec: counterRate(previous.messagesIn, latest.messagesIn, interval),
      bytesOutPerSec: counterRate(previous.bytesOut, latest.bytesOut, interval),
    };
    rates.nodes.push(node);
    rates.messagesInPerSec = (rates.messagesInPerSec ?? 0) + node.messagesInPerSec!;
    rates.bytesOutPerSec = (rates.bytesOutPerSec ?? 0) + node.bytesOutPerSec!;
  }
  for (const [key, lag] of lagByPartition) {
    const group = key.slice(0, key.indexOf('\u0000'));
    rates.groupLag[group] = (rates.groupLag[group] ?? 0) + lag;
  }
  return rates;
}

/** Scrapes every node that serves metrics and remembers each one's last totals for the next rate. */
export class RateSampler {
  private readonly last = new Map<number, NodeTotals>();

  constructor(private readonly scrapeTimeoutMs = 800) {}

  async sample(nodes: readonly ClusterNodeRecord[], alive: (id: number) => boolean): Promise<Rates> {
    const served = nodes.filter((n) => metricsAddressOf(n) !== undefined);
    const readings = await Promise.all(
      served.map(async (n) => {
        const previous = this.last.get(n.id);
        // A dead or paused node cannot answer; asking would only spend the timeout.
        if (!alive(n.id)) {
          this.last.delete(n.id);
          return { id: n.id, latest: new Error('not running') };
        }
        try {
          const exposition = await scrapeMetrics(metricsAddressOf(n)!, this.scrapeTimeoutMs);
          const latest = totalsOf(exposition.samples, Date.now());
          this.last.set(n.id, latest);
          return previous ? { id: n.id, latest, previous } : { id: n.id, latest };
        } catch (e) {
          this.last.delete(n.id);
          return { id: n.id, latest: e as Error };
        }
      }),
    );
    return combineRates(Date.now(), readings);
  }
}
