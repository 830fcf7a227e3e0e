/**
 * AlterConfigs for topics, incrementally as Kafka's IncrementalAlterConfigs: each named config is
 * set to a value or, given null, removed (back to its default). One Config record per change;
 * brokers read the new configs from their image (the retention check applies them to open logs).
 * A topic whose request names an unknown topic or an invalid config changes nothing and fails alone.
 */
import { errors, isBrokerError, type BrokerError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { validateTopicConfig, TOPIC_CONFIGS } from '../metadata/topic-config.js';
import type { RecordBatch } from './record-batch.js';

export interface AlterConfigsRequest {
  readonly name: string;
  /** Config name -> new value; null removes the override. */
  readonly changes: Readonly<Record<string, string | null>>;
}

export interface AlterConfigsResult {
  readonly name: string;
  readonly error?: BrokerError;
}

export function alterConfigs(batch: RecordBatch, requests: readonly AlterConfigsRequest[], logger?: Logger): AlterConfigsResult[] {
  const seen = new Set<string>();
  return requests.map(({ name, changes }) => {
    try {
      if (!batch.image.topicIdsByName.has(name)) throw errors.unknownTopicOrPartition(`topic "${name}" does not exist`);
      if (seen.has(name)) throw errors.invalidRequest(`topic "${name}" appears more than once in the request`);
      seen.add(name);
      for (const [key, value] of Object.entries(changes)) {
        if (value === null) {
          if (!TOPIC_CONFIGS[key]) throw errors.invalidConfig(`unknown topic config "${key}"`);
        } else validateTopicConfig(key, value);
      }
      for (const [key, value] of Object.entries(changes)) batch.add({ type: 'Config', topic: name, key, value });
      logger?.info({ topic: name, changes }, 'topic configs changed');
      return { name };
    } catch (e) {
      if (!isBrokerError(e)) throw e;
      return { name, error: e };
    }
  });
}
