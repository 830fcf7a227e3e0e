/** Small builders for hand-made queue histories. */
import type { FinalPartition, History, PollOp, RecordAt, ReplicaLog, SendOp } from '../../../src/check/index.js';

let clockMs = 0;

/** A send acknowledged at `offset`, invoked and completed at increasing times. */
export function ack(process: string, partition: number, values: string[], offset: number, acks = -1): SendOp {
  const invokeMs = (clockMs += 10);
  return { process, partition, values, acks, invokeMs, completeMs: (clockMs += 5), outcome: 'ok', offset };
}

export function unknown(process: string, partition: number, values: string[]): SendOp {
  const invokeMs = (clockMs += 10);
  return { process, partition, values, acks: -1, invokeMs, completeMs: (clockMs += 5), outcome: 'info', error: 'REQUEST_TIMED_OUT' };
}

export function poll(process: string, partition: number, records: RecordAt[]): PollOp {
  const invokeMs = (clockMs += 10);
  return { process, partition, invokeMs, completeMs: (clockMs += 5), fetchOffset: records[0]?.offset ?? 0, records };
}

/** Records at consecutive offsets from `from`. */
export function recs(from: number, ...values: string[]): RecordAt[] {
  return values.map((value, i) => ({ offset: from + i, value }));
}

export function replica(node: number, records: RecordAt[], logEndOffset = (records[records.length - 1]?.offset ?? -1) + 1): ReplicaLog {
  return { node, logStartOffset: 0, logEndOffset, records };
}

/** A final partition led by node 1 whose log is `records`, with replicas 2 and 3 identical unless given. */
export function finalPartition(partition: number, records: RecordAt[], replicas?: ReplicaLog[]): FinalPartition {
  const highWatermark = (records[records.length - 1]?.offset ?? -1) + 1;
  return {
    partition,
    leader: 1,
    highWatermark,
    logStartOffset: 0,
    records,
    replicas: replicas ?? [replica(1, records), replica(2, records), replica(3, records)],
  };
}

export function history(sends: SendOp[], polls: PollOp[], final: FinalPartition[]): History {
  return { topic: 't', sends, polls, final };
}
