/**
 * Three Raft processes over gRPC on loopback, with file storage: a leader is elected and commits;
 * after a SIGKILL of the leader a new one is elected and commits; the old leader, restarted from
 * its data directory, rejoins and catches up.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isBrokerError } from '../../src/common/errors.js';
import type { RaftNodeStatus } from '../../src/net/raft-client-service.js';
import { ensureBuilt, RaftProcessCluster } from '../support/raft-harness.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/**
 * Bounds on waits that include starting Node processes. They take well under a second each on an
 * idle machine, but many times that when the machine is busy with other suites.
 */
const STARTUP_MS = 30_000;
const TEST_TIMEOUT_MS = 120_000;

let cluster: RaftProcessCluster | undefined;

beforeAll(() => ensureBuilt(), 180_000);

afterEach(async (context) => {
  if (cluster && context.task.result?.state === 'fail') {
    for (const id of cluster.ids()) process.stderr.write(`--- node ${id} log tail ---\n${await cluster.logTail(id)}\n`);
  }
  await cluster?.destroy();
  cluster = undefined;
});

afterAll(async () => {
  await cluster?.destroy();
});

/** Proposes `count` entries concurrently through whichever node leads; resolves with the highest index. */
async function proposeMany(c: RaftProcessCluster, count: number, prefix: string): Promise<number> {
  const results = await Promise.all(Array.from({ length: count }, (_, i) => c.propose(text(`${prefix}-${i}`))));
  return Math.max(...results.map((r) => r.index));
}

describe('three Raft processes', () => {
  it('elect a leader, fail over after SIGKILL, and catch the old leader up when it returns', async () => {
    const c = (cluster = await RaftProcessCluster.start(3));
    await c.waitForLeader(STARTUP_MS);
    const firstIndex = await proposeMany(c, 50, 'before');
    const first = await c.waitForLeader(STARTUP_MS);
    const follower = c.ids().find((id) => id !== first)!;
    const refused = await c.client(follower).propose(text('on a follower')).catch((e: unknown) => e);
    expect(isBrokerError(refused, 'NOT_CONTROLLER'), String(refused)).toBe(true);

    await c.killNode(first, 'SIGKILL');
    const second = await c.waitForLeader(STARTUP_MS, first);
    expect(second).not.toBe(first);
    const secondIndex = await proposeMany(c, 50, 'after');
    expect(secondIndex).toBeGreaterThan(firstIndex);

    c.startNode(first);
    const statuses = await c.waitFor(async () => {
      const all = await Promise.all(c.ids().map((id) => c.status(id)));
      const caughtUp = all.every((s) => s !== undefined && s.appliedIndex >= secondIndex);
      return caughtUp ? (all as RaftNodeStatus[]) : undefined;
    }, STARTUP_MS);
    for (const s of statuses) expect(s.appliedCount).toBe(100);
    const rejoined = statuses.find((s) => s.id === first)!;
    expect(rejoined.role).toBe('follower');
    expect(rejoined.leaderId).not.toBe(0);
  }, TEST_TIMEOUT_MS);

  it('keeps committed entries across a restart of every node', async () => {
    const c = (cluster = await RaftProcessCluster.start(3));
    await c.waitForLeader(STARTUP_MS);
    const index = await proposeMany(c, 20, 'durable');
    for (const id of c.ids()) await c.killNode(id, 'SIGKILL');
    for (const id of c.ids()) c.startNode(id);
    await c.waitForLeader(STARTUP_MS);
    await proposeMany(c, 1, 'later');
    const statuses = await c.waitFor(async () => {
      const all = await Promise.all(c.ids().map((id) => c.status(id)));
      return all.every((s) => s !== undefined && s.appliedCount === 21) ? all : undefined;
    }, STARTUP_MS);
    for (const s of statuses) expect(s!.appliedIndex).toBeGreaterThan(index);
  }, TEST_TIMEOUT_MS);

  it('stops cleanly on SIGTERM', async () => {
    const c = (cluster = await RaftProcessCluster.start(3));
    await c.waitForLeader(STARTUP_MS);
    const exitCode = await c.terminate(1);
    expect(exitCode).toBe(0);
  }, TEST_TIMEOUT_MS);
});
