/**
 * What brokers ask of the active controller. The node answers it locally when it is the active
 * controller, and otherwise forwards it to the one that is (over gRPC in real processes, over the
 * virtual network in the simulation). Every call is bounded by the caller's deadline.
 */
import type {
  AllocateProducerIdsRequest,
  AlterConfigsRequest,
  AlterConfigsResult,
  BrokerHeartbeatRequest,
  BrokerHeartbeatResponse,
  CreateTopicRequest,
  CreateTopicResult,
  DeleteTopicResult,
  DeleteTopicTarget,
  NewPartitionsRequest,
  NewPartitionsResult,
  ProducerIdBlock,
  RegisterBrokerRequest,
  RegisterBrokerResponse,
} from '../controller/index.js';
import type { AlterPartitionRequest, PartitionRegistration } from '../metadata/types.js';

export interface ControllerApi {
  registerBroker(request: RegisterBrokerRequest): Promise<RegisterBrokerResponse>;
  heartbeat(request: BrokerHeartbeatRequest): Promise<BrokerHeartbeatResponse>;
  alterPartition(request: AlterPartitionRequest): Promise<PartitionRegistration>;
  createTopics(requests: readonly CreateTopicRequest[]): Promise<CreateTopicResult[]>;
  createPartitions(requests: readonly NewPartitionsRequest[]): Promise<NewPartitionsResult[]>;
  deleteTopics(targets: readonly DeleteTopicTarget[]): Promise<DeleteTopicResult[]>;
  alterConfigs(requests: readonly AlterConfigsRequest[]): Promise<AlterConfigsResult[]>;
  allocateProducerIds(request: AllocateProducerIdsRequest): Promise<ProducerIdBlock>;
}
