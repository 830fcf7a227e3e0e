import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { assertPortsFree, pickFreePorts, PortUnavailableError, portsFromBase } from '../../../cluster/ports.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function occupy(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => {
      servers.push(s);
      resolve(s);
    });
  });
}

describe('port selection', () => {
  it('picks distinct free loopback ports that can then be bound', async () => {
    const ports = await pickFreePorts(5);
    expect(new Set(ports).size).toBe(5);
    for (const p of ports) expect(p).toBeGreaterThan(0);
    await expect(assertPortsFree(ports)).resolves.toBeUndefined();
  });

  it('counts up from --port-base', () => {
    expect(portsFromBase(19000, 3)).toEqual([19000, 19001, 19002]);
  });

  it('refuses a base that runs past 65535', () => {
    expect(() => portsFromBase(65534, 3)).toThrow(/--port-base must leave room for 3 ports/);
    expect(() => portsFromBase(0, 1)).toThrow(RangeError);
  });

  it('names the port something else already listens on', async () => {
    const [free, busy] = await pickFreePorts(2);
    await occupy(busy!);
    const check = assertPortsFree([free!, busy!]);
    await expect(check).rejects.toThrow(PortUnavailableError);
    await expect(assertPortsFree([busy!])).rejects.toThrow(`port ${busy} on 127.0.0.1 is not available (already in use)`);
  });
});
