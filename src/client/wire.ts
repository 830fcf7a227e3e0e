/**
 * The BrokerClient gRPC service as the client sees it: the proto loaded once (snake_case fields,
 * int64 as numbers, enums as strings, defaults filled in) and TypeScript shapes of its messages.
 * The protos are found by walking up from this file, so the same code runs from `src/` under
 * vitest and from `dist/src/` once built. The group coordinator's service is in `group-wire.ts`.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const PROTO_LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: Number, defaults: true, enums: String };

/** Directories searched above this module before giving up: enough for `dist/src/client/`. */
const MAX_PARENT_DIRECTORIES = 8;

export function findClientProto(startFile: string = fileURLToPath(import.meta.url)): string {
  return findProto('client.proto', startFile);
}

/** `proto/<fileName>` in the nearest directory above `startFile` that has it. */
export function findProto(fileName: string, startFile: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(startFile);
  for (let i = 0; i < MAX_PARENT_DIRECTORIES; i++) {
    const candidate = join(dir, 'proto', fileName);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`proto/${fileName} not found above ${startFile}`);
}

let cachedService: grpc.ServiceClientConstructor | undefined;

/** The generated client constructor of `brokerlab.client.BrokerClient` (its `.service` is the definition servers implement). */
export function brokerClientConstructor(): grpc.ServiceClientConstructor {
  if (!cachedService) {
    const definition = protoLoader.loadSync(findClientProto(), PROTO_LOADER_OPTIONS);
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      brokerlab: { client: { BrokerClient: grpc.ServiceClientConstructor } };
    };
    cachedService = loaded.brokerlab.client.BrokerClient;
  }
  return cachedService;
}

export interface MetadataRequest {
  topics: string[];
}

export interface BrokerInfo {
  id: number;
  host: string;
  port: number;
  fenced: boolean;
}

export interface PartitionInfo {
  partition: number;
  error_code: number;
  leader: number;
  leader_epoch: number;
  replicas: number[];
  isr: number[];
}

export interface TopicInfo {
  name: string;
  topic_id: string;
  error_code: number;
  partitions: PartitionInfo[];
  configs: Record<string, string>;
}

export interface MetadataResponse {
  brokers: BrokerInfo[];
  controller_id: number;
  topics: TopicInfo[];
  metadata_offset: number;
}

export interface TopicSpec {
  name: string;
  num_partitions: number;
  replication_factor: number;
  configs: Record<string, string>;
}

export interface CreateTopicsRequest {
  topics: TopicSpec[];
  timeout_ms: number;
}

export interface TopicResult {
  name: string;
  error_code: number;
  error_message: string;
  topic_id: string;
}

export interface CreateTopicsResponse {
  results: TopicResult[];
}

export interface DeleteTopicsRequest {
  names: string[];
  timeout_ms: number;
}

export interface DeleteTopicsResponse {
  results: TopicResult[];
}

export interface ProduceRequest {
  correlation_id: number;
  topic: string;
  partition: number;
  acks: number;
  timeout_ms: number;
  records: Buffer;
}

export interface ProduceResponse {
  correlation_id: number;
  error_code: number;
  error_message: string;
  base_offset: number;
  log_start_offset: number;
  current_leader: number;
}

export interface FetchPartition {
  topic: string;
  partition: number;
  offset: number;
  max_bytes: number;
  current_leader_epoch: number;
}

export interface FetchRequest {
  partitions: FetchPartition[];
  max_wait_ms: number;
  min_bytes: number;
  max_bytes: number;
}

export interface FetchedPartition {
  topic: string;
  partition: number;
  error_code: number;
  error_message: string;
  high_watermark: number;
  log_start_offset: number;
  records: Buffer;
}

export interface FetchResponse {
  partitions: FetchedPartition[];
}

export interface ListOffsetsPartition {
  topic: string;
  partition: number;
  timestamp: number;
}

export interface ListOffsetsRequest {
  partitions: ListOffsetsPartition[];
}

export interface ListOffsetsResult {
  topic: string;
  partition: number;
  error_code: number;
  error_message: string;
  offset: number;
  leader_epoch: number;
}

export interface ListOffsetsResponse {
  results: ListOffsetsResult[];
}

export interface InitProducerIdRequest {
  transaction_timeout_ms: number;
}

export interface InitProducerIdResponse {
  error_code: number;
  error_message: string;
  producer_id: number;
  producer_epoch: number;
}

/** ListOffsets timestamps with a special meaning (Kafka's). */
export const EARLIEST_TIMESTAMP = -2;
export const LATEST_TIMESTAMP = -1;

/** The unary calls and their request/response shapes, so one typed helper serves them all. */
export interface UnaryMethods {
  Metadata: [MetadataRequest, MetadataResponse];
  CreateTopics: [CreateTopicsRequest, CreateTopicsResponse];
  DeleteTopics: [DeleteTopicsRequest, DeleteTopicsResponse];
  Fetch: [FetchRequest, FetchResponse];
  ListOffsets: [ListOffsetsRequest, ListOffsetsResponse];
  InitProducerId: [InitProducerIdRequest, InitProducerIdResponse];
}
export type UnaryMethodName = keyof UnaryMethods;
