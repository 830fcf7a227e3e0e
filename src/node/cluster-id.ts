/**
 * The cluster id reported to Kafka clients (Metadata v2+, DescribeCluster). It is derived from
 * the controller quorum's addresses, so every node of a cluster reports the same id without
 * agreeing on one, and a cluster restarted from its run directory keeps it. Kafka's ids are 22
 * characters of base64url; these look the same.
 */
import { createHash } from 'node:crypto';
import type { NodeConfig } from './config.js';

export function clusterIdOf(config: Pick<NodeConfig, 'voters'>): string {
  const quorum = [...config.voters]
    .sort((a, b) => a.id - b.id)
    .map((v) => `${v.id}@${v.host}:${v.port}`)
    .join(',');
  return createHash('sha256').update(quorum).digest('base64url').slice(0, 22);
}
