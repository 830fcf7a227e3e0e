/**
 * Rebuilding a coordinator's state from a `__consumer_offsets` partition when its broker becomes
 * the leader: replay every record in log order (the last record per key wins, a tombstone
 * deletes), then turn each group's last GroupMetadata record into a live group. A group with
 * members comes back Stable in its stored generation, so members of that generation carry on by
 * heartbeating to the new coordinator; a group known only by its offsets comes back Empty.
 */
import { errors } from '../../common/errors.js';
import { CONTROL_FLAG, iterateBatches, iterateRecords } from '../../log/batch/index.js';
import { ClassicGroup } from './group.js';
import { GroupMember } from './member.js';
import { decodeOffsetsRecord, type GroupMetadataValue, type RawOffsetsRecord } from './offset-records.js';
import { OffsetStore } from './offsets.js';

export interface LoadSummary {
  partition: number;
  records: number;
  groups: number;
  offsets: number;
  /** Records of types this coordinator does not use (Kafka's newer group protocols), skipped. */
  skippedRecords: number;
}

export class OffsetsPartitionReplay {
  readonly offsets = new OffsetStore();
  readonly groupValues = new Map<string, GroupMetadataValue>();
  records = 0;
  skippedRecords = 0;

  /** Applies one record; a malformed one throws CORRUPT_MESSAGE and the load fails. */
  apply(raw: RawOffsetsRecord): void {
    this.records++;
    const record = decodeOffsetsRecord(raw);
    switch (record.kind) {
      case 'offset-commit': {
        const { group, topic, partition } = record.key;
        if (record.value === null) this.offsets.delete(group, topic, partition);
        else {
          const { offset, leaderEpoch, metadata, commitTimestamp } = record.value;
          this.offsets.set(group, topic, partition, { offset, leaderEpoch, metadata, commitTimestamp });
        }
        break;
      }
      case 'group-metadata':
        if (record.value === null) this.groupValues.delete(record.group);
        else this.groupValues.set(record.group, record.value);
        break;
      case 'unknown':
        this.skippedRecords++;
        break;
    }
  }

  /** Every group with metadata or offsets, rebuilt. */
  restoreGroups(nowMs: number): ClassicGroup[] {
    const ids = new Set([...this.groupValues.keys(), ...this.offsets.groupIds()]);
    return [...ids].map((groupId) => restoreGroup(groupId, this.groupValues.get(groupId), nowMs));
  }
}

export function restoreGroup(groupId: string, value: GroupMetadataValue | undefined, nowMs: number): ClassicGroup {
  if (!value) return new ClassicGroup(groupId, 'Empty', nowMs);
  const hasMembers = value.members.length > 0;
  if (hasMembers && (value.protocol === null || value.protocolType === '')) {
    throw errors.corruptMessage(`group ${groupId} has members but no protocol in its metadata record`);
  }
  const group = new ClassicGroup(groupId, hasMembers ? 'Stable' : 'Empty', value.currentStateTimestamp >= 0 ? value.currentStateTimestamp : nowMs);
  group.generationId = value.generation;
  group.protocolType = value.protocolType === '' ? null : value.protocolType;
  group.protocolName = value.protocol;
  for (const m of value.members) {
    if (group.has(m.memberId)) throw errors.corruptMessage(`group ${groupId} lists member ${m.memberId} twice`);
    const member = new GroupMember(m.memberId, m.clientId, m.clientHost, m.rebalanceTimeoutMs, m.sessionTimeoutMs, [
      { name: value.protocol!, metadata: m.subscription },
    ]);
    member.assignment = m.assignment;
    group.add(member, value.protocolType);
  }
  if (value.leader !== null && group.has(value.leader)) group.leaderId = value.leader;
  return group;
}

/**
 * The records of the `__consumer_offsets` batches lying back to back in `bytes` (a segment or a
 * fetch response), for `GroupCoordinator.loadPartition`. Control batches (transaction markers)
 * carry no group data and are skipped.
 */
export function* offsetsRecordsOfBatches(bytes: Buffer): Generator<RawOffsetsRecord, void, undefined> {
  for (const { header, position } of iterateBatches(bytes)) {
    if ((header.attributes & CONTROL_FLAG) !== 0) continue;
    for (const record of iterateRecords(bytes, position)) yield { key: record.key, value: record.value };
  }
}
