/** Topic requests and results as client.proto spells them (shared by the client and controller services). */
import type { CreateTopicRequest, CreateTopicResult, DeleteTopicResult } from '../controller/index.js';
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

export function toWireTopicResult(r: CreateTopicResult | DeleteTopicResult): WireTopicResult {
  const wire = r.error ? toWireError(r.error) : NO_ERROR;
  return { name: r.name ?? '', topic_id: r.topicId ?? '', ...wire };
}
