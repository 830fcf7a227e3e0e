/**
 * `brokerlab metrics [N]`: the key figures of every node's (or node N's) Prometheus `/metrics`,
 * scraped twice `--interval` apart so throughput is a rate. Under-replicated and under-min-ISR
 * counts are reported by partition leaders, offline partitions by the active controller, so the
 * cluster's figure is the column's sum.
 */
import type { Command } from 'commander';
import { metricsAddressOf, type ClusterNodeRecord } from '../../../cluster/index.js';
import { CliError } from '../errors.js';
import { openCluster, print } from '../context.js';
import { integerParser, parseNodeId } from '../options.js';
import { keyFigures } from '../metrics/key-figures.js';
import { scrapeMetrics } from '../../../cluster/metrics/scrape.js';
import type { Exposition } from '../../../cluster/metrics/exposition.js';
import { renderMetrics, type NodeMetricsRow } from '../render/metrics-view.js';

interface MetricsOptions {
  interval: number;
  json?: boolean;
}

export function registerMetrics(program: Command): void {
  program
    .command('metrics')
    .argument('[N]', 'node id (default: every node)', parseNodeId)
    .description("key figures from each node's Prometheus /metrics: under-replicated, offline, leaders, messages in/s, request p99, Raft, memory")
    .option('--interval <ms>', 'time between the two scrapes that give the rates (0: one scrape, no rates)', integerParser(0, 60_000), 1000)
    .option('--json', 'print the figures as JSON')
    .action(async (id: number | undefined, options: MetricsOptions, command: Command) => {
      const supervisor = openCluster(command);
      supervisor.close();
      const nodes = id === undefined ? supervisor.nodes : [supervisor.node(id)];
      const served = nodes.filter((n) => metricsAddressOf(n) !== undefined);
      if (served.length === 0) throw new CliError('this cluster was created before nodes served metrics; brokerlab down --purge, then up', 1);
      const rows = await sampleNodes(served, options.interval);
      if (options.json) print(JSON.stringify(rows, null, 2));
      else process.stdout.write(renderMetrics(rows));
    });
}

async function sampleNodes(nodes: readonly ClusterNodeRecord[], intervalMs: number): Promise<NodeMetricsRow[]> {
  const scrapeAll = () => Promise.all(nodes.map((n) => scrapeMetrics(metricsAddressOf(n)!).then((e) => e, (e: Error) => e)));
  const first = await scrapeAll();
  if (intervalMs === 0) return nodes.map((n, i) => row(n, first[i]!));
  await new Promise((r) => setTimeout(r, intervalMs));
  const second = await scrapeAll();
  return nodes.map((n, i) => row(n, second[i]!, first[i], intervalMs));
}

function row(node: ClusterNodeRecord, scrape: Exposition | Error, earlier?: Exposition | Error, intervalMs = 0): NodeMetricsRow {
  const address = metricsAddressOf(node)!;
  if (scrape instanceof Error) return { id: node.id, address, error: scrape.message };
  const before = earlier && !(earlier instanceof Error) ? { samples: earlier.samples, intervalMs } : undefined;
  return { id: node.id, address, figures: keyFigures(scrape.samples, before) };
}
