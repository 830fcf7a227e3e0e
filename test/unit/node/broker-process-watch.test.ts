// The active controller's watch on broker processes, on real loopback sockets: a listener that goes
// away after its connection closed is reported gone; one that closes the connection but still
// listens is not; nor is one that never accepted while it keeps listening.
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/common/logger.js';
import { BrokerProcessWatch, type WatchedBroker } from '../../../src/node/broker-process-watch.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function listen(): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, sockets };
}

describe('broker process watch', () => {
  let watch: BrokerProcessWatch | undefined;
  const servers: Server[] = [];
  afterEach(() => {
    watch?.stop();
    for (const s of servers) s.close();
  });

  async function watching(port: number): Promise<WatchedBroker[]> {
    const gone: WatchedBroker[] = [];
    watch = new BrokerProcessWatch({ onGone: (b) => gone.push(b), probeTimeoutMs: 500, retryMs: 50, logger: silentLogger() });
    watch.update([{ brokerId: 7, brokerEpoch: 3, host: '127.0.0.1', port }]);
    return gone;
  }

  it('reports a broker whose connection closed and whose address no longer listens', async () => {
    const { server, port, sockets } = await listen();
    const gone = await watching(port);
    for (let i = 0; i < 100 && sockets.size === 0; i++) await sleep(10);
    expect(sockets.size).toBe(1);
    // The process dies: the kernel closes its listener and its connections.
    server.close();
    for (const s of sockets) s.destroy();
    for (let i = 0; i < 100 && gone.length === 0; i++) await sleep(10);
    expect(gone).toEqual([{ brokerId: 7, brokerEpoch: 3, host: '127.0.0.1', port }]);
  });

  it('does not report a broker that closed the connection but still listens', async () => {
    const { server, port, sockets } = await listen();
    servers.push(server);
    const gone = await watching(port);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 100 && sockets.size === 0; i++) await sleep(10);
      for (const s of sockets) s.destroy();
      await sleep(100);
    }
    expect(gone).toEqual([]);
    // Watched again: a new connection is up.
    for (let i = 0; i < 100 && sockets.size === 0; i++) await sleep(10);
    expect(sockets.size).toBe(1);
  });

  it('reports a broker that never listened only after a second refusal confirms the first, and stops watching on update', async () => {
    const { server, port } = await listen();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const gone = await watching(port);
    for (let i = 0; i < 100 && gone.length === 0; i++) await sleep(10);
    expect(gone.map((b) => b.brokerId)).toEqual([7]);
    watch!.update([]);
  });
});
