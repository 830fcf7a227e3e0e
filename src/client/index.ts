/**
 * The TypeScript client of brokerlab's native gRPC API (proto/client.proto, proto/group.proto):
 * an admin, a batching and pipelining idempotent producer, and a consumer of assigned partitions
 * or of a consumer group, in the shape of kafkajs. Records travel as Kafka v2 batches built and
 * read by `log/batch`; failures are BrokerErrors with Kafka's names, codes and `retriable`.
 * Invariants: every request has a deadline, every retry loop a bound (`deliveryTimeoutMs`,
 * `timeoutMs`, attempts), a partition's acknowledged records are written in the order they were
 * sent, and an idempotent producer's retries never write a batch twice.
 *
 * ```ts
 * const client = createClient({ bootstrapServers: ['127.0.0.1:9092'] });
 * await client.admin().createTopics([{ name: 'orders', partitions: 6, replicationFactor: 3 }], { waitForLeaders: true });
 * const producer = client.producer();
 * const [{ partition, offset }] = await producer.send({ topic: 'orders', messages: [{ key: 'user-1', value: 'hello' }] });
 * const consumer = client.consumer({ autoOffsetReset: 'earliest' });
 * consumer.assign([{ topic: 'orders', partition, offset }]);
 * for await (const record of consumer) ...
 * const member = client.consumer({ groupId: 'billing', autoOffsetReset: 'earliest' });
 * member.subscribe(['orders']);
 * const records = await member.poll({ maxWaitMs: 1000 }); process(records); await member.commit();
 * await client.close();
 * ```
 */
export { BrokerlabClient, createClient } from './client.js';
export { Admin, type CreateTopicsOptions, type DeletedRecords, type PartitionOffsets, type RecordsToDelete, type ReplicaLogInfo, type TopicChangeOptions } from './admin.js';
export { Producer, type CloseOptions } from './producer.js';
export { Consumer, type ConsumerCloseOptions, type PartitionAssignment, type PollOptions } from './consumer.js';
export type { OffsetToCommit } from './group-offsets.js';
export type { ClientOptions, ProducerOptions, ConsumerOptions, AutoOffsetReset, AssignorName, Compression } from './options.js';
export { createDefaultPartitioner, partitionForKey, type Partitioner, type PartitionerInput } from './partitioner.js';
export { murmur2, toPositive } from './murmur2.js';
export type * from './types.js';
export { BrokerError, isBrokerError } from '../common/errors.js';
