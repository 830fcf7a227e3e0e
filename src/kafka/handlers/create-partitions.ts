/**
 * CreatePartitions (API key 37): grows existing topics. Any broker answers: the request goes to
 * the active controller and is answered once this broker's metadata shows the new partitions, so
 * a client that asks this broker for metadata next sees them. A null assignment lets the
 * controller place the new partitions; a present one (even empty) must place every new partition,
 * as in Kafka.
 */
import type { NewPartitionsRequest, NewPartitionsResult } from '../../controller/types.js';
import type { CreatePartitionsRequest } from '../protocol/messages/create-partitions-request.js';
import type { CreatePartitionsResponse } from '../protocol/messages/create-partitions-response.js';
import { brokerErrorOf, errorCodeOf, type RequestContext } from '../context.js';

export async function handleCreatePartitions(request: CreatePartitionsRequest, ctx: RequestContext): Promise<CreatePartitionsResponse> {
  const requests = request.topics.map(
    (t): NewPartitionsRequest => ({
      name: t.name,
      count: t.count,
      ...(t.assignments !== null ? { assignments: t.assignments.map((a) => a.brokerIds) } : {}),
    }),
  );
  let results: NewPartitionsResult[];
  try {
    results = await ctx.broker.front.createPartitions(requests, request.timeoutMs, request.validateOnly);
  } catch (e) {
    const error = brokerErrorOf(e);
    results = requests.map((r) => ({ name: r.name, error }));
  }
  return {
    throttleTimeMs: 0,
    results: results.map((r) => ({ name: r.name, errorCode: errorCodeOf(r.error), errorMessage: r.error ? r.error.message : null })),
  };
}
