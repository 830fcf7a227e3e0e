/**
 * The BrokerClient gRPC service as the client sees it: the proto loaded once by the shared loader
 * (`src/net/proto-loader.ts`: snake_case fields, int64 as numbers, bytes as Buffers, enums as
 * strings, defaults filled in), and TypeScript shapes of its messages. The group coordinator's
 * service is in `group-wire.ts`.
 */
import type * as grpc from '@grpc/grpc-js';
import { protoFile, serviceConstructor } from '../net/proto-loader.js';

/** `proto/client.proto` as found from `startFile` (this module by default): from `src/` under vitest or `dist/src/` once built. */
export function findClientProto(startFile?: string): string {
  return protoFile('client.proto', startFile);
}

/** The generated client constructor of `brokerlab.client.BrokerClient` (its `.service` is the definition servers implement). */
export function brokerClientConstructor(): grpc.ServiceClientConstructor {
  return serviceConstructor('client.proto', 'brokerlab.client.BrokerClient');
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

export interface AlterConfigsRequest {
  topics: { name: string; set: Record<string, string>; remove: string[] }[];
  timeout_ms: number;
}

export interface AlterConfigsResponse {
  results: TopicResult[];
}

export interface DescribeLogDirsRequest {
  topics: string[];
}

export interface WireReplicaLog {
  topic: string;
  partition: number;
  role: string;
  log_start_offset: number;
  log_end_offset: number;
  high_watermark: number;
  size_bytes: number;
  segments: number;
}

export interface DescribeLogDirsResponse {
  replicas: WireReplicaLog[];
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

export interface DeleteRecordsPartition {
  topic: string;
  partition: number;
  /** The new log start offset; -1 for the high watermark. */
  offset: number;
}

export interface DeleteRecordsRequest {
  partitions: DeleteRecordsPartition[];
  timeout_ms: number;
}

export interface DeleteRecordsResult {
  topic: string;
  partition: number;
  error_code: number;
  error_message: string;
  low_watermark: number;
}

export interface DeleteRecordsResponse {
  results: DeleteRecordsResult[];
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
  AlterConfigs: [AlterConfigsRequest, AlterConfigsResponse];
  DescribeLogDirs: [DescribeLogDirsRequest, DescribeLogDirsResponse];
  Fetch: [FetchRequest, FetchResponse];
  ListOffsets: [ListOffsetsRequest, ListOffsetsResponse];
  DeleteRecords: [DeleteRecordsRequest, DeleteRecordsResponse];
  InitProducerId: [InitProducerIdRequest, InitProducerIdResponse];
}
export type UnaryMethodName = keyof UnaryMethods;
