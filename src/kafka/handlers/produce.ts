/**
 * Produce: every partition's batch goes to the replica manager through the client front, the
 * path the gRPC producer takes, so acks, min.insync.replicas, idempotent retries answered with
 * their original offsets and leader fencing behave identically. acks=0 gets no answer at all.
 */
import { errors, type BrokerError } from '../../common/errors.js';
import type { ProducePartitionRequest } from '../../broker/produce-messages.js';
import type { ProduceRequest } from '../protocol/messages/produce-request.js';
import type { ProduceResponse } from '../protocol/messages/produce-response.js';
import { errorCodeOf, type RequestContext } from '../context.js';

/** Produce v0-2 carry magic 0/1 message sets; they are advertised (librdkafka needs v0 in the range to compress) but refused. */
const FIRST_RECORD_BATCH_VERSION = 3;

type PartitionResponse = ProduceResponse['responses'][number]['partitionResponses'][number];

export function handleProduce(request: ProduceRequest, ctx: RequestContext): Promise<ProduceResponse> | null {
  const refusal = produceRefusal(request, ctx.apiVersion);
  const partitions: ProducePartitionRequest[] = [];
  for (const topic of request.topicData) {
    for (const p of topic.partitionData) partitions.push({ topic: topic.name, partition: p.index, records: p.records ?? Buffer.alloc(0) });
  }
  if (refusal) {
    if (request.acks === 0) return null;
    return Promise.resolve(response(request, () => failed(refusal)));
  }
  if (request.acks === 0) {
    ctx.broker.front.produce({ acks: 0, timeoutMs: request.timeoutMs, partitions }, () => {});
    return null;
  }
  return new Promise((resolve) => {
    ctx.broker.front.produce({ acks: request.acks, timeoutMs: request.timeoutMs, partitions }, (result) => {
      let i = 0;
      resolve(
        response(request, () => {
          const r = result.partitions[i++]!;
          return {
            ...failed(r.error),
            baseOffset: r.error ? -1 : r.baseOffset,
            logStartOffset: r.logStartOffset,
          };
        }),
      );
    });
  });
}

function produceRefusal(request: ProduceRequest, apiVersion: number): BrokerError | undefined {
  if (apiVersion < FIRST_RECORD_BATCH_VERSION) return errors.unsupportedVersion(`Produce v${apiVersion} (message format v0/v1) is not supported; use v3 or later`);
  if (request.transactionalId !== null) return errors.invalidRequest('transactions are not supported by this broker');
  return undefined;
}

function failed(error: BrokerError | undefined): PartitionResponse {
  return {
    index: 0,
    errorCode: errorCodeOf(error),
    baseOffset: -1,
    logAppendTimeMs: -1,
    logStartOffset: -1,
    recordErrors: [],
    errorMessage: error ? error.message : null,
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
  };
}

/** The answer in request order; `next` gives each partition's fields in that order. */
function response(request: ProduceRequest, next: () => PartitionResponse): ProduceResponse {
  return {
    responses: request.topicData.map((t) => ({
      name: t.name,
      partitionResponses: t.partitionData.map((p) => ({ ...next(), index: p.index })),
    })),
    throttleTimeMs: 0,
    nodeEndpoints: [],
  };
}
