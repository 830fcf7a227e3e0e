/**
 * `prometheus-targets.json` in the run directory: Prometheus's file_sd format listing every
 * node's `/metrics` address, so a Prometheus started with
 * `file_sd_configs: [{ files: ['<run dir>/prometheus-targets.json'] }]` scrapes the whole cluster.
 * Prometheus rereads the file when it changes; the supervisor rewrites it whenever it starts a
 * node, so it always names the ports the nodes actually serve.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterNodeRecord } from './run-dir.js';

export const PROMETHEUS_TARGETS_FILE = 'prometheus-targets.json';

export interface FileSdTargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

/** host:port of a node's metrics endpoint, if it serves one. */
export function metricsAddressOf(node: Pick<ClusterNodeRecord, 'host' | 'metricsPort'>): string | undefined {
  return node.metricsPort !== undefined ? `${node.host}:${node.metricsPort}` : undefined;
}

export function prometheusTargets(nodes: readonly ClusterNodeRecord[]): FileSdTargetGroup[] {
  const targets = nodes.flatMap((n) => {
    const address = metricsAddressOf(n);
    return address ? [address] : [];
  });
  return targets.length > 0 ? [{ targets, labels: { job: 'brokerlab' } }] : [];
}

/** Writes the file atomically (Prometheus may read it at any moment); returns its path. */
export function writePrometheusTargets(root: string, nodes: readonly ClusterNodeRecord[]): string {
  const path = join(root, PROMETHEUS_TARGETS_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(prometheusTargets(nodes), null, 2)}\n`);
  renameSync(temporary, path);
  return path;
}
