/**
 * Requests, results and settings of the group coordinator, named after Kafka's JoinGroup,
 * SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch, DescribeGroups and ListGroups
 * fields so the Kafka listener and the gRPC front door map them one to one.
 */
import type { BrokerError } from '../../common/errors.js';
import { DEFAULT_OFFSETS_TOPIC_PARTITIONS } from './coordinator-key.js';

/** Kafka's classic group states, spelled as DescribeGroups and ListGroups report them. */
export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface GroupCoordinatorConfig {
  /** offsets.topic.num.partitions: must match the topic, or groups are looked up in the wrong partition. */
  offsetsTopicNumPartitions: number;
  /** group.min.session.timeout.ms */
  groupMinSessionTimeoutMs: number;
  /** group.max.session.timeout.ms */
  groupMaxSessionTimeoutMs: number;
  /** group.initial.rebalance.delay.ms: wait for more members before the first rebalance of an empty group. */
  groupInitialRebalanceDelayMs: number;
  /** offset.metadata.max.bytes: longer commit metadata is refused with OFFSET_METADATA_TOO_LARGE. */
  offsetMetadataMaxBytes: number;
  /**
   * How long a member that has just joined may wait for its first generation before it is
   * dropped (Kafka's fixed 5 minutes of KIP-394): a new member has never heartbeated, so its
   * session cannot bound the wait.
   */
  groupNewMemberJoinTimeoutMs: number;
}

export const DEFAULT_GROUP_COORDINATOR_CONFIG: Readonly<GroupCoordinatorConfig> = {
  offsetsTopicNumPartitions: DEFAULT_OFFSETS_TOPIC_PARTITIONS,
  groupMinSessionTimeoutMs: 6000,
  groupMaxSessionTimeoutMs: 1_800_000,
  groupInitialRebalanceDelayMs: 3000,
  offsetMetadataMaxBytes: 4096,
  groupNewMemberJoinTimeoutMs: 300_000,
};

/** JoinGroup's memberId for a member joining for the first time. */
export const UNKNOWN_MEMBER_ID = '';
/** OffsetCommit's generation for a commit from outside group management. */
export const NO_GENERATION = -1;

export interface JoinGroupProtocol {
  name: string;
  metadata: Buffer;
}

export interface JoinGroupRequest {
  groupId: string;
  /** '' on a first join. */
  memberId: string;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  /** JoinGroup v0 has none: pass the session timeout, as Kafka does. */
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: readonly JoinGroupProtocol[];
  /**
   * JoinGroup v4+: a first join is answered MEMBER_ID_REQUIRED with a new member id, and only the
   * rejoin with that id enters the group, so a client that retries a lost first join does not
   * leave a ghost member behind.
   */
  requireKnownMemberId?: boolean;
}

export interface JoinGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Buffer;
}

export interface JoinGroupResult {
  memberId: string;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leaderId: string;
  /** Every member with its metadata for the chosen protocol, for the leader; empty for the others. */
  members: JoinGroupMember[];
}

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  /** SyncGroup v5+: checked against the group's when given. */
  protocolType?: string | null;
  protocolName?: string | null;
  /** The leader's assignment per member; empty from followers. */
  assignments: readonly { memberId: string; assignment: Buffer }[];
}

export interface SyncGroupResult {
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface HeartbeatRequest {
  groupId: string;
  memberId: string;
  generationId: number;
}

export interface LeaveGroupRequest {
  groupId: string;
  /** LeaveGroup v0-2 carry one member id; v3+ a list. */
  memberIds: readonly string[];
}

export interface LeaveGroupResult {
  members: { memberId: string; error?: BrokerError }[];
}

export interface OffsetCommitPartition {
  partition: number;
  /** The next offset to read: last processed + 1. */
  offset: number;
  leaderEpoch?: number;
  metadata?: string | null;
}

export interface OffsetCommitRequest {
  groupId: string;
  /** -1 with an empty member id for a commit from outside group management. */
  generationId: number;
  memberId: string;
  topics: readonly { topic: string; partitions: readonly OffsetCommitPartition[] }[];
}

export interface OffsetCommitResult {
  topics: { topic: string; partitions: { partition: number; error?: BrokerError }[] }[];
}

export interface OffsetFetchRequest {
  groupId: string;
  /** null: every partition the group has committed. */
  topics: readonly { topic: string; partitions: readonly number[] }[] | null;
  /**
   * KIP-447's require_stable: a partition with a commit still waiting for acks=all is answered
   * UNSTABLE_OFFSET_COMMIT (the client retries) rather than with the offset before that commit.
   */
  requireStable?: boolean;
}

export interface FetchedOffset {
  partition: number;
  /** -1 when nothing is committed. */
  offset: number;
  leaderEpoch: number;
  metadata: string;
  /** Set (with offset -1) when the request required stable offsets and a commit is pending. */
  unstable?: true;
}

export interface OffsetFetchResult {
  topics: { topic: string; partitions: FetchedOffset[] }[];
}

export interface GroupMemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** The member's metadata for the chosen protocol; empty unless the group is Stable. */
  metadata: Buffer;
  /** Empty unless the group is Stable. */
  assignment: Buffer;
}

export interface GroupDescription {
  groupId: string;
  state: GroupState;
  protocolType: string;
  /** The chosen protocol (assignor), '' unless the group is Stable. */
  protocol: string;
  /** Not in Kafka's DescribeGroups; kept for status views and tests. */
  generationId: number;
  leaderId: string | null;
  members: GroupMemberDescription[];
}

export interface GroupListing {
  groupId: string;
  protocolType: string;
  state: GroupState;
}
