/**
 * Load and read-back against a real cluster, shared by the replication integration tests and the
 * failover benchmark. The workload and the read-back are the chaos lab's (src/chaos), so tests,
 * benchmarks and `brokerlab chaos` record and read histories one way.
 */
import type { SendOp } from '../../src/check/index.js';

export { SendLoad, type AckEvent, type SendLoadOptions } from '../../src/chaos/send-load.js';
export {
  finalPartition,
  readReplicaLog,
  readReplicaLogs,
  readUntilOffset,
  waitForQuiet,
  withClusterPicture,
  type StoredBatch,
  type StoredLog,
} from '../../src/chaos/final-read.js';
export { STEADY_LEADERS } from '../../cluster/presets.js';

/** Acknowledged offsets of each sender, in the order its sends were made. */
export function acknowledgedOffsetsBySender(sends: readonly SendOp[]): Map<string, number[]> {
  const bySender = new Map<string, number[]>();
  for (const send of [...sends].sort((a, b) => a.invokeMs - b.invokeMs)) {
    if (send.outcome !== 'ok' || send.offset === undefined) continue;
    const offsets = bySender.get(send.process) ?? [];
    send.values.forEach((_, i) => offsets.push(send.offset! + i));
    bySender.set(send.process, offsets);
  }
  return bySender;
}

