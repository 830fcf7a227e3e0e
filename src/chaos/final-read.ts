/**
 * Reading a partition back at the end of a run, for the history checker:
 * - `readUntilOffset`: a partition from its start up to an offset (its high watermark), through the
 *   consumer;
 * - `readReplicaLog`: one replica's log straight from its segment files (whole batches only);
 * - `waitForQuiet`: until every in-sync replica holds the high watermark;
 * - `finalPartition`: all of it, as the `FinalPartition` the checker wants.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findPartition, type LocalCluster, type PartitionView } from '../../cluster/index.js';
import type { FinalPartition, RecordAt, ReplicaLog } from '../check/index.js';
import { BrokerError, createClient } from '../client/index.js';
import { iterateBatches, partitionDirName, readRecords } from '../log/index.js';

/**
 * Reads a partition through the consumer from its start until `untilOffset` (exclusive); throws
 * when it cannot get that far within `timeoutMs`. (`readFirstRecords` in `cluster-helpers.ts`
 * counts records instead and returns what it got.)
 */
export async function readUntilOffset(bootstrapServers: string[], topic: string, partition: number, untilOffset: number, timeoutMs = 30_000): Promise<RecordAt[]> {
  const client = createClient({ bootstrapServers, requestTimeoutMs: 10_000 });
  const records: RecordAt[] = [];
  try {
    const consumer = client.consumer({ autoOffsetReset: 'earliest', maxPollRecords: 5_000 });
    consumer.assign([{ topic, partition, offset: 'earliest' }]);
    const deadline = performance.now() + timeoutMs;
    let next = 0;
    while (next < untilOffset && performance.now() < deadline) {
      for (const r of await consumer.poll({ maxWaitMs: 250 })) {
        records.push({ offset: r.offset, value: r.value?.toString('utf8') ?? '' });
        next = r.offset + 1;
      }
    }
    if (next < untilOffset) throw new Error(`read ${topic}-${partition} only to offset ${next} of ${untilOffset} within ${timeoutMs} ms`);
    return records.filter((r) => r.offset < untilOffset);
  } finally {
    await client.close();
  }
}

export interface StoredBatch {
  readonly baseOffset: number;
  /** Exclusive. */
  readonly nextOffset: number;
  readonly leaderEpoch: number;
}

export interface StoredLog extends ReplicaLog {
  readonly batches: readonly StoredBatch[];
}

/**
 * One replica's log as its segment files hold it, read without the log module so nothing is
 * recovered or rewritten; a torn batch at the end (a write in progress) ends the read.
 */
export function readReplicaLog(node: number, dataDir: string, topic: string, partition: number, belowOffset = Number.MAX_SAFE_INTEGER): StoredLog {
  const dir = join(dataDir, 'logs', partitionDirName(topic, partition));
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => /^\d{20}\.log$/.test(f)).sort() : [];
  const records: RecordAt[] = [];
  const batches: StoredBatch[] = [];
  for (const file of files) {
    const buf = readFileSync(join(dir, file));
    try {
      for (const { header, position } of iterateBatches(buf)) {
        const nextOffset = header.baseOffset + header.lastOffsetDelta + 1;
        batches.push({ baseOffset: header.baseOffset, nextOffset, leaderEpoch: header.partitionLeaderEpoch });
        if (header.baseOffset >= belowOffset) continue;
        for (const r of readRecords(buf, position)) {
          if (r.offset < belowOffset) records.push({ offset: r.offset, value: r.value?.toString('utf8') ?? '' });
        }
      }
    } catch (e) {
      if (!(e instanceof BrokerError)) throw e;
    }
  }
  const logStartOffset = batches[0]?.baseOffset ?? 0;
  const logEndOffset = batches.at(-1)?.nextOffset ?? logStartOffset;
  return { node, logStartOffset, logEndOffset, records, batches };
}

/** Every assigned replica's stored log of a partition. */
export function readReplicaLogs(cluster: LocalCluster, topic: string, partition: number, replicas: readonly number[], belowOffset?: number): StoredLog[] {
  return replicas.map((id) => {
    const node = cluster.nodes.find((n) => n.id === id);
    if (!node) throw new Error(`no node ${id} in the cluster`);
    return readReplicaLog(id, node.dataDir, topic, partition, belowOffset);
  });
}

/**
 * Waits until the partition has a leader, an ISR of `isrSize`, and every replica's log end equals
 * the high watermark; returns that status view. A timeout says what the cluster looked like.
 */
export async function waitForQuiet(cluster: LocalCluster, topic: string, partition: number, isrSize: number, timeoutMs: number): Promise<PartitionView> {
  try {
    return await cluster.waitFor(
      (s) => {
        const p = findPartition(s, topic, partition);
        if (!p || p.leader < 0 || p.isr.length !== isrSize || p.highWatermark === undefined) return undefined;
        return p.replicaStates.every((r) => !p.isr.includes(r.id) || r.logEndOffset === p.highWatermark) ? p : undefined;
      },
      `${topic}-${partition} to be quiet with ${isrSize} in-sync replicas at the high watermark`,
      { timeoutMs },
    );
  } catch (e) {
    throw await withClusterPicture(cluster, e, topic, partition);
  }
}

/** `error` with the partition's and the nodes' current state appended, for a failure message. */
export async function withClusterPicture(cluster: LocalCluster, error: unknown, topic: string, partition: number): Promise<Error> {
  const message = error instanceof Error ? error.message : String(error);
  try {
    const status = await cluster.status();
    const nodes = status.nodes.map((n) => `${n.id}:${n.process}${n.reachable ? '' : '(unreachable)'}${n.broker?.fenced ? '(fenced)' : ''}`).join(' ');
    return new Error(`${message}\n  nodes ${nodes}\n  ${JSON.stringify(findPartition(status, topic, partition) ?? 'no such partition')}`);
  } catch {
    return error instanceof Error ? error : new Error(message);
  }
}

/**
 * The partition as the checker wants it at the end of a run: the leader's records below the high
 * watermark read through the consumer, and every replica's stored log below it.
 */
export async function finalPartition(cluster: LocalCluster, topic: string, partition: number, isrSize: number, timeoutMs = 30_000): Promise<FinalPartition & { replicas: StoredLog[] }> {
  const view = await waitForQuiet(cluster, topic, partition, isrSize, timeoutMs);
  const highWatermark = view.highWatermark!;
  const records = await readUntilOffset(cluster.bootstrapServers, topic, partition, highWatermark, timeoutMs);
  const replicas = readReplicaLogs(cluster, topic, partition, view.replicas, highWatermark);
  return {
    partition,
    leader: view.leader,
    highWatermark,
    logStartOffset: records[0]?.offset ?? 0,
    records,
    replicas,
  };
}
