/**
 * OffsetCommit and OffsetFetch on the group coordinator. Committed offsets are records in
 * `__consumer_offsets`, written with acks=all, so they survive broker failures.
 */
import type { OffsetCommitRequest } from '../protocol/messages/offset-commit-request.js';
import type { OffsetCommitResponse } from '../protocol/messages/offset-commit-response.js';
import type { OffsetFetchRequest } from '../protocol/messages/offset-fetch-request.js';
import type { OffsetFetchResponse } from '../protocol/messages/offset-fetch-response.js';
import type { OffsetFetchResult } from '../../broker/group/types.js';
import { KAFKA_ERRORS } from '../../common/errors.js';
import { errorCodeOf, type RequestContext, brokerErrorOf } from '../context.js';


export async function handleOffsetCommit(request: OffsetCommitRequest, ctx: RequestContext): Promise<OffsetCommitResponse> {
  const answer = (errorOf: (topic: string, partition: number) => number): OffsetCommitResponse => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: errorOf(t.name, p.partitionIndex) })) })),
  });
  try {
    const result = await ctx.broker.front.groups().commitOffsets({
      groupId: request.groupId,
      generationId: request.generationIdOrMemberEpoch,
      memberId: request.memberId,
      topics: request.topics.map((t) => ({
        topic: t.name,
        partitions: t.partitions.map((p) => ({ partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata })),
      })),
    });
    const codes = new Map<string, number>();
    for (const t of result.topics) for (const p of t.partitions) codes.set(`${t.topic}\u0000${p.partition}`, errorCodeOf(p.error));
    return answer((topic, partition) => codes.get(`${topic}\u0000${partition}`) ?? 0);
  } catch (e) {
    // A refusal of the whole commit (generation, membership, coordinator) applies to every partition.
    const code = brokerErrorOf(e).code;
    return answer(() => code);
  }
}

type ResponseTopic = OffsetFetchResponse['topics'][number];

export function handleOffsetFetch(request: OffsetFetchRequest, ctx: RequestContext): OffsetFetchResponse {
  const v = ctx.apiVersion;
  if (v >= 8) {
    return {
      throttleTimeMs: 0,
      topics: [],
      errorCode: 0,
      groups: request.groups.map((g) => {
        const { topics, errorCode } = fetchGroup(g.groupId, g.topics && g.topics.map((t) => ({ name: t.name, partitionIndexes: t.partitionIndexes })), request.requireStable, ctx);
        return { groupId: g.groupId, topics, errorCode };
      }),
    };
  }
  // v0-1 have no top-level error, and no "every topic" request.
  const requested = request.topics && request.topics.map((t) => ({ name: t.name, partitionIndexes: t.partitionIndexes }));
  const { topics, errorCode } = fetchGroup(request.groupId, v < 2 ? (requested ?? []) : requested, request.requireStable, ctx);
  if (v < 2 && errorCode !== 0) {
    const perPartition = (requested ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode })) }));
    return { throttleTimeMs: 0, topics: perPartition, errorCode: 0, groups: [] };
  }
  return { throttleTimeMs: 0, topics, errorCode, groups: [] };
}

function fetchGroup(
  groupId: string,
  topics: { name: string; partitionIndexes: number[] }[] | null,
  requireStable: boolean,
  ctx: RequestContext,
): { topics: ResponseTopic[]; errorCode: number } {
  let result: OffsetFetchResult;
  try {
    result = ctx.broker.front.groups().fetchOffsets({ groupId, topics: topics && topics.map((t) => ({ topic: t.name, partitions: t.partitionIndexes })), requireStable });
  } catch (e) {
    return { topics: [], errorCode: brokerErrorOf(e).code };
  }
  return {
    errorCode: 0,
    topics: result.topics.map((t) => ({
      name: t.topic,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partition,
        committedOffset: p.offset,
        committedLeaderEpoch: p.leaderEpoch,
        metadata: p.metadata,
        errorCode: p.unstable ? KAFKA_ERRORS.UNSTABLE_OFFSET_COMMIT.code : 0,
      })),
    })),
  };
}
