/**
 * DeleteTopics: one RemoveTopic record per existing topic, named by name or by id. Brokers see the
 * deletion in their delta and drop the topic's replicas. Unknown topics fail alone.
 */
import { errors, isBrokerError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { MetadataImage, TopicImage } from '../metadata/image.js';
import type { RecordBatch } from './record-batch.js';
import type { DeleteTopicResult, DeleteTopicTarget } from './types.js';

export function deleteTopics(batch: RecordBatch, targets: readonly DeleteTopicTarget[], logger?: Logger): DeleteTopicResult[] {
  // Names and ids resolve against the image before this request, so a topic named twice is
  // reported as a duplicate rather than as missing the second time.
  const start = batch.image;
  const seen = new Set<string>();
  return targets.map((target) => {
    const named = 'name' in target ? { name: target.name } : { topicId: target.topicId };
    try {
      const topic = findTopic(start, target);
      if (seen.has(topic.topicId)) throw errors.invalidRequest(`topic "${topic.name}" appears more than once in the request`);
      seen.add(topic.topicId);
      batch.add({ type: 'RemoveTopic', topicId: topic.topicId });
      logger?.info({ topic: topic.name, topicId: topic.topicId }, 'topic deleted');
      return { name: topic.name, topicId: topic.topicId };
    } catch (e) {
      if (!isBrokerError(e)) throw e;
      return { ...named, error: e };
    }
  });
}

function findTopic(image: MetadataImage, target: DeleteTopicTarget): TopicImage {
  if ('name' in target) {
    const id = image.topicIdsByName.get(target.name);
    const topic = id === undefined ? undefined : image.topicsById.get(id);
    if (topic) return topic;
    throw errors.unknownTopicOrPartition(`topic "${target.name}" does not exist`);
  }
  const topic = image.topicsById.get(target.topicId);
  if (!topic) throw errors.unknownTopicId(`topic id ${target.topicId} does not exist`);
  return topic;
}
