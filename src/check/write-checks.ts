/**
 * Checks on what producers were told: an acknowledged value must be in the final log (else it is a
 * lost write) unless the topic's cleanup policy removed it, and one producer's acknowledged sends
 * to a partition must sit in the final log in the order the producer made them (else they were
 * reordered).
 */
import type { FinalLog } from './final-log.js';
import type { History, SendOp } from './history.js';
import { removedByCleanup, type CheckOptions } from './options.js';

export interface LostWrite {
  readonly partition: number;
  readonly value: string;
  readonly process: string;
  /** Where the acknowledgement said the value was written. */
  readonly acknowledgedOffset: number;
  readonly acknowledgedAtMs: number;
  readonly acks: number;
}

/** A value sits in the final log before a value the same producer had acknowledged earlier. */
export interface ReorderedSend {
  readonly partition: number;
  readonly process: string;
  readonly earlier: { readonly value: string; readonly offset: number };
  readonly later: { readonly value: string; readonly offset: number };
}

/**
 * Acknowledged values absent from their partition's final log, except those the cleanup policy in
 * `options` explains: below the final log start offset (retention), or with a record of the same
 * key above the acknowledged offset (compaction).
 */
export function findLostWrites(history: History, logs: ReadonlyMap<number, FinalLog>, options: CheckOptions = {}): LostWrite[] {
  const lost: LostWrite[] = [];
  for (const send of history.sends) {
    const log = logs.get(send.partition);
    if (send.outcome !== 'ok' || send.offset === undefined || !log) continue;
    send.values.forEach((value, i) => {
      if (log.has(value)) return;
      const acknowledgedOffset = send.offset! + i;
      if (removedByCleanup(options, acknowledgedOffset, log.partition.logStartOffset, () => log.hasLaterOfKey(value, acknowledgedOffset))) return;
      lost.push({
        partition: send.partition,
        value,
        process: send.process,
        acknowledgedOffset,
        acknowledgedAtMs: send.completeMs,
        acks: send.acks,
      });
    });
  }
  return lost;
}

/**
 * For each producer and partition: a send invoked after another send completed must land after
 * it. A value's place is its acknowledged offset when the final log agrees, else its first
 * occurrence (a retry may have written it twice); values missing from the log are lost writes,
 * reported elsewhere, or were removed by retention or compaction, and are skipped here.
 */
export function findReorderedSends(history: History, logs: ReadonlyMap<number, FinalLog>): ReorderedSend[] {
  const reordered: ReorderedSend[] = [];
  for (const [, sends] of groupAcknowledged(history.sends)) {
    const log = logs.get(sends[0]!.partition);
    if (!log) continue;
    const byCompletion = [...sends].sort((a, b) => a.completeMs - b.completeMs);
    let completed = 0;
    /** The furthest place of any send that completed before the current one was invoked. */
    let bound: { value: string; offset: number } | undefined;
    for (const send of sends) {
      // Strictly before: a send completing in the same millisecond another is invoked is concurrent with it.
      for (; completed < byCompletion.length && byCompletion[completed]!.completeMs < send.invokeMs; completed++) {
        const last = furthestPlace(byCompletion[completed]!, log);
        if (last && (!bound || last.offset > bound.offset)) bound = last;
      }
      // Values of one batch must also keep their order among themselves.
      let previous = bound;
      for (const place of places(send, log)) {
        if (previous && place.offset <= previous.offset) {
          reordered.push({ partition: send.partition, process: send.process, earlier: previous, later: place });
        }
        previous = place;
      }
    }
  }
  return reordered;
}

/** Acknowledged sends grouped by producer and partition, each group in invocation order. */
function groupAcknowledged(sends: readonly SendOp[]): Map<string, SendOp[]> {
  const groups = new Map<string, SendOp[]>();
  for (const send of sends) {
    if (send.outcome !== 'ok') continue;
    const key = `${send.process}\u0000${send.partition}`;
    const group = groups.get(key);
    if (group) group.push(send);
    else groups.set(key, [send]);
  }
  for (const group of groups.values()) group.sort((a, b) => a.invokeMs - b.invokeMs || a.completeMs - b.completeMs);
  return groups;
}

function places(send: SendOp, log: FinalLog): { value: string; offset: number }[] {
  const result: { value: string; offset: number }[] = [];
  send.values.forEach((value, i) => {
    const acknowledged = send.offset === undefined ? undefined : send.offset + i;
    if (acknowledged !== undefined && log.valueAt(acknowledged) === value) return result.push({ value, offset: acknowledged });
    const first = log.offsetsOf(value)[0];
    if (first !== undefined) result.push({ value, offset: first });
  });
  return result;
}

function furthestPlace(send: SendOp, log: FinalLog): { value: string; offset: number } | undefined {
  let furthest: { value: string; offset: number } | undefined;
  for (const place of places(send, log)) if (!furthest || place.offset > furthest.offset) furthest = place;
  return furthest;
}
