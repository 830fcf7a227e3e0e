/**
 * Fetch, ListOffsets and OffsetForLeaderEpoch for consumers, through the client front: reads stop
 * at the high watermark, which is also the last stable offset (there are no transactions), so
 * read_committed and read_uncommitted see the same records. Fetch sessions (KIP-227) are not
 * kept: every fetch is a full fetch and the answer's session id is 0, which clients accept.
 */
import { errors } from '../../common/errors.js';
import type { ConsumerFetchPartitionRequest } from '../../broker/fetch-messages.js';
import type { FetchRequest } from '../protocol/messages/fetch-request.js';
import type { FetchResponse } from '../protocol/messages/fetch-response.js';
import type { ListOffsetsRequest } from '../protocol/messages/list-offsets-request.js';
import type { ListOffsetsResponse } from '../protocol/messages/list-offsets-response.js';
import type { OffsetForLeaderEpochRequest } from '../protocol/messages/offset-for-leader-epoch-request.js';
import type { OffsetForLeaderEpochResponse } from '../protocol/messages/offset-for-leader-epoch-response.js';
import { errorCodeOf, type RequestContext } from '../context.js';

const READ_COMMITTED = 1;
const NO_SESSION = 0;
/** The session epochs of a sessionless full fetch (-1) and of a request to open a session (0). */
const FULL_FETCH_EPOCHS = new Set([-1, 0]);

export function handleFetch(request: FetchRequest, ctx: RequestContext): Promise<FetchResponse> | FetchResponse {
  if (request.sessionId !== NO_SESSION || !FULL_FETCH_EPOCHS.has(request.sessionEpoch)) {
    const error = errors.fetchSessionIdNotFound(`fetch session ${request.sessionId} is unknown: this broker keeps no fetch sessions`);
    return { throttleTimeMs: 0, errorCode: error.code, sessionId: NO_SESSION, responses: [], nodeEndpoints: [] };
  }
  const partitions: ConsumerFetchPartitionRequest[] = [];
  for (const t of request.topics) {
    for (const p of t.partitions) {
      partitions.push({
        topic: t.topic,
        partition: p.partition,
        fetchOffset: p.fetchOffset,
        maxBytes: Math.max(0, p.partitionMaxBytes),
        currentLeaderEpoch: p.currentLeaderEpoch,
      });
    }
  }
  const abortedTransactions = request.isolationLevel === READ_COMMITTED ? [] : null;
  return new Promise((resolve) => {
    ctx.broker.front.fetch({ maxWaitMs: Math.max(0, request.maxWaitMs), minBytes: Math.max(0, request.minBytes), maxBytes: Math.max(0, request.maxBytes), partitions }, (result) => {
      let i = 0;
      resolve({
        throttleTimeMs: 0,
        errorCode: 0,
        sessionId: NO_SESSION,
        responses: request.topics.map((t) => ({
          topic: t.topic,
          topicId: t.topicId,
          partitions: t.partitions.map(() => {
            const r = result.partitions[i++]!;
            return {
              partitionIndex: r.partition,
              errorCode: errorCodeOf(r.error),
              highWatermark: r.highWatermark,
              lastStableOffset: r.highWatermark,
              logStartOffset: r.logStartOffset,
              divergingEpoch: { epoch: -1, endOffset: -1 },
              currentLeader: { leaderId: -1, leaderEpoch: -1 },
              snapshotId: { endOffset: -1, epoch: -1 },
              abortedTransactions,
              preferredReadReplica: -1,
              records: r.records,
            };
          }),
        })),
        nodeEndpoints: [],
      });
    });
  });
}

export function handleListOffsets(request: ListOffsetsRequest, ctx: RequestContext): ListOffsetsResponse {
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const r = ctx.broker.front.listOffset(t.name, p.partitionIndex, p.timestamp, p.currentLeaderEpoch);
        return {
          partitionIndex: p.partitionIndex,
          errorCode: errorCodeOf(r.error),
          // v0 answers with a list of offsets instead of one.
          oldStyleOffsets: r.error ? [] : [r.offset],
          timestamp: r.timestamp,
          offset: r.offset,
          leaderEpoch: r.leaderEpoch,
        };
      }),
    })),
  };
}

export function handleOffsetForLeaderEpoch(request: OffsetForLeaderEpochRequest, ctx: RequestContext): OffsetForLeaderEpochResponse {
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => {
        const r = ctx.broker.front.endOffsetForEpoch(t.topic, p.partition, p.leaderEpoch, p.currentLeaderEpoch);
        return { errorCode: errorCodeOf(r.error), partition: p.partition, leaderEpoch: r.leaderEpoch, endOffset: r.endOffset };
      }),
    })),
  };
}
