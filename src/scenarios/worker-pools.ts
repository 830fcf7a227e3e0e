/**
 * Consumers that process records in parallel, simulated: each record takes a random time (as real
 * work does), and what matters is the order in which records finish. A shared pool finishes them
 * in any order; routing all records of a partition, or of a key, to one worker keeps their order
 * while still working in parallel.
 */
import type { ConsumedRecord } from '../client/index.js';
import { partitionForKey } from '../client/index.js';
import { sleep } from './support/wait.js';

export type Routing = 'shared-pool' | 'worker-per-partition' | 'worker-per-key';

/** Processes `records` with `workers` workers routed as asked; resolves with the records in the order they finished. */
export async function processInParallel(records: readonly ConsumedRecord[], workers: number, routing: Routing, maxWorkMs: number): Promise<ConsumedRecord[]> {
  const finished: ConsumedRecord[] = [];
  const work = async (record: ConsumedRecord): Promise<void> => {
    await sleep(Math.random() * maxWorkMs);
    finished.push(record);
  };
  if (routing === 'shared-pool') {
    // Every idle worker takes the next record, whatever its key.
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < records.length) await work(records[next++]!);
    };
    await Promise.all(Array.from({ length: workers }, worker));
    return finished;
  }
  // Each worker owns a queue and works through it in order.
  const queues = Array.from({ length: workers }, () => [] as ConsumedRecord[]);
  for (const r of records) {
    const index = routing === 'worker-per-partition' ? r.partition % workers : partitionForKey(r.key ?? Buffer.alloc(0), workers);
    queues[index]!.push(r);
  }
  await Promise.all(
    queues.map(async (queue) => {
      for (const r of queue) await work(r);
    }),
  );
  return finished;
}
