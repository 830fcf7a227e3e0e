/**
 * The native client for the verbs that use the cluster as a user would (topics, produce, consume):
 * bootstrap servers from the run directory's cluster.json, or --bootstrap-server for any cluster.
 * Requests are bounded by --timeout so a dead cluster fails in seconds, not minutes.
 */
import type { Command } from 'commander';
import { createClient, type BrokerlabClient } from '../client/index.js';
import { openCluster } from './context.js';
import { parsePositive } from './options.js';

export interface ClientFlags {
  bootstrapServer?: string;
  timeout: number;
}

export const DEFAULT_CLIENT_TIMEOUT_MS = 5000;

export function addClientFlags(command: Command): Command {
  return command
    .option('--bootstrap-server <list>', 'host:port[,host:port...] of brokers (default: the cluster in the run directory)')
    .option('--timeout <ms>', 'bound on each request to the cluster', parsePositive, DEFAULT_CLIENT_TIMEOUT_MS);
}

export function bootstrapServersFor(command: Command, flags: ClientFlags): string[] {
  if (flags.bootstrapServer) return flags.bootstrapServer.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const supervisor = openCluster(command);
  supervisor.close();
  return supervisor.bootstrapServers;
}

/** Runs `body` with a client and always closes it (bounded: pending sends get the request timeout). */
export async function withClient<T>(command: Command, flags: ClientFlags, body: (client: BrokerlabClient) => Promise<T>): Promise<T> {
  const client = createClient({
    bootstrapServers: bootstrapServersFor(command, flags),
    clientId: 'brokerlab-cli',
    requestTimeoutMs: flags.timeout,
  });
  try {
    return await body(client);
  } finally {
    await client.close({ timeoutMs: flags.timeout });
  }
}
