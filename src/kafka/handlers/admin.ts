/**
 * Topic admin (CreateTopics, DeleteTopics), configs (DescribeConfigs) and producer ids
 * (InitProducerId). Any broker answers: topic changes are forwarded to the active controller and
 * answered once this broker's metadata shows them, so a client that asks this broker next sees
 * the change.
 */
import { errors } from '../../common/errors.js';
import type { CreateTopicRequest, CreateTopicResult } from '../../controller/types.js';
import { activeBrokerIds, topicByName } from '../../metadata/index.js';
import { TOPIC_CONFIGS } from '../../metadata/topic-config.js';
import type { CreateTopicsRequest } from '../protocol/messages/create-topics-request.js';
import type { CreateTopicsResponse } from '../protocol/messages/create-topics-response.js';
import type { DeleteTopicsRequest } from '../protocol/messages/delete-topics-request.js';
import type { DeleteTopicsResponse } from '../protocol/messages/delete-topics-response.js';
import type { DescribeConfigsRequest } from '../protocol/messages/describe-configs-request.js';
import type { DescribeConfigsResponse } from '../protocol/messages/describe-configs-response.js';
import type { InitProducerIdRequest } from '../protocol/messages/init-producer-id-request.js';
import type { InitProducerIdResponse } from '../protocol/messages/init-producer-id-response.js';
import { brokerErrorOf, errorCodeOf, type RequestContext } from '../context.js';
import { ZERO_UUID } from './metadata.js';

/** -1 partitions or replication factor in CreateTopics v4+: the broker's default. */
const BROKER_DEFAULT = -1;

export async function handleCreateTopics(request: CreateTopicsRequest, ctx: RequestContext): Promise<CreateTopicsResponse> {
  const { front } = ctx.broker;
  const settings = front.settings();
  const live = activeBrokerIds(front.image()).length;
  const requests = request.topics.map((t): CreateTopicRequest => {
    const assignments = [...t.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex).map((a) => a.brokerIds);
    const configs: Record<string, string> = {};
    for (const c of t.configs) if (c.value !== null) configs[c.name] = c.value;
    return {
      name: t.name,
      ...(assignments.length > 0
        ? { assignments }
        : {
            numPartitions: t.numPartitions === BROKER_DEFAULT ? settings.numPartitions : t.numPartitions,
            // The default factor is capped at the live brokers so a small local cluster can use it.
            replicationFactor: t.replicationFactor === BROKER_DEFAULT ? Math.max(1, Math.min(settings.defaultReplicationFactor, live)) : t.replicationFactor,
          }),
      configs,
    };
  });
  let results: CreateTopicResult[];
  try {
    results = await front.createTopics(requests, request.timeoutMs, request.validateOnly);
  } catch (e) {
    const error = brokerErrorOf(e);
    results = requests.map((r) => ({ name: r.name, error }));
  }
  return {
    throttleTimeMs: 0,
    topics: results.map((r, i) => ({
      name: r.name,
      topicId: r.topicId ?? ZERO_UUID,
      errorCode: errorCodeOf(r.error),
      errorMessage: r.error ? r.error.message : null,
      topicConfigErrorCode: 0,
      numPartitions: r.numPartitions ?? requests[i]!.numPartitions ?? requests[i]!.assignments?.length ?? -1,
      replicationFactor: r.replicationFactor ?? requests[i]!.replicationFactor ?? requests[i]!.assignments?.[0]?.length ?? -1,
      configs: r.error ? null : Object.entries<string>(r.configs ?? requests[i]!.configs ?? {}).map(([name, value]) => ({ name, value, readOnly: false, configSource: DYNAMIC_TOPIC_CONFIG, isSensitive: false })),
    })),
  };
}

export async function handleDeleteTopics(request: DeleteTopicsRequest, ctx: RequestContext): Promise<DeleteTopicsResponse> {
  const { front } = ctx.broker;
  const image = front.image();
  // v6 names topics by name or by id.
  const targets =
    ctx.apiVersion >= 6
      ? request.topics.map((t) => ({ name: t.name ?? image.topicsById.get(t.topicId)?.name ?? null, topicId: t.topicId }))
      : request.topicNames.map((name) => ({ name, topicId: topicByName(image, name)?.topicId ?? ZERO_UUID }));
  const named = targets.filter((t): t is { name: string; topicId: string } => t.name !== null);
  let results: { name?: string; error?: { code: number; message: string } }[];
  try {
    results = named.length > 0 ? await front.deleteTopics(named.map((t) => t.name), request.timeoutMs) : [];
  } catch (e) {
    const error = brokerErrorOf(e);
    results = named.map((t) => ({ name: t.name, error }));
  }
  const byName = new Map(results.map((r) => [r.name, r]));
  return {
    throttleTimeMs: 0,
    responses: targets.map((t) => {
      const error = t.name === null ? errors.unknownTopicId(`no topic has id ${t.topicId}`) : byName.get(t.name)?.error;
      return { name: t.name, topicId: t.topicId, errorCode: errorCodeOf(error), errorMessage: error ? error.message : null };
    }),
  };
}

const TOPIC_RESOURCE = 2;
const BROKER_RESOURCE = 4;
/** Kafka's ConfigSource values. */
const DYNAMIC_TOPIC_CONFIG = 1;
const STATIC_BROKER_CONFIG = 4;
const DEFAULT_CONFIG = 5;

type DescribedConfig = DescribeConfigsResponse['results'][number]['configs'][number];

export function handleDescribeConfigs(request: DescribeConfigsRequest, ctx: RequestContext): DescribeConfigsResponse {
  const { front } = ctx.broker;
  const image = front.image();
  const entry = (name: string, value: string, source: number): DescribedConfig => ({
    name,
    value,
    readOnly: false,
    isDefault: source === DEFAULT_CONFIG,
    configSource: source,
    isSensitive: false,
    synonyms: [],
    configType: 0,
    documentation: null,
  });
  return {
    throttleTimeMs: 0,
    results: request.resources.map((r) => {
      const wanted = (name: string): boolean => r.configurationKeys === null || r.configurationKeys.length === 0 || r.configurationKeys.includes(name);
      const base = { resourceType: r.resourceType, resourceName: r.resourceName };
      if (r.resourceType === TOPIC_RESOURCE) {
        const topic = topicByName(image, r.resourceName);
        if (!topic) {
          const error = errors.unknownTopicOrPartition(`unknown topic ${r.resourceName}`);
          return { ...base, errorCode: error.code, errorMessage: error.message, configs: [] };
        }
        const configs = Object.entries(TOPIC_CONFIGS)
          .filter(([name]) => wanted(name))
          .map(([name, def]) => (topic.configs[name] !== undefined ? entry(name, topic.configs[name]!, DYNAMIC_TOPIC_CONFIG) : entry(name, def.defaultValue, DEFAULT_CONFIG)));
        return { ...base, errorCode: 0, errorMessage: null, configs };
      }
      if (r.resourceType === BROKER_RESOURCE) {
        const settings = front.settings();
        const configs = [
          ['auto.create.topics.enable', String(settings.autoCreateTopicsEnable)],
          ['num.partitions', String(settings.numPartitions)],
          ['default.replication.factor', String(settings.defaultReplicationFactor)],
        ]
          .filter(([name]) => wanted(name!))
          .map(([name, value]) => entry(name!, value!, STATIC_BROKER_CONFIG));
        return { ...base, errorCode: 0, errorMessage: null, configs };
      }
      const error = errors.invalidRequest(`config resource type ${r.resourceType} is not supported (topics: 2, brokers: 4)`);
      return { ...base, errorCode: error.code, errorMessage: error.message, configs: [] };
    }),
  };
}

export async function handleInitProducerId(request: InitProducerIdRequest, ctx: RequestContext): Promise<InitProducerIdResponse> {
  try {
    if (request.transactionalId !== null) throw errors.invalidRequest('transactions are not supported by this broker; use the idempotent producer without a transactional id');
    const { producerId, producerEpoch } = await ctx.broker.front.initProducerId();
    return { throttleTimeMs: 0, errorCode: 0, producerId, producerEpoch };
  } catch (e) {
    return { throttleTimeMs: 0, errorCode: brokerErrorOf(e).code, producerId: -1, producerEpoch: -1 };
  }
}
