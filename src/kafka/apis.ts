/**
 * The APIs this broker serves on its Kafka listener and the version ranges it advertises in
 * ApiVersions. The ranges follow CLIENT-NEEDS (range B): wide enough for kafkajs, librdkafka,
 * kafka-python and @platformatic/kafka, with the minimums librdkafka checks to switch features on
 * (Produce 0 for compression, FindCoordinator 0 for groups, InitProducerId 0 for idempotence).
 * Every version inside a range is served, except Produce v0-2 (old message formats), which is
 * answered UNSUPPORTED_VERSION per partition, as Kafka 4 does.
 */
import { KAFKA_ERRORS } from '../common/errors.js';
import type { RequestContext } from './context.js';
import { handleCreateTopics, handleDeleteTopics, handleDescribeConfigs, handleInitProducerId } from './handlers/admin.js';
import { handleCreatePartitions } from './handlers/create-partitions.js';
import { handleDeleteRecords } from './handlers/delete-records.js';
import { handleFetch, handleListOffsets, handleOffsetForLeaderEpoch } from './handlers/fetch.js';
import { handleDeleteGroups, handleDescribeGroups, handleFindCoordinator, handleHeartbeat, handleJoinGroup, handleLeaveGroup, handleListGroups, handleSyncGroup } from './handlers/groups.js';
import { handleDescribeCluster, handleMetadata } from './handlers/metadata.js';
import { handleOffsetCommit, handleOffsetFetch } from './handlers/offsets.js';
import { handleProduce } from './handlers/produce.js';
import type { ApiVersionsRequest } from './protocol/messages/api-versions-request.js';
import type { ApiVersionsResponse } from './protocol/messages/api-versions-response.js';

export const API_VERSIONS_KEY = 18;

export interface ServedApi {
  readonly apiKey: number;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  // Each handler takes its own generated request type; the dispatcher pairs them by API key.
  readonly handle: (request: any, ctx: RequestContext) => object | null | Promise<object | null>;
}

const served = (apiKey: number, name: string, minVersion: number, maxVersion: number, handle: ServedApi['handle']): ServedApi => ({ apiKey, name, minVersion, maxVersion, handle });

/** A software name or version Kafka accepts in ApiVersions v3+ (KIP-511). */
const CLIENT_SOFTWARE = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

export function servedApis(): Map<number, ServedApi> {
  const apis = new Map<number, ServedApi>();
  const add = (api: ServedApi): void => void apis.set(api.apiKey, api);
  add(served(0, 'Produce', 0, 7, handleProduce));
  add(served(1, 'Fetch', 4, 12, handleFetch));
  add(served(2, 'ListOffsets', 0, 5, handleListOffsets));
  add(served(3, 'Metadata', 0, 9, handleMetadata));
  add(served(8, 'OffsetCommit', 0, 8, handleOffsetCommit));
  add(served(9, 'OffsetFetch', 0, 8, handleOffsetFetch));
  add(served(10, 'FindCoordinator', 0, 4, handleFindCoordinator));
  add(served(11, 'JoinGroup', 0, 6, handleJoinGroup));
  add(served(12, 'Heartbeat', 0, 4, handleHeartbeat));
  add(served(13, 'LeaveGroup', 0, 4, handleLeaveGroup));
  add(served(14, 'SyncGroup', 0, 4, handleSyncGroup));
  add(served(15, 'DescribeGroups', 0, 5, handleDescribeGroups));
  add(served(16, 'ListGroups', 0, 4, handleListGroups));
  add(served(19, 'CreateTopics', 0, 7, handleCreateTopics));
  add(served(20, 'DeleteTopics', 0, 6, handleDeleteTopics));
  // kafkajs's admin.deleteTopicRecords sends v1 (it implements 0-1); v2 is the flexible one.
  add(served(21, 'DeleteRecords', 0, 2, handleDeleteRecords));
  add(served(22, 'InitProducerId', 0, 3, handleInitProducerId));
  add(served(23, 'OffsetForLeaderEpoch', 0, 4, handleOffsetForLeaderEpoch));
  add(served(32, 'DescribeConfigs', 0, 4, handleDescribeConfigs));
  add(served(37, 'CreatePartitions', 0, 3, handleCreatePartitions));
  add(served(42, 'DeleteGroups', 0, 2, handleDeleteGroups));
  add(served(60, 'DescribeCluster', 0, 1, handleDescribeCluster));
  add(served(API_VERSIONS_KEY, 'ApiVersions', 0, 3, (request: ApiVersionsRequest, ctx) => apiVersionsResponse(apis, request, ctx.apiVersion)));
  return apis;
}

function apiVersionsResponse(apis: ReadonlyMap<number, ServedApi>, request: ApiVersionsRequest, apiVersion: number): ApiVersionsResponse {
  const invalid = apiVersion >= 3 && !(CLIENT_SOFTWARE.test(request.clientSoftwareName) && CLIENT_SOFTWARE.test(request.clientSoftwareVersion));
  return { ...advertised(apis), errorCode: invalid ? KAFKA_ERRORS.INVALID_REQUEST.code : 0 };
}

function advertised(apis: ReadonlyMap<number, ServedApi>): ApiVersionsResponse {
  return {
    errorCode: 0,
    apiKeys: [...apis.values()].sort((a, b) => a.apiKey - b.apiKey).map((a) => ({ apiKey: a.apiKey, minVersion: a.minVersion, maxVersion: a.maxVersion })),
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1,
    finalizedFeatures: [],
    zkMigrationReady: false,
  };
}

/** The v0 answer to an ApiVersions request of a version this broker does not serve. */
export function unsupportedApiVersionsResponse(apis: ReadonlyMap<number, ServedApi>): ApiVersionsResponse {
  return { ...advertised(apis), errorCode: KAFKA_ERRORS.UNSUPPORTED_VERSION.code };
}
