/**
 * Shared by the suites that start real node processes (integration, interop): whether the node is
 * built, and small client helpers (produce with acks=all, read the first records of a partition).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type ConsumedRecord } from '../../src/client/index.js';

export const repoRoot = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const nodeEntryPoint = join(repoRoot, 'dist', 'src', 'node', 'main.js');
export const nodeBuilt = existsSync(nodeEntryPoint);
export const SKIP_REASON = `needs the node process (${nodeEntryPoint}); run npm run build first`;

/** Sends `values` to one partition with acks=all; returns how many were acknowledged. */
export async function produceAll(bootstrapServers: string[], topic: string, partition: number, values: string[]): Promise<number> {
  const client = createClient({ bootstrapServers, requestTimeoutMs: 10_000 });
  try {
    const producer = client.producer({ acks: 'all', deliveryTimeoutMs: 30_000 });
    const results = await producer.send({ topic, messages: values.map((value) => ({ key: null, value, partition })) });
    return results.length;
  } finally {
    await client.close();
  }
}

/**
 * Reads a partition from its start until `count` records arrived or the time is up, and returns
 * what arrived (possibly fewer). (`readUntilOffset` in `cluster-load.ts` reads to an offset and
 * throws when it cannot.)
 */
export async function readFirstRecords(bootstrapServers: string[], topic: string, partition: number, count: number, timeoutMs = 20_000): Promise<ConsumedRecord[]> {
  const client = createClient({ bootstrapServers, requestTimeoutMs: 10_000 });
  try {
    const consumer = client.consumer({ autoOffsetReset: 'earliest' });
    consumer.assign([{ topic, partition, offset: 'earliest' }]);
    const records: ConsumedRecord[] = [];
    const deadline = Date.now() + timeoutMs;
    while (records.length < count && Date.now() < deadline) records.push(...(await consumer.poll({ maxWaitMs: 250 })));
    return records;
  } finally {
    await client.close();
  }
}

export const valuesOf = (records: readonly ConsumedRecord[]) => records.map((r) => r.value?.toString('utf8'));
