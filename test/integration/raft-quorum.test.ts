/**
 * The metadata Raft quorum of real nodes (three controller+broker processes over gRPC, file
 * storage): after a SIGKILL of the active controller another is elected and commits; the old one,
 * restarted from its data directory, follows it and catches up; and what was committed survives a
 * SIGKILL of every node. (This replaces the suite that ran standalone Raft processes.)
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type ClusterStatus, type LocalCluster } from '../../src/index.js';

const nodeEntryPoint = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'dist', 'src', 'node', 'main.js');

/** Every node answers, applied everything its leader committed, and follows the same controller. */
function converged(s: ClusterStatus): ClusterStatus | undefined {
  const nodes = s.nodes.filter((n) => n.raft);
  if (nodes.length !== s.nodes.length || s.activeController === undefined) return undefined;
  const committed = Math.max(...nodes.map((n) => n.raft!.commitIndex));
  const agree = nodes.every((n) => n.raft!.appliedIndex >= committed && n.raft!.leader === s.activeController);
  return agree ? s : undefined;
}

function topics(s: ClusterStatus): string[] {
  return [...new Set(s.partitions.map((p) => p.topic))].sort();
}

describe.skipIf(!existsSync(nodeEntryPoint))(`the metadata quorum of three nodes (needs ${nodeEntryPoint}; npm run build)`, () => {
  let cluster: LocalCluster;

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3 });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('elects a new controller after a SIGKILL of the active one, commits, and catches the old one up when it returns', async () => {
    await cluster.createTopic('before', { partitions: 1, replicationFactor: 3 });
    const first = await cluster.waitForController();
    const { raftTerm: termBefore = 0 } = await cluster.status();

    await cluster.kill(first);
    const second = await cluster.waitForController({ not: first, timeoutMs: 10_000 });
    expect(second).not.toBe(first);
    await cluster.createTopic('after', { partitions: 1, replicationFactor: 2 });
    const afterKill = await cluster.status();
    expect(afterKill.raftTerm).toBeGreaterThan(termBefore);
    const committed = Math.max(...afterKill.nodes.filter((n) => n.raft).map((n) => n.raft!.commitIndex));

    await cluster.start(first);
    const caughtUp = await cluster.waitFor(converged, `node ${first} to follow node ${second} and apply everything`, { timeoutMs: 20_000 });
    const rejoined = caughtUp.nodes.find((n) => n.id === first)!;
    expect(rejoined.raft!.role).toBe('follower');
    expect(rejoined.raft!.appliedIndex).toBeGreaterThanOrEqual(committed);
    expect(topics(caughtUp)).toEqual(['after', 'before']);
  });

  it('keeps what was committed across a SIGKILL of every node', async () => {
    const before = await cluster.waitFor(converged, 'the quorum to agree', { timeoutMs: 20_000 });
    const applied = Math.min(...before.nodes.map((n) => n.raft!.appliedIndex));
    for (const node of cluster.nodes) await cluster.kill(node.id);
    for (const node of cluster.nodes) await cluster.start(node.id);

    // Brokers register again with the elected controller before a topic can be placed on them.
    await cluster.waitForReady({ timeoutMs: 30_000 });
    await cluster.createTopic('later', { partitions: 1, replicationFactor: 3 });
    const after = await cluster.waitFor(converged, 'the restarted quorum to agree', { timeoutMs: 20_000 });
    for (const node of after.nodes) expect(node.raft!.appliedIndex).toBeGreaterThan(applied);
    expect(topics(after)).toEqual(['after', 'before', 'later']);
  });
});
