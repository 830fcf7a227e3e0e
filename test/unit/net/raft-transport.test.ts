import type * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/common/logger.js';
import { bindServer, createServer, stopServer } from '../../../src/net/grpc.js';
import { GrpcRaftTransport } from '../../../src/net/raft-transport.js';
import type { Message, NodeId } from '../../../src/raft/types.js';

interface Endpoint {
  transport: GrpcRaftTransport;
  server: grpc.Server;
  port: number;
  received: Message[];
}

const cleanup: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const fastLinks = { connectTimeoutMs: 300, reconnectInitialMs: 20, reconnectMaxMs: 100 };

async function endpoint(id: NodeId, peers: Map<NodeId, string>, port = 0): Promise<Endpoint> {
  const transport = new GrpcRaftTransport({ id, peers, logger: silentLogger(), link: fastLinks });
  const received: Message[] = [];
  transport.onMessage((m) => received.push(m));
  const server = createServer();
  transport.addTo(server);
  const bound = await bindServer(server, '127.0.0.1', port);
  const result = { transport, server, port: bound, received };
  cleanup.push(async () => {
    transport.close();
    await stopServer(server, 200);
  });
  return result;
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const heartbeat = (from: number, to: number, commit: number): Message => ({ type: 'Heartbeat', from, to, term: 1, commit });

describe('GrpcRaftTransport', () => {
  it('delivers messages both ways, in order, over one stream per peer', async () => {
    const b = await endpoint(2, new Map());
    const a = await endpoint(1, new Map([[2, `127.0.0.1:${b.port}`]]));
    b.transport.setPeer(1, `127.0.0.1:${a.port}`);
    // Messages queued while a link is still connecting are dropped if that attempt times out.
    await until(() => a.transport.stats().peers[2]!.connected && b.transport.stats().peers[1]!.connected);
    for (let i = 1; i <= 500; i++) a.transport.send(heartbeat(1, 2, i));
    b.transport.send({ type: 'VoteResponse', from: 2, to: 1, term: 3, granted: true });
    await until(() => b.received.length === 500 && a.received.length === 1);
    expect(b.received.map((m) => (m as { commit: number }).commit)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(a.received[0]).toMatchObject({ type: 'VoteResponse', granted: true, from: 2 });
    expect(a.transport.stats().peers[2]).toMatchObject({ connected: true, sent: 500, dropped: 0 });
  });

  it('drops messages to unknown peers and messages addressed to someone else', async () => {
    const b = await endpoint(2, new Map());
    const a = await endpoint(1, new Map([[2, `127.0.0.1:${b.port}`], [3, `127.0.0.1:${b.port}`]]));
    await until(() => a.transport.stats().peers[2]!.connected && a.transport.stats().peers[3]!.connected);
    a.transport.send(heartbeat(1, 9, 1));
    a.transport.send(heartbeat(1, 3, 2)); // reaches node 2's server, but is not for node 2
    a.transport.send(heartbeat(1, 2, 3));
    await until(() => b.received.length === 1 && b.transport.stats().droppedIncoming === 1);
    expect(a.transport.stats().droppedUnknownPeer).toBe(1);
    expect((b.received[0] as { commit: number }).commit).toBe(3);
  });

  it('never blocks while a peer is down, bounds its queue, and reconnects when it returns', async () => {
    const probe = await endpoint(2, new Map());
    const port = probe.port;
    probe.transport.close();
    await stopServer(probe.server, 100);

    const a = new GrpcRaftTransport({
      id: 1,
      peers: new Map([[2, `127.0.0.1:${port}`]]),
      logger: silentLogger(),
      link: { ...fastLinks, maxQueuedMessages: 100 },
    });
    cleanup.push(() => a.close());
    const started = performance.now();
    for (let i = 0; i < 10_000; i++) a.send(heartbeat(1, 2, i));
    expect(performance.now() - started).toBeLessThan(500);
    const stats = a.stats().peers[2]!;
    expect(stats.queued).toBeLessThanOrEqual(100);
    expect(stats.dropped).toBeGreaterThanOrEqual(9_900);
    await until(() => a.stats().peers[2]!.reconnects >= 1);

    const b = await endpoint(2, new Map(), port);
    await until(() => a.stats().peers[2]!.connected);
    a.send(heartbeat(1, 2, 42));
    await until(() => b.received.some((m) => (m as { commit: number }).commit === 42));
  });

  it('reopens the stream after the peer restarts on the same address', async () => {
    const first = await endpoint(2, new Map());
    const a = await endpoint(1, new Map([[2, `127.0.0.1:${first.port}`]]));
    await until(() => {
      a.transport.send(heartbeat(1, 2, 1));
      return first.received.length > 0;
    });
    first.transport.close();
    await stopServer(first.server, 100);
    const second = await endpoint(2, new Map(), first.port);
    await until(() => {
      a.transport.send(heartbeat(1, 2, 2));
      return second.received.length > 0;
    });
    expect(a.transport.stats().peers[2]!.reconnects).toBeGreaterThanOrEqual(1);
  });
});
