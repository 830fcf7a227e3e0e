/**
 * Chooses a partition for each record the way Kafka clients do, so a key written by brokerlab's
 * client and by kafkajs or the Java client lands on the same partition:
 * - an explicit `partition` wins;
 * - a keyed record goes to `toPositive(murmur2(key)) % numPartitions` (Kafka's DefaultPartitioner /
 *   BuiltInPartitioner for keys);
 * - a keyless record goes round-robin over the partitions that currently have a leader (kafkajs's
 *   default; Kafka's Java client uses "sticky" batches instead, KIP-480). Round-robin spreads load
 *   evenly with any linger and keeps the choice independent of batch timing, which makes tests and
 *   histories easier to read.
 */
import { murmur2, toPositive } from './murmur2.js';

export interface PartitionerInput {
  topic: string;
  key: Buffer | null;
  partition?: number | undefined;
  numPartitions: number;
  /** Partitions that have a leader now; keyless records prefer these. */
  availablePartitions: readonly number[];
}

export type Partitioner = (input: PartitionerInput) => number;

export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  return toPositive(murmur2(key)) % numPartitions;
}

/** A default partitioner with its own round-robin counters per topic. */
export function createDefaultPartitioner(): Partitioner {
  const counters = new Map<string, number>();
  return ({ topic, key, partition, numPartitions, availablePartitions }) => {
    if (partition !== undefined && partition !== null) return partition;
    if (key !== null) return partitionForKey(key, numPartitions);
    // Start each topic at a random partition so many short-lived producers do not all hit partition 0.
    const counter = (counters.get(topic) ?? Math.floor(Math.random() * 0x7fffffff)) + 1;
    counters.set(topic, counter);
    if (availablePartitions.length > 0) return availablePartitions[toPositive(counter) % availablePartitions.length]!;
    return toPositive(counter) % numPartitions;
  };
}
