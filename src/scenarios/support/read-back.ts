/**
 * Reads a topic back as consumers will see it: every partition from its start up to the high
 * watermark it had when the read began. Bounded by `timeoutMs`; a partition that cannot be read to
 * its end is an error, since a scenario's verdict must not rest on a partial read.
 */
import type { BrokerlabClient, ConsumedRecord } from '../../client/index.js';

export interface ReadBack {
  /** Records of each partition in offset order. */
  readonly partitions: ReadonlyMap<number, readonly ConsumedRecord[]>;
  /** Every record, partition by partition. */
  readonly records: readonly ConsumedRecord[];
}

export async function readTopic(client: BrokerlabClient, topic: string, timeoutMs = 30_000): Promise<ReadBack> {
  const ends = await client.admin().fetchTopicOffsets(topic);
  const consumer = client.consumer({ autoOffsetReset: 'earliest', maxPollRecords: 5_000 });
  try {
    consumer.assign(ends.map((p) => ({ topic, partition: p.partition, offset: 'earliest' as const })));
    const partitions = new Map<number, ConsumedRecord[]>(ends.map((p) => [p.partition, []]));
    const next = new Map<number, number>(ends.map((p) => [p.partition, p.earliest]));
    const unfinished = () => ends.filter((p) => next.get(p.partition)! < p.latest);
    const deadline = performance.now() + timeoutMs;
    while (unfinished().length > 0) {
      if (performance.now() > deadline) {
        const where = unfinished().map((p) => `p${p.partition} at ${next.get(p.partition)} of ${p.latest}`);
        throw new Error(`could not read ${topic} to its end within ${timeoutMs} ms (${where.join(', ')})`);
      }
      for (const r of await consumer.poll({ maxWaitMs: 250 })) {
        const end = ends.find((p) => p.partition === r.partition)!.latest;
        if (r.offset < end) partitions.get(r.partition)!.push(r);
        next.set(r.partition, r.offset + 1);
      }
    }
    return { partitions, records: [...partitions.values()].flat() };
  } finally {
    await consumer.close({ timeoutMs: 1_000 });
  }
}

export function text(bytes: Buffer | null): string {
  return bytes?.toString('utf8') ?? '';
}
