/**
 * When a cluster counts as ready: the controller quorum has a leader, and every broker is
 * registered and unfenced. Each unmet condition is named, so a timeout says what is missing.
 */
import type { ClusterStatus } from './cluster-status.js';

export function readinessProblems(status: ClusterStatus): string[] {
  const problems: string[] = [];
  for (const node of status.nodes) {
    if (node.process === 'dead') problems.push(`node ${node.id} is not running`);
    else if (node.process === 'paused') problems.push(`node ${node.id} is paused`);
    else if (!node.reachable) problems.push(`node ${node.id} does not answer (${node.error ?? 'no reply'})`);
  }
  const controllers = status.nodes.filter((n) => n.roles.includes('controller'));
  const leader = controllers.find((n) => n.raft?.role === 'leader');
  if (!leader) problems.push(`the controller quorum (nodes ${controllers.map((n) => n.id).join(', ')}) has no leader yet`);
  for (const node of status.nodes) {
    if (!node.roles.includes('broker') || !node.reachable) continue;
    if (!node.broker?.registered) problems.push(`broker ${node.id} is not registered`);
    else if (node.broker.fenced) problems.push(`broker ${node.id} is fenced`);
  }
  return problems;
}

export function isReady(status: ClusterStatus): boolean {
  return readinessProblems(status).length === 0;
}
