// The supervisor and startCluster against a stand-in node process (fixtures/fake-node.mjs) that
// serves NodeAdmin like a healthy node: lifecycle, signals, faults and cleanup, without the
// real node.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { remainingChildren } from '../../../cluster/exit-hook.js';
import { processState } from '../../../cluster/process-state.js';
import { startCluster, type LocalCluster } from '../../../cluster/start-cluster.js';

const fakeNode = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'fake-node.mjs');
let cluster: LocalCluster | undefined;

afterEach(async () => {
  delete process.env['FAKE_NODE_CRASH'];
  await cluster?.stop();
  cluster = undefined;
});

function pidsOf(c: LocalCluster): number[] {
  return c.nodes.map((n) => n.pid).filter((p): p is number => p !== null);
}

describe('startCluster with stand-in nodes', () => {
  it('starts every node, waits until ready, and stops them all, removing its temp dir', async () => {
    cluster = await startCluster({ nodes: 3, nodeEntryPoint: fakeNode });
    const c = cluster;
    expect(c.bootstrapServers).toHaveLength(3);
    expect(c.bootstrapServers[0]).toMatch(/^127\.0\.0\.1:\d+$/);
    const status = await c.status();
    expect(status.nodes.map((n) => [n.id, n.process, n.reachable])).toEqual([
      [1, 'up', true],
      [2, 'up', true],
      [3, 'up', true],
    ]);
    expect(status.activeController).toBe(1);
    const pids = pidsOf(c);
    expect(pids).toHaveLength(3);
    await c.stop();
    cluster = undefined;
    for (const pid of pids) expect(processState(pid)).toBe('dead');
    expect(existsSync(c.dir)).toBe(false);
    expect(remainingChildren()).toEqual([]);
  });

  it('kills, starts, pauses and resumes single nodes and reports their process state', async () => {
    cluster = await startCluster({ nodes: 3, nodeEntryPoint: fakeNode });
    const c = cluster;
    await c.kill(2);
    let status = await c.status();
    expect(status.nodes[1]).toMatchObject({ id: 2, process: 'dead', reachable: false });
    await c.start(2);
    await c.waitForReady({ timeoutMs: 10_000 });

    await c.pause(3);
    status = await c.status();
    expect(status.nodes[2]).toMatchObject({ id: 3, process: 'paused', reachable: false });
    await c.resume(3);
    await c.waitForReady({ timeoutMs: 10_000 });

    const outcome = await c.stop(1);
    expect(outcome?.graceful).toBe(true);
    expect((await c.status()).nodes[0]!.process).toBe('dead');
  });

  it('isolates a node in both directions and heals it', async () => {
    cluster = await startCluster({ nodes: 3, nodeEntryPoint: fakeNode });
    const c = cluster;
    await c.isolate(2);
    let status = await c.status();
    expect(status.nodes[1]!.faults).toMatchObject({ isolate: true, peers: [] });
    expect(status.nodes[0]!.faults?.peers).toMatchObject([{ node_id: 2, drop: true }]);
    expect(status.nodes[2]!.faults?.peers).toMatchObject([{ node_id: 2, drop: true }]);
    await c.delay(3, 40);
    expect((await c.status()).nodes[2]!.faults).toMatchObject({ delay_ms: 40 });
    await c.heal();
    status = await c.status();
    for (const node of status.nodes) expect(node.faults).toMatchObject({ isolate: false, delay_ms: 0, peers: [] });
  });

  it('gives every broker a Kafka listener on a free port, kept across restarts', async () => {
    cluster = await startCluster({ controllers: 1, brokers: 2, nodeEntryPoint: fakeNode });
    const c = cluster;
    const grpcPorts = c.nodes.map((n) => n.port);
    expect(c.kafkaBrokers).toHaveLength(2);
    const kafkaPorts = c.kafkaBrokers.map((address) => {
      expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
      return Number(address.split(':')[1]);
    });
    // startCluster never takes Kafka's fixed ports, so test files can run side by side.
    for (const port of kafkaPorts) expect(port < 9092 || port > 9094).toBe(true);
    expect(new Set([...grpcPorts, ...kafkaPorts]).size).toBe(5);
    expect(c.nodes.map((n) => n.kafkaAddress)).toEqual([null, ...c.kafkaBrokers]);
    expect(c.kafkaBrokerOf(3)).toBe(c.kafkaBrokers[1]);
    expect(() => c.kafkaBrokerOf(1)).toThrow('node 1 has no Kafka listener (it is not a broker)');
    // The native client's addresses keep their meaning: gRPC, one per broker.
    expect(c.bootstrapServers).toEqual(c.nodes.slice(1).map((n) => `127.0.0.1:${n.port}`));
    expect((await c.status()).nodes.map((n) => n.kafkaPort)).toEqual([undefined, ...kafkaPorts]);

    await c.kill(2);
    await c.start(2);
    await c.restart(3);
    await c.waitForReady({ timeoutMs: 10_000 });
    expect(c.kafkaBrokers).toEqual(kafkaPorts.map((p) => `127.0.0.1:${p}`));
  });

  it('rejects unknown node ids with the known ones listed', async () => {
    cluster = await startCluster({ nodes: 2, nodeEntryPoint: fakeNode });
    await expect(cluster.kill(9)).rejects.toThrow('unknown node 9; this cluster has nodes 1, 2');
  });

  it('fails fast with the node output when a node dies during startup, leaving nothing running', async () => {
    process.env['FAKE_NODE_CRASH'] = '2';
    const started = Date.now();
    await expect(startCluster({ nodes: 3, nodeEntryPoint: fakeNode, readyTimeoutMs: 20_000 })).rejects.toThrow(
      /node 2 exited during startup[\s\S]*simulated crash at startup/,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(remainingChildren()).toEqual([]);
  });
});
