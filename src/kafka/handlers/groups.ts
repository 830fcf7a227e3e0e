/**
 * The classic consumer-group protocol on the broker's group coordinator, the same one the gRPC
 * group service uses, so a Kafka client and a brokerlab client can be members of one group.
 * A group's coordinator is the leader of its `__consumer_offsets` partition; other brokers answer
 * NOT_COORDINATOR and clients look it up again.
 */
import { errors, isBrokerError } from '../../common/errors.js';
import type { FindCoordinatorRequest } from '../protocol/messages/find-coordinator-request.js';
import type { FindCoordinatorResponse } from '../protocol/messages/find-coordinator-response.js';
import type { JoinGroupRequest } from '../protocol/messages/join-group-request.js';
import type { JoinGroupResponse } from '../protocol/messages/join-group-response.js';
import type { SyncGroupRequest } from '../protocol/messages/sync-group-request.js';
import type { SyncGroupResponse } from '../protocol/messages/sync-group-response.js';
import type { HeartbeatRequest } from '../protocol/messages/heartbeat-request.js';
import type { HeartbeatResponse } from '../protocol/messages/heartbeat-response.js';
import type { LeaveGroupRequest } from '../protocol/messages/leave-group-request.js';
import type { LeaveGroupResponse } from '../protocol/messages/leave-group-response.js';
import type { DescribeGroupsRequest } from '../protocol/messages/describe-groups-request.js';
import type { DescribeGroupsResponse } from '../protocol/messages/describe-groups-response.js';
import type { ListGroupsRequest } from '../protocol/messages/list-groups-request.js';
import type { ListGroupsResponse } from '../protocol/messages/list-groups-response.js';
import type { DeleteGroupsRequest } from '../protocol/messages/delete-groups-request.js';
import type { DeleteGroupsResponse } from '../protocol/messages/delete-groups-response.js';
import type { GroupState } from '../../broker/group/types.js';
import { memberHost } from '../../broker/group/index.js';
import { errorCodeOf, NO_AUTHORIZED_OPERATIONS, type RequestContext, brokerErrorOf } from '../context.js';

const GROUP_KEY_TYPE = 0;
/** JoinGroup v4+: a first join is refused MEMBER_ID_REQUIRED with the id to rejoin with (KIP-394). */
const MEMBER_ID_REQUIRED_FROM = 4;


interface Coordinator {
  key: string;
  nodeId: number;
  host: string;
  port: number;
  errorCode: number;
  errorMessage: string | null;
}

async function findOne(key: string, keyType: number, ctx: RequestContext): Promise<Coordinator> {
  const none = { key, nodeId: -1, host: '', port: -1 };
  try {
    if (keyType !== GROUP_KEY_TYPE) throw errors.invalidRequest(`coordinator key type ${keyType}: only groups (0) are supported; transactions are not`);
    const nodeId = await ctx.broker.front.findCoordinator(key);
    const endpoint = ctx.broker.kafkaEndpoint(nodeId);
    if (!endpoint) throw errors.coordinatorNotAvailable(`coordinator ${nodeId} has no Kafka listener`);
    return { key, nodeId, host: endpoint.host, port: endpoint.port, errorCode: 0, errorMessage: null };
  } catch (e) {
    const error = brokerErrorOf(e);
    return { ...none, errorCode: error.code, errorMessage: error.message };
  }
}

export async function handleFindCoordinator(request: FindCoordinatorRequest, ctx: RequestContext): Promise<FindCoordinatorResponse> {
  const batched = ctx.apiVersion >= 4;
  const keys = batched ? request.coordinatorKeys : [request.key];
  const found = await Promise.all(keys.map((k) => findOne(k, request.keyType, ctx)));
  if (batched) return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: -1, host: '', port: -1, coordinators: found };
  const only = found[0]!;
  return { throttleTimeMs: 0, errorCode: only.errorCode, errorMessage: only.errorMessage, nodeId: only.nodeId, host: only.host, port: only.port, coordinators: [] };
}

export async function handleJoinGroup(request: JoinGroupRequest, ctx: RequestContext): Promise<JoinGroupResponse> {
  const v = ctx.apiVersion;
  try {
    const result = await ctx.broker.front.groups().joinGroup({
      groupId: request.groupId,
      memberId: request.memberId,
      clientId: ctx.clientId ?? '',
      clientHost: memberHost(ctx.peer),
      sessionTimeoutMs: request.sessionTimeoutMs,
      // JoinGroup v0 has no rebalance timeout; Kafka uses the session timeout then.
      rebalanceTimeoutMs: request.rebalanceTimeoutMs > 0 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs,
      protocolType: request.protocolType,
      protocols: request.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
      requireKnownMemberId: v >= MEMBER_ID_REQUIRED_FROM,
    });
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      generationId: result.generationId,
      protocolType: result.protocolType,
      protocolName: result.protocolName ?? (v >= 7 ? null : ''),
      leader: result.leaderId,
      skipAssignment: false,
      memberId: result.memberId,
      members: result.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata })),
    };
  } catch (e) {
    const error = brokerErrorOf(e);
    const assigned = isBrokerError(error, 'MEMBER_ID_REQUIRED') ? error.details['memberId'] : undefined;
    return {
      throttleTimeMs: 0,
      errorCode: error.code,
      generationId: -1,
      protocolType: null,
      protocolName: v >= 7 ? null : '',
      leader: '',
      skipAssignment: false,
      memberId: typeof assigned === 'string' ? assigned : request.memberId,
      members: [],
    };
  }
}

export async function handleSyncGroup(request: SyncGroupRequest, ctx: RequestContext): Promise<SyncGroupResponse> {
  try {
    const result = await ctx.broker.front.groups().syncGroup({
      groupId: request.groupId,
      generationId: request.generationId,
      memberId: request.memberId,
      ...(ctx.apiVersion >= 5 ? { protocolType: request.protocolType, protocolName: request.protocolName } : {}),
      assignments: request.assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
    });
    return { throttleTimeMs: 0, errorCode: 0, protocolType: result.protocolType, protocolName: result.protocolName, assignment: result.assignment };
  } catch (e) {
    return { throttleTimeMs: 0, errorCode: brokerErrorOf(e).code, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
  }
}

export function handleHeartbeat(request: HeartbeatRequest, ctx: RequestContext): HeartbeatResponse {
  try {
    ctx.broker.front.groups().heartbeat({ groupId: request.groupId, generationId: request.generationId, memberId: request.memberId });
    return { throttleTimeMs: 0, errorCode: 0 };
  } catch (e) {
    return { throttleTimeMs: 0, errorCode: brokerErrorOf(e).code };
  }
}

export function handleLeaveGroup(request: LeaveGroupRequest, ctx: RequestContext): LeaveGroupResponse {
  const batched = ctx.apiVersion >= 3;
  const memberIds = batched ? request.members.map((m) => m.memberId) : [request.memberId];
  try {
    const result = ctx.broker.front.groups().leaveGroup({ groupId: request.groupId, memberIds });
    const members = result.members.map((m) => ({ memberId: m.memberId, groupInstanceId: null, errorCode: errorCodeOf(m.error) }));
    // Before v3 the single member's refusal is the answer's error.
    return { throttleTimeMs: 0, errorCode: batched ? 0 : (members[0]?.errorCode ?? 0), members };
  } catch (e) {
    return { throttleTimeMs: 0, errorCode: brokerErrorOf(e).code, members: [] };
  }
}

export function handleDescribeGroups(request: DescribeGroupsRequest, ctx: RequestContext): DescribeGroupsResponse {
  return {
    throttleTimeMs: 0,
    groups: request.groups.map((groupId) => {
      try {
        const d = ctx.broker.front.groups().describeGroup(groupId);
        return {
          errorCode: 0,
          groupId: d.groupId,
          groupState: d.state,
          protocolType: d.protocolType,
          protocolData: d.protocol,
          members: d.members.map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            memberMetadata: m.metadata,
            memberAssignment: m.assignment,
          })),
          authorizedOperations: NO_AUTHORIZED_OPERATIONS,
        };
      } catch (e) {
        return { errorCode: brokerErrorOf(e).code, groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: NO_AUTHORIZED_OPERATIONS };
      }
    }),
  };
}

export function handleListGroups(request: ListGroupsRequest, ctx: RequestContext): ListGroupsResponse {
  try {
    const states = request.statesFilter.length > 0 ? (request.statesFilter as GroupState[]) : undefined;
    const { groups, error } = ctx.broker.front.groups().listGroups(states);
    return {
      throttleTimeMs: 0,
      errorCode: errorCodeOf(error),
      groups: groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: 'classic' })),
    };
  } catch (e) {
    return { throttleTimeMs: 0, errorCode: brokerErrorOf(e).code, groups: [] };
  }
}

export async function handleDeleteGroups(request: DeleteGroupsRequest, ctx: RequestContext): Promise<DeleteGroupsResponse> {
  try {
    const results = await ctx.broker.front.groups().deleteGroups(request.groupsNames);
    return { throttleTimeMs: 0, results: results.map((r) => ({ groupId: r.groupId, errorCode: errorCodeOf(r.error) })) };
  } catch (e) {
    const code = brokerErrorOf(e).code;
    return { throttleTimeMs: 0, results: request.groupsNames.map((groupId) => ({ groupId, errorCode: code })) };
  }
}
