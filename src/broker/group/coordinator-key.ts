/**
 * Which `__consumer_offsets` partition holds a group, exactly as Kafka computes it, so a Kafka
 * client's FindCoordinator and ours agree on the coordinator: the leader of partition
 * `Utils.abs(groupId.hashCode()) % offsets.topic.num.partitions`.
 */
import { assert } from '../../common/errors.js';

export const OFFSETS_TOPIC_NAME = '__consumer_offsets';
/** offsets.topic.num.partitions */
export const DEFAULT_OFFSETS_TOPIC_PARTITIONS = 50;
/** offsets.topic.replication.factor */
export const DEFAULT_OFFSETS_TOPIC_REPLICATION_FACTOR = 3;

const INT32_MIN = -0x8000_0000;

/** Java's String.hashCode: `h = 31 * h + c` over UTF-16 code units, in 32-bit two's complement. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * Kafka's Utils.abs: Math.abs, except that Integer.MIN_VALUE (which has no positive int32
 * counterpart, so Java's Math.abs returns it unchanged) maps to 0. A plain JavaScript Math.abs
 * would give 2^31 and place such a group on a different partition than Kafka does.
 */
export function kafkaAbs(n: number): number {
  assert(Number.isInteger(n) && n >= INT32_MIN && n <= 0x7fff_ffff, `${n} is not an int32`);
  return n === INT32_MIN ? 0 : Math.abs(n);
}

export function partitionForGroup(groupId: string, numPartitions = DEFAULT_OFFSETS_TOPIC_PARTITIONS): number {
  assert(Number.isInteger(numPartitions) && numPartitions > 0, `offsets topic partition count ${numPartitions} must be positive`);
  return kafkaAbs(javaStringHashCode(groupId)) % numPartitions;
}
