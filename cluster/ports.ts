/**
 * Port selection for the nodes' gRPC listeners: either consecutive ports from a base the user
 * chose, or free loopback ports the kernel hands out for port 0.
 */
import { createServer, type Server } from 'node:net';

export const LOOPBACK = '127.0.0.1';

export class PortUnavailableError extends Error {
  constructor(
    readonly port: number,
    reason: string,
  ) {
    super(`port ${port} on ${LOOPBACK} is not available (${reason})`);
    this.name = 'PortUnavailableError';
  }
}

function listen(port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * `count` distinct free ports. All listeners stay open until every port is known, so the kernel
 * cannot hand the same port out twice.
 */
export async function pickFreePorts(count: number, host = LOOPBACK): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listen(0, host));
    return servers.map((s) => {
      const address = s.address();
      if (!address || typeof address === 'string') throw new Error('listener has no port');
      return address.port;
    });
  } finally {
    await Promise.all(servers.map(close));
  }
}

/** P, P+1, ... P+count-1, after checking the range is valid. */
export function portsFromBase(base: number, count: number): number[] {
  if (!Number.isInteger(base) || base < 1 || base + count - 1 > 65535) {
    throw new RangeError(`--port-base must leave room for ${count} ports below 65536, got ${base}`);
  }
  return Array.from({ length: count }, (_, i) => base + i);
}

/** Throws PortUnavailableError naming the first port something else already listens on. */
export async function assertPortsFree(ports: readonly number[], host = LOOPBACK): Promise<void> {
  for (const port of ports) {
    let server: Server;
    try {
      server = await listen(port, host);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new PortUnavailableError(port, code === 'EADDRINUSE' ? 'already in use' : String(code ?? e));
    }
    await close(server);
  }
}

/**
 * Waits (bounded) until the ports can be bound. Right after a node is killed its port stays busy
 * for a moment: its peers' half-closed connections hold it until they notice and close.
 */
export async function waitForPortsFree(ports: readonly number[], timeoutMs: number, host = LOOPBACK): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertPortsFree(ports, host);
      return;
    } catch (e) {
      if (!(e instanceof PortUnavailableError) || Date.now() >= deadline) {
        if (e instanceof PortUnavailableError) throw new PortUnavailableError(e.port, `still in use after ${timeoutMs} ms`);
        throw e;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
