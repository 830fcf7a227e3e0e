/**
 * The gRPC channels a client holds, one per broker address, created on first use and closed
 * together. Producers, consumers and admins of one client share the pool, so a broker is reached
 * over a single channel however many parts of the client talk to it.
 */
import { errors } from '../common/errors.js';
import { BrokerConnection, type ConnectionOptions } from './connection.js';

export class BrokerPool {
  private readonly connections = new Map<string, BrokerConnection>();
  private closed = false;

  constructor(
    readonly bootstrapServers: readonly string[],
    private readonly options: ConnectionOptions,
  ) {
    if (bootstrapServers.length === 0) throw new TypeError('bootstrapServers must list at least one host:port');
    for (const address of bootstrapServers) parseAddress(address);
  }

  /** The connection to `address` ("host:port"), created if this is the first use. */
  connection(address: string): BrokerConnection {
    if (this.closed) throw errors.networkException('the client is closed');
    let connection = this.connections.get(address);
    if (!connection) {
      connection = new BrokerConnection(address, this.options);
      this.connections.set(address, connection);
    }
    return connection;
  }

  isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.closed = true;
    for (const connection of this.connections.values()) connection.close();
    this.connections.clear();
  }
}

/** Splits "host:port", accepting bracketed IPv6 hosts ("[::1]:9092"). */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(address);
  const port = match ? Number(match[2]) : NaN;
  if (!match || !(port > 0 && port < 65536)) throw new TypeError(`not a host:port address: "${address}"`);
  return { host: match[1]!, port };
}

export function formatAddress(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}
