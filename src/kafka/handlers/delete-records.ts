/**
 * DeleteRecords (API key 21): clients send each partition to its leader, which moves the log start
 * up and answers with the partition's low watermark once every live replica's log start reached
 * the offset (see ClientFront.deleteRecords). Answers keep the request's topic and partition order.
 */
import type { DeleteRecordsPartition } from '../../broker/delete-records.js';
import type { DeleteRecordsRequest } from '../protocol/messages/delete-records-request.js';
import type { DeleteRecordsResponse } from '../protocol/messages/delete-records-response.js';
import { errorCodeOf, type RequestContext } from '../context.js';

export async function handleDeleteRecords(request: DeleteRecordsRequest, ctx: RequestContext): Promise<DeleteRecordsResponse> {
  const partitions: DeleteRecordsPartition[] = request.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: p.offset })));
  const results = await ctx.broker.front.deleteRecords(partitions, request.timeoutMs);
  let next = 0;
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map(() => {
        const r = results[next++]!;
        return { partitionIndex: r.partition, lowWatermark: r.lowWatermark, errorCode: errorCodeOf(r.error) };
      }),
    })),
  };
}
