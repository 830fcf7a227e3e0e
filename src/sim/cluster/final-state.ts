/**
 * The end state of a run, read straight from the nodes: each partition's registration as the
 * active controller's image has it, the final leader's records below its high watermark, and what
 * every assigned replica's log holds there. Also the convergence test the quiet period waits for.
 */
import type { FinalPartition, RecordAt, ReplicaLog } from '../../check/index.js';
import type { Partition } from '../../broker/index.js';
import { topicByName, type MetadataImage } from '../../metadata/index.js';
import { NO_LEADER, type PartitionRegistration } from '../../metadata/types.js';
import type { ClusterNode } from './cluster-node.js';
import { recordsOf } from './record-values.js';

const READ_CHUNK_BYTES = 1024 * 1024;

/** The metadata image of the active controller, or the most advanced one any running node has. */
export function authoritativeImage(nodes: ReadonlyMap<number, ClusterNode>): MetadataImage | undefined {
  let best: MetadataImage | undefined;
  for (const node of nodes.values()) {
    const runtime = node.runtime();
    if (!runtime) continue;
    if (runtime.controllerHost?.isActive()) return runtime.publisher.image();
    const image = runtime.publisher.image();
    if (!best || image.offset > best.offset) best = image;
  }
  return best;
}

export function registrations(nodes: ReadonlyMap<number, ClusterNode>, topic: string): PartitionRegistration[] {
  const image = authoritativeImage(nodes);
  const t = image && topicByName(image, topic);
  return t ? [...t.partitions.values()].sort((a, b) => a.partition - b.partition) : [];
}

export function hostedPartition(node: ClusterNode | undefined, topic: string, partition: number): Partition | undefined {
  return node?.runtime()?.replicaManager?.getPartition(topic, partition);
}

/**
 * Every partition led, its leader's ISR holding every replica, every replica at the leader's log
 * end and everything committed: nothing more will move without new writes.
 */
export function hasConverged(nodes: ReadonlyMap<number, ClusterNode>, topic: string, partitionCount: number): boolean {
  const regs = registrations(nodes, topic);
  if (regs.length !== partitionCount) return false;
  return regs.every((reg) => {
    if (reg.leader === NO_LEADER) return false;
    const leader = hostedPartition(nodes.get(reg.leader), topic, reg.partition);
    if (!leader || leader.role() !== 'leader' || leader.leaderEpoch() !== reg.leaderEpoch) return false;
    const leo = leader.logEndOffset();
    if (leader.highWatermark() !== leo || leader.isr().length !== reg.replicas.length) return false;
    return reg.replicas.every((id) => {
      const replica = hostedPartition(nodes.get(id), topic, reg.partition);
      return replica !== undefined && replica.logEndOffset() === leo && replica.highWatermark() === leo;
    });
  });
}

/** Each partition's registration and every replica's view of it, for a liveness failure's message. */
export function describePartitions(nodes: ReadonlyMap<number, ClusterNode>, topic: string): string {
  return registrations(nodes, topic)
    .map((reg) => {
      const replicas = reg.replicas.map((id) => {
        const p = hostedPartition(nodes.get(id), topic, reg.partition);
        if (!p) return `${id}:${nodes.get(id)?.status() ?? 'unknown'}/no replica`;
        return `${id}:${p.role()} epoch=${p.leaderEpoch()} isr=[${p.isr().join(',')}] hw=${p.highWatermark()} leo=${p.logEndOffset()}`;
      });
      return `p${reg.partition} leader=${reg.leader} epoch=${reg.leaderEpoch} isr=[${reg.isr.join(',')}]: ${replicas.join('; ')}`;
    })
    .join(' | ');
}

export function readFinalState(nodes: ReadonlyMap<number, ClusterNode>, topic: string): FinalPartition[] {
  return registrations(nodes, topic).map((reg) => {
    const leader = hostedPartition(nodes.get(reg.leader), topic, reg.partition);
    const highWatermark = leader?.highWatermark() ?? 0;
    const logStartOffset = leader?.logStartOffset() ?? 0;
    const replicas: ReplicaLog[] = reg.replicas.map((id) => {
      const replica = hostedPartition(nodes.get(id), topic, reg.partition);
      if (!replica) return { node: id, logStartOffset: 0, logEndOffset: 0, records: [] };
      return { node: id, logStartOffset: replica.logStartOffset(), logEndOffset: replica.logEndOffset(), records: readBelow(replica, highWatermark) };
    });
    return {
      partition: reg.partition,
      leader: leader ? reg.leader : -1,
      highWatermark,
      logStartOffset,
      records: leader ? readBelow(leader, highWatermark) : [],
      replicas,
    };
  });
}

/** A replica's records from its log start up to `endOffset` (exclusive). */
function readBelow(partition: Partition, endOffset: number): RecordAt[] {
  const log = partition.log;
  const end = Math.min(endOffset, log.logEndOffset());
  const records: RecordAt[] = [];
  for (let offset = log.logStartOffset(); offset < end; ) {
    const read = log.read(offset, READ_CHUNK_BYTES, end);
    if (read.records.length === 0) break;
    for (const r of recordsOf(read.records, offset)) if (r.offset < end) records.push(r);
    offset = read.nextOffset;
  }
  return records;
}
