/**
 * The consumer-group API (group.proto, `brokerlab.group.GroupCoordinator`): FindCoordinator from
 * the metadata image, every other call routed to this broker's group coordinator, which answers
 * NOT_COORDINATOR for groups whose `__consumer_offsets` partition it does not lead. Errors travel
 * as Kafka error codes in each response; a failure that is not a BrokerError (a bug) is logged and
 * answered UNKNOWN_SERVER_ERROR.
 */
import type * as grpc from '@grpc/grpc-js';
import { errors, isBrokerError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { memberHost, type GroupCoordinator, type GroupDescription, type OffsetCommitPartition } from '../broker/group/index.js';
import { OPEN_GATE, type ClientGate } from '../common/client-gate.js';
import { clientsUnavailable } from './client-gate-calls.js';
import { NO_SEND_FAULTS, type SendFaults } from './faults.js';
import { serviceConstructor, toSafeInteger } from './grpc.js';
import { NO_ERROR, toWireError, type WireError } from './wire-errors.js';

export interface GroupServiceBackend {
  /** The leader of the group's `__consumer_offsets` partition; rejects with COORDINATOR_NOT_AVAILABLE until there is one. */
  findCoordinator(groupId: string): Promise<{ nodeId: number; host: string; port: number }>;
  /** Undefined on a node without the broker role, or while it starts. */
  coordinator(): GroupCoordinator | undefined;
  logger: Logger;
  /** The node's network faults: every answer goes out after its delay. None by default. */
  faults?: SendFaults;
  /** The node's client faults: UNAVAILABLE while clients are isolated, answers after the client delay. None by default. */
  clients?: ClientGate;
}

interface WireProtocol {
  name: string;
  metadata: Buffer;
}

interface WireJoinGroupRequest {
  group_id: string;
  member_id: string;
  client_id: string;
  session_timeout_ms: number;
  rebalance_timeout_ms: number;
  protocol_type: string;
  protocols: WireProtocol[];
}

interface WireSyncGroupRequest {
  group_id: string;
  generation_id: number;
  member_id: string;
  assignments: { member_id: string; assignment: Buffer }[];
}

interface WireHeartbeatRequest {
  group_id: string;
  generation_id: number;
  member_id: string;
}

interface WirePartitionOffset {
  topic: string;
  partition: number;
  offset: number | string;
  metadata: string;
}

interface WireOffsetCommitRequest {
  group_id: string;
  generation_id: number;
  member_id: string;
  offsets: WirePartitionOffset[];
}

interface WireOffsetFetchRequest {
  group_id: string;
  topics: { topic: string; partitions: number[] }[];
}

type Unary<Req> = (call: grpc.ServerUnaryCall<Req, unknown>, callback: grpc.sendUnaryData<unknown>) => void;

export function addGroupService(server: grpc.Server, backend: GroupServiceBackend): void {
  const coordinator = (): GroupCoordinator => backend.coordinator() ?? notABroker();
  const faults = backend.faults ?? NO_SEND_FAULTS;
  const clients = backend.clients ?? OPEN_GATE;
  /** Answers with `ok(result)`, or with `failed(error)` when the work throws or rejects. */
  const unary =
    <Req, T>(work: (request: Req, call: grpc.ServerUnaryCall<Req, unknown>) => T | Promise<T>, ok: (result: T, request: Req) => object, failed: (error: WireError, request: Req, cause: unknown) => object): Unary<Req> =>
    (call, callback) => {
      if (clients.isolated()) return callback(clientsUnavailable());
      const answer = (response: object): void => faults.delay(() => clients.delay(() => callback(null, response)));
      new Promise<T>((resolve) => resolve(work(call.request, call))).then(
        (result) => answer(ok(result, call.request)),
        (e: unknown) => {
          if (!isBrokerError(e)) backend.logger.error({ err: e }, 'group request failed unexpectedly');
          answer(failed(toWireError(e), call.request, e));
        },
      );
    };

  server.addService(serviceConstructor('group.proto', 'brokerlab.group.GroupCoordinator').service, {
    FindCoordinator: unary<{ group_id: string }, { nodeId: number; host: string; port: number }>(
      (r) => backend.findCoordinator(r.group_id),
      (node) => ({ ...NO_ERROR, node_id: node.nodeId, host: node.host, port: node.port }),
      (error) => ({ ...error, node_id: -1, host: '', port: -1 }),
    ),
    JoinGroup: unary(
      (r: WireJoinGroupRequest, call) =>
        coordinator().joinGroup({
          groupId: r.group_id,
          memberId: r.member_id,
          clientId: r.client_id,
          clientHost: memberHost(call.getPeer()),
          sessionTimeoutMs: r.session_timeout_ms,
          // JoinGroup v0 had no rebalance timeout; Kafka uses the session timeout then.
          rebalanceTimeoutMs: r.rebalance_timeout_ms > 0 ? r.rebalance_timeout_ms : r.session_timeout_ms,
          protocolType: r.protocol_type,
          protocols: r.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
          requireKnownMemberId: true,
        }),
      (result) => ({
        ...NO_ERROR,
        generation_id: result.generationId,
        protocol_name: result.protocolName ?? '',
        leader_id: result.leaderId,
        member_id: result.memberId,
        members: result.members.map((m) => ({ member_id: m.memberId, metadata: m.metadata })),
      }),
      // MEMBER_ID_REQUIRED hands out the id the member must rejoin with.
      (error, r, cause) => ({ ...error, generation_id: -1, protocol_name: '', leader_id: '', member_id: assignedMemberId(cause) ?? r.member_id, members: [] }),
    ),
    SyncGroup: unary(
      (r: WireSyncGroupRequest) =>
        coordinator().syncGroup({
          groupId: r.group_id,
          generationId: r.generation_id,
          memberId: r.member_id,
          assignments: r.assignments.map((a) => ({ memberId: a.member_id, assignment: a.assignment })),
        }),
      (result) => ({ ...NO_ERROR, assignment: result.assignment }),
      (error) => ({ ...error, assignment: Buffer.alloc(0) }),
    ),
    Heartbeat: unary(
      (r: WireHeartbeatRequest) => coordinator().heartbeat({ groupId: r.group_id, generationId: r.generation_id, memberId: r.member_id }),
      () => NO_ERROR,
      (error) => error,
    ),
    LeaveGroup: unary(
      (r: { group_id: string; member_ids: string[] }) => coordinator().leaveGroup({ groupId: r.group_id, memberIds: r.member_ids }),
      // The response has one error field: the first member's refusal, naming the member.
      (result) => {
        const refused = result.members.find((m) => m.error);
        return refused?.error ? toWireError(refused.error) : NO_ERROR;
      },
      (error) => error,
    ),
    OffsetCommit: unary(
      (r: WireOffsetCommitRequest) =>
        coordinator().commitOffsets({ groupId: r.group_id, generationId: r.generation_id, memberId: r.member_id, topics: commitTopics(r.offsets) }),
      (result, r) => {
        const refused = new Map<string, WireError>();
        for (const t of result.topics) for (const p of t.partitions) if (p.error) refused.set(partitionKey(t.topic, p.partition), toWireError(p.error));
        return { ...NO_ERROR, offsets: r.offsets.map((o) => ({ ...o, ...(refused.get(partitionKey(o.topic, o.partition)) ?? NO_ERROR) })) };
      },
      // A refusal of the whole commit (generation, membership, coordinator) applies to every partition.
      (error, r) => ({ ...error, offsets: r.offsets.map((o) => ({ ...o, ...error })) }),
    ),
    OffsetFetch: unary(
      (r: WireOffsetFetchRequest) =>
        coordinator().fetchOffsets({ groupId: r.group_id, topics: r.topics.length === 0 ? null : r.topics.map((t) => ({ topic: t.topic, partitions: t.partitions })) }),
      (result) => ({
        ...NO_ERROR,
        offsets: result.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: p.offset, metadata: p.metadata, ...NO_ERROR }))),
      }),
      (error) => ({ ...error, offsets: [] }),
    ),
    ListGroups: unary(
      () => coordinator().listGroups(),
      ({ groups, error }) => ({
        ...(error ? toWireError(error) : NO_ERROR),
        groups: groups.map((g) => ({ group_id: g.groupId, protocol_type: g.protocolType, state: g.state })),
      }),
      (error) => ({ ...error, groups: [] }),
    ),
    DescribeGroups: unary(
      (r: { group_ids: string[] }) => r.group_ids.map((groupId) => describe(backend, groupId)),
      (groups) => ({ groups }),
      (error, r) => ({ groups: r.group_ids.map((groupId) => ({ ...error, group_id: groupId })) }),
    ),
  });
}

function describe(backend: GroupServiceBackend, groupId: string): object {
  let description: GroupDescription;
  try {
    description = (backend.coordinator() ?? notABroker()).describeGroup(groupId);
  } catch (e) {
    if (!isBrokerError(e)) throw e;
    return { ...toWireError(e), group_id: groupId };
  }
  return {
    ...NO_ERROR,
    group_id: description.groupId,
    state: description.state,
    protocol_type: description.protocolType,
    protocol: description.protocol,
    generation_id: description.generationId,
    members: description.members.map((m) => ({
      member_id: m.memberId,
      client_id: m.clientId,
      client_host: m.clientHost,
      metadata: m.metadata,
      assignment: m.assignment,
    })),
  };
}

function notABroker(): never {
  throw errors.notCoordinator('this node coordinates no groups (not a broker, or still starting)');
}

function assignedMemberId(cause: unknown): string | undefined {
  if (!isBrokerError(cause, 'MEMBER_ID_REQUIRED')) return undefined;
  const memberId = cause.details['memberId'];
  return typeof memberId === 'string' ? memberId : undefined;
}

/** The flat offsets list grouped by topic, in the order topics first appear. */
function commitTopics(offsets: readonly WirePartitionOffset[]): { topic: string; partitions: OffsetCommitPartition[] }[] {
  const byTopic = new Map<string, OffsetCommitPartition[]>();
  for (const o of offsets) {
    let partitions = byTopic.get(o.topic);
    if (!partitions) byTopic.set(o.topic, (partitions = []));
    partitions.push({ partition: o.partition, offset: toSafeInteger(o.offset), metadata: o.metadata });
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
