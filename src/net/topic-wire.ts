/** Topic requests and results as client.proto spells them (shared by the client and controller services). */
import type { AlterConfigsRequest, AlterConfigsResult, CreateTopicRequest, CreateTopicResult, DeleteTopicResult } from '../controller/index.js';
import { NO_ERROR, toWireError } from './wire-errors.js';

export interface WireTopicSpec {
  name: string;
  num_partitions: number;
  replication_factor: number;
  configs: Record<string, string>;
}

export interface WireCreateTopicsRequest {
  topics: WireTopicSpec[];
  timeout_ms: number;
}

export interface WireDeleteTopicsRequest {
  names: string[];
  timeout_ms: number;
}

export interface WireTopicConfigChanges {
  name: string;
  set: Record<string, string>;
  remove: string[];
}

export interface WireAlterConfigsRequest {
  topics: WireTopicConfigChanges[];
  timeout_ms: number;
}

export function toWireAlterConfigs(requests: readonly AlterConfigsRequest[]): WireTopicConfigChanges[] {
  return requests.map(({ name, changes }) => {
    const set: Record<string, string> = {};
    const remove: string[] = [];
    for (const [key, value] of Object.entries(changes)) {
      if (value === null) remove.push(key);
      else set[key] = value;
    }
    return { name, set, remove };
  });
}

export function fromWireAlterConfigs(req: WireAlterConfigsRequest): AlterConfigsRequest[] {
  return req.topics.map((t) => {
    const changes: Record<string, string | null> = { ...(t.set ?? {}) };
    for (const key of t.remove ?? []) changes[key] = null;
    return { name: t.name, changes };
  });
}

export interface WireTopicResult {
  name: string;
  error_code: number;
  error_message: string;
  topic_id: string;
}

export function fromWireCreateTopics(req: WireCreateTopicsRequest): CreateTopicRequest[] {
  return req.topics.map((t) => ({
    name: t.name,
    // 0 is proto3's "absent"; the controller takes -1 for "the default".
    numPartitions: t.num_partitions > 0 ? t.num_partitions : t.num_partitions === 0 ? -1 : t.num_partitions,
    replicationFactor: t.replication_factor > 0 ? t.replication_factor : t.replication_factor === 0 ? -1 : t.replication_factor,
    configs: t.configs ?? {},
  }));
}

export function toWireTopicResult(r: CreateTopicResult | DeleteTopicResult | AlterConfigsResult): WireTopicResult {
  const wire = r.error ? toWireError(r.error) : NO_ERROR;
  return { name: r.name ?? '', topic_id: ('topicId' in r ? r.topicId : undefined) ?? '', ...wire };
}
