/**
 * The GroupCoordinator gRPC service (proto/group.proto) as the client sees it: the proto loaded
 * once by the shared loader (`src/net/proto-loader.ts`, the same options as every other service),
 * and TypeScript shapes of its messages. Brokers serve it next to BrokerClient on the same address.
 */
import type * as grpc from '@grpc/grpc-js';
import { serviceConstructor } from '../net/proto-loader.js';

/** The generated client constructor of `brokerlab.group.GroupCoordinator` (its `.service` is the definition servers implement). */
export function groupCoordinatorConstructor(): grpc.ServiceClientConstructor {
  return serviceConstructor('group.proto', 'brokerlab.group.GroupCoordinator');
}

export interface FindCoordinatorRequest {
  group_id: string;
}

export interface FindCoordinatorResponse {
  error_code: number;
  error_message: string;
  node_id: number;
  host: string;
  port: number;
}

export interface GroupProtocol {
  name: string;
  metadata: Buffer;
}

export interface JoinGroupRequest {
  group_id: string;
  member_id: string;
  client_id: string;
  session_timeout_ms: number;
  rebalance_timeout_ms: number;
  protocol_type: string;
  protocols: GroupProtocol[];
}

export interface JoinGroupMember {
  member_id: string;
  metadata: Buffer;
}

export interface JoinGroupResponse {
  error_code: number;
  error_message: string;
  generation_id: number;
  protocol_name: string;
  leader_id: string;
  member_id: string;
  members: JoinGroupMember[];
}

export interface MemberAssignment {
  member_id: string;
  assignment: Buffer;
}

export interface SyncGroupRequest {
  group_id: string;
  generation_id: number;
  member_id: string;
  assignments: MemberAssignment[];
}

export interface SyncGroupResponse {
  error_code: number;
  error_message: string;
  assignment: Buffer;
}

export interface HeartbeatRequest {
  group_id: string;
  generation_id: number;
  member_id: string;
}

export interface ErrorResponse {
  error_code: number;
  error_message: string;
}

export interface LeaveGroupRequest {
  group_id: string;
  member_ids: string[];
}

export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: number;
  metadata: string;
  error_code: number;
  error_message: string;
}

export interface OffsetCommitRequest {
  group_id: string;
  generation_id: number;
  member_id: string;
  offsets: Array<Pick<PartitionOffset, 'topic' | 'partition' | 'offset' | 'metadata'>>;
}

export interface OffsetCommitResponse extends ErrorResponse {
  offsets: PartitionOffset[];
}

export interface TopicPartitionsRequest {
  topic: string;
  partitions: number[];
}

export interface OffsetFetchRequest {
  group_id: string;
  topics: TopicPartitionsRequest[];
}

export interface OffsetFetchResponse extends ErrorResponse {
  offsets: PartitionOffset[];
}

export interface GroupListing {
  group_id: string;
  protocol_type: string;
  state: string;
}

export interface ListGroupsResponse extends ErrorResponse {
  groups: GroupListing[];
}

export interface DescribeGroupsRequest {
  group_ids: string[];
}

export interface DescribedMember {
  member_id: string;
  client_id: string;
  client_host: string;
  metadata: Buffer;
  assignment: Buffer;
}

export interface DescribedGroup {
  error_code: number;
  error_message: string;
  group_id: string;
  state: string;
  protocol_type: string;
  protocol: string;
  generation_id: number;
  members: DescribedMember[];
}

export interface DescribeGroupsResponse {
  groups: DescribedGroup[];
}

/** The unary calls of the group service and their request/response shapes. */
export interface GroupMethods {
  FindCoordinator: [FindCoordinatorRequest, FindCoordinatorResponse];
  JoinGroup: [JoinGroupRequest, JoinGroupResponse];
  SyncGroup: [SyncGroupRequest, SyncGroupResponse];
  Heartbeat: [HeartbeatRequest, ErrorResponse];
  LeaveGroup: [LeaveGroupRequest, ErrorResponse];
  OffsetCommit: [OffsetCommitRequest, OffsetCommitResponse];
  OffsetFetch: [OffsetFetchRequest, OffsetFetchResponse];
  ListGroups: [Record<string, never>, ListGroupsResponse];
  DescribeGroups: [DescribeGroupsRequest, DescribeGroupsResponse];
}
export type GroupMethodName = keyof GroupMethods;
