/**
 * AlterPartition (KIP-497): a partition leader asks to change its ISR. The request carries the
 * leader and partition epochs it saw, so a request based on an outdated partition state is refused
 * rather than undo a newer decision. Checks follow Kafka's order and error codes.
 */
import { errors } from '../common/errors.js';
import { isActiveBroker, topicConfig, type MetadataImage } from '../metadata/image.js';
import { NO_LEADER, type AlterPartitionRequest, type BrokerId, type PartitionRegistration } from '../metadata/types.js';
import { checkBrokerEpoch } from './broker-lifecycle.js';
import { ineligibleReplica } from './controller-errors.js';
import { buildPartitionChange } from './partition-change.js';
import type { RecordBatch } from './record-batch.js';

/** Adds the ISR change to `batch` (nothing if the ISR is already as asked) and returns the partition after it. */
export function alterPartition(batch: RecordBatch, req: AlterPartitionRequest): PartitionRegistration {
  const image = batch.image;
  checkBrokerEpoch(image, req.brokerId, req.brokerEpoch);
  const topic = image.topicsById.get(req.topicId);
  if (!topic) throw errors.unknownTopicId(`topic id ${req.topicId} does not exist`);
  const partition = topic.partitions.get(req.partition);
  if (!partition) throw errors.unknownTopicOrPartition(`${topic.name}-${req.partition} does not exist`);
  checkEpochsAndLeader(partition, req);
  checkNewIsr(image, partition, req.newIsr);

  const change = buildPartitionChange(partition, (b) => isActiveBroker(image, b), {
    isr: req.newIsr,
    uncleanAllowed: topicConfig(topic).uncleanLeaderElectionEnable,
  });
  if (change) batch.add(change);
  return batch.image.topicsById.get(req.topicId)!.partitions.get(req.partition)!;
}

function checkEpochsAndLeader(partition: PartitionRegistration, req: AlterPartitionRequest): void {
  const name = `${partition.topic}-${partition.partition}`;
  // Epochs ahead of ours mean this controller is behind the log: the caller should find the
  // current controller.
  if (req.leaderEpoch > partition.leaderEpoch || req.partitionEpoch > partition.partitionEpoch) {
    throw errors.notController(`${name}: request epochs are ahead of this controller's`);
  }
  if (req.leaderEpoch < partition.leaderEpoch) {
    throw errors.fencedLeaderEpoch(`${name}: leader epoch ${req.leaderEpoch} is older than ${partition.leaderEpoch}`);
  }
  if (req.brokerId !== partition.leader) {
    throw errors.invalidRequest(`${name}: broker ${req.brokerId} is not the leader (${partition.leader})`);
  }
  if (req.partitionEpoch < partition.partitionEpoch) {
    throw errors.invalidUpdateVersion(
      `${name}: partition epoch ${req.partitionEpoch} is older than ${partition.partitionEpoch}`,
    );
  }
}

function checkNewIsr(image: MetadataImage, partition: PartitionRegistration, newIsr: readonly BrokerId[]): void {
  const name = `${partition.topic}-${partition.partition}`;
  if (new Set(newIsr).size !== newIsr.length || !newIsr.every((b) => partition.replicas.includes(b))) {
    throw errors.invalidRequest(`${name}: ISR ${newIsr.join(',')} must be distinct replicas of ${partition.replicas.join(',')}`);
  }
  if (partition.leader === NO_LEADER || !newIsr.includes(partition.leader)) {
    throw errors.invalidRequest(`${name}: ISR ${newIsr.join(',')} must include the leader ${partition.leader}`);
  }
  // Every member must be able to serve: a fenced or stopping broker could not stay in sync.
  const ineligible = newIsr.filter((b) => {
    const broker = image.brokers.get(b);
    return broker === undefined || broker.fenced || broker.inControlledShutdown;
  });
  if (ineligible.length > 0) {
    throw ineligibleReplica(`${name}: ISR ${newIsr.join(',')} includes fenced or stopping broker(s) ${ineligible.join(',')}`, ineligible);
  }
}
