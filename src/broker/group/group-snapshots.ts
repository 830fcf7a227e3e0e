/**
 * Read-only views of a group: what DescribeGroups and ListGroups report, and the
 * GroupMetadataValue that records the group in the log.
 */
import type { ClassicGroup } from './group.js';
import type { GroupMetadataValue } from './offset-records.js';
import type { GroupDescription, GroupListing } from './types.js';

const EMPTY = Buffer.alloc(0);

/**
 * As Kafka: member metadata and assignments only for a Stable group (before that they belong to a
 * generation still being formed), and the protocol name only then.
 */
export function describeGroup(group: ClassicGroup): GroupDescription {
  const stable = group.is('Stable');
  return {
    groupId: group.groupId,
    state: group.state,
    protocolType: group.protocolType ?? '',
    protocol: stable ? (group.protocolName ?? '') : '',
    generationId: group.generationId,
    leaderId: group.leaderId,
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: null,
      clientId: m.clientId,
      clientHost: m.clientHost,
      metadata: stable && group.protocolName !== null ? m.metadataFor(group.protocolName) : EMPTY,
      assignment: stable ? m.assignment : EMPTY,
    })),
  };
}

/** Kafka describes a group it does not know as Dead with nothing in it, not as an error. */
export function describeUnknownGroup(groupId: string): GroupDescription {
  return { groupId, state: 'Dead', protocolType: '', protocol: '', generationId: -1, leaderId: null, members: [] };
}

export function listGroup(group: ClassicGroup): GroupListing {
  return { groupId: group.groupId, protocolType: group.protocolType ?? '', state: group.state };
}

/** The record of the group's generation with these assignments, as Kafka's storeGroup writes it. */
export function groupMetadataValue(group: ClassicGroup, assignments: ReadonlyMap<string, Buffer>): GroupMetadataValue {
  const protocol = group.protocolName;
  return {
    protocolType: group.protocolType ?? '',
    generation: group.generationId,
    protocol,
    leader: group.leaderId,
    currentStateTimestamp: group.stateTimestampMs,
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: null,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      sessionTimeoutMs: m.sessionTimeoutMs,
      subscription: protocol !== null ? m.metadataFor(protocol) : EMPTY,
      assignment: assignments.get(m.memberId) ?? EMPTY,
    })),
  };
}
