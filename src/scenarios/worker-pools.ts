/**
 * A model, not the cluster: consumers that hand records to parallel workers, simulated in this
 * process on virtual clocks. Each record takes a work time drawn from a seeded generator (so a run
 * is repeatable, and a given seed always gives the same finishing order), and what is judged is
 * the order in which records finish. A shared pool finishes them in any order; routing all records
 * of a partition, or of a key, to one worker keeps their order while still working in parallel.
 */
import type { ConsumedRecord } from '../client/index.js';
import { partitionForKey } from '../client/index.js';

export type Routing = 'shared-pool' | 'worker-per-partition' | 'worker-per-key';

/** A small seeded generator (mulberry32): uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Processes `records` (in the order received) with `workers` workers routed as asked, each record
 * taking a seeded random 0..maxWorkMs of virtual time; returns the records in the order they
 * finished (ties in the order they started).
 */
export function processInParallel(records: readonly ConsumedRecord[], workers: number, routing: Routing, maxWorkMs: number, seed: number): ConsumedRecord[] {
  const random = seededRandom(seed);
  const workMs = records.map(() => random() * maxWorkMs);
  const finishes: { record: ConsumedRecord; atMs: number; started: number }[] = [];
  const freeAt = new Array<number>(workers).fill(0);
  if (routing === 'shared-pool') {
    // Every idle worker takes the next record, whatever its key: the earliest free worker gets it.
    records.forEach((record, i) => {
      let w = 0;
      for (let k = 1; k < workers; k++) if (freeAt[k]! < freeAt[w]!) w = k;
      freeAt[w] = freeAt[w]! + workMs[i]!;
      finishes.push({ record, atMs: freeAt[w]!, started: i });
    });
  } else {
    // Each worker owns a queue and works through it in order.
    records.forEach((record, i) => {
      const w = routing === 'worker-per-partition' ? record.partition % workers : partitionForKey(record.key ?? Buffer.alloc(0), workers);
      freeAt[w] = freeAt[w]! + workMs[i]!;
      finishes.push({ record, atMs: freeAt[w]!, started: i });
    });
  }
  return finishes.sort((a, b) => a.atMs - b.atMs || a.started - b.started).map((f) => f.record);
}
