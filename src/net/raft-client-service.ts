/**
 * The `brokerlab.raft.RaftClient` service: pipelined proposals over one bidi stream (each request
 * answered when its entry is committed and applied, or with a Kafka error code and the leader's
 * id) and a status call. Served only by the standalone Raft process of the raft benchmark.
 */
import type * as grpc from '@grpc/grpc-js';
import { BrokerError, isBrokerError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { ProposalResult } from '../raft/driver.js';
import type { NodeId, Role } from '../raft/types.js';
import { serveDuplex, serviceConstructor, toSafeInteger } from './grpc.js';

export interface WireProposeRequest {
  id: string | number;
  data: Buffer;
}

export interface WireProposeResponse {
  id: string | number;
  index: number;
  term: number;
  error_code: number;
  error_message: string;
  leader_id: number;
}

export interface WireProposeBatch {
  proposals: WireProposeRequest[];
}

export interface WireProposeAnswers {
  answers: WireProposeResponse[];
}

export interface RaftNodeStatus {
  id: NodeId;
  role: Role;
  leaderId: NodeId;
  term: number;
  commitIndex: number;
  lastIndex: number;
  appliedIndex: number;
  appliedCount: number;
}

/** What the service needs from the node behind it. */
export interface RaftClientBackend {
  propose(data: Uint8Array): Promise<ProposalResult>;
  status(): RaftNodeStatus;
}

export function addRaftClientService(server: grpc.Server, backend: RaftClientBackend, logger: Logger): void {
  const service = serviceConstructor('raft.proto', 'brokerlab.raft.RaftClient').service;
  server.addService(service, {
    Propose: (call: grpc.ServerDuplexStream<WireProposeBatch, WireProposeAnswers>) => serveProposals(call, backend, logger),
    Status: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const s = backend.status();
      callback(null, {
        id: s.id,
        role: s.role,
        leader_id: s.leaderId,
        term: s.term,
        commit_index: s.commitIndex,
        last_index: s.lastIndex,
        applied_index: s.appliedIndex,
        applied_count: s.appliedCount,
      });
    },
  });
}

function serveProposals(call: grpc.ServerDuplexStream<WireProposeBatch, WireProposeAnswers>, backend: RaftClientBackend, logger: Logger): void {
  // One per stream (serveDuplex passes the same `reply` every time), so answers to several
  // incoming batches that settle together still leave together.
  let answer: ((answer: WireProposeResponse) => void) | undefined;
  serveDuplex(call, (batch, reply) => {
    answer ??= coalesced(reply);
    for (const request of batch.proposals) {
      backend.propose(request.data).then(
        ({ index, term }) => answer!({ id: request.id, index, term, error_code: 0, error_message: '', leader_id: 0 }),
        (error: unknown) => answer!(errorResponse(request.id, error, logger)),
      );
    }
  });
}

/**
 * Gathers the answers settled in one burst (a whole applied batch settles its proposals together)
 * into one stream message, written once the burst's microtasks have run.
 */
function coalesced(reply: (answers: WireProposeAnswers) => void): (answer: WireProposeResponse) => void {
  let pending: WireProposeResponse[] | undefined;
  return (answer) => {
    if (pending) return void pending.push(answer);
    pending = [answer];
    queueMicrotask(() => {
      const answers = pending!;
      pending = undefined;
      reply({ answers });
    });
  };
}

function errorResponse(id: string | number, error: unknown, logger: Logger): WireProposeResponse {
  if (!isBrokerError(error)) logger.error({ err: error }, 'proposal failed unexpectedly');
  const known = isBrokerError(error) ? error : new BrokerError('UNKNOWN_SERVER_ERROR', String(error));
  const leader = known.details['leaderId'];
  return {
    id,
    index: 0,
    term: 0,
    error_code: known.code,
    error_message: known.message,
    leader_id: typeof leader === 'number' ? leader : 0,
  };
}

export function statusFromWire(wire: Record<string, unknown>): RaftNodeStatus {
  const n = (key: string): number => toSafeInteger(wire[key] as string | number);
  return {
    id: n('id'),
    role: wire['role'] as Role,
    leaderId: n('leader_id'),
    term: n('term'),
    commitIndex: n('commit_index'),
    lastIndex: n('last_index'),
    appliedIndex: n('applied_index'),
    appliedCount: n('applied_count'),
  };
}
