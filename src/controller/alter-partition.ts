/**
 * AlterPartition (KIP-497): a partition leader asks to change its ISR. The request carries the
 * leader and partition epochs it saw, so a request based on an outdated partition state is refused
 * rather than undo a newer decision. Checks follow Kafka's order and error codes.
 *
 * Each member comes with the broker epoch the leader last saw it fetch with (KIP-903, Kafka 3.5+).
 * A member whose epoch is not its current registration's restarted since: its old process's
 * fetches do not vouch for the log it has now (a power loss may have cut its unflushed tail), so it
 * is refused as INELIGIBLE_REPLICA and must prove itself again with fetches from its new process.
 */
import { errors } from '../common/errors.js';
import { isActiveBroker, topicConfig, type MetadataImage } from '../metadata/image.js';
import { NO_LEADER, UNKNOWN_BROKER_EPOCH, type AlterPartitionRequest, type BrokerId, type IsrMemberEpoch, type PartitionRegistration } from '../metadata/types.js';
import { checkBrokerEpoch } from './broker-lifecycle.js';
import { ineligibleReplica } from './controller-errors.js';
import { buildPartitionChange } from './partition-change.js';
import type { RecordBatch } from './record-batch.js';

export interface AlterPartitionOptions {
  /**
   * Refuse members whose broker epoch is stale (default true). Off only in the simulation, to
   * show the data loss the check prevents; never turned off in a running cluster.
   */
  readonly checkMemberBrokerEpochs?: boolean;
}

/** Adds the ISR change to `batch` (nothing if the ISR is already as asked) and returns the partition after it. */
export function alterPartition(batch: RecordBatch, req: AlterPartitionRequest, options: AlterPartitionOptions = {}): PartitionRegistration {
  const image = batch.image;
  checkBrokerEpoch(image, req.brokerId, req.brokerEpoch);
  const topic = image.topicsById.get(req.topicId);
  if (!topic) throw errors.unknownTopicId(`topic id ${req.topicId} does not exist`);
  const partition = topic.partitions.get(req.partition);
  if (!partition) throw errors.unknownTopicOrPartition(`${topic.name}-${req.partition} does not exist`);
  checkEpochsAndLeader(partition, req);
  checkNewIsr(image, partition, req.newIsr);
  if (req.newIsrWithEpochs) {
    checkSameMembers(partition, req.newIsr, req.newIsrWithEpochs);
    if (options.checkMemberBrokerEpochs !== false) checkMemberBrokerEpochs(image, partition, req.newIsrWithEpochs);
  }

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

function checkSameMembers(partition: PartitionRegistration, newIsr: readonly BrokerId[], withEpochs: readonly IsrMemberEpoch[]): void {
  const ids = withEpochs.map((m) => m.brokerId);
  if (ids.length !== newIsr.length || !ids.every((id, i) => id === newIsr[i])) {
    throw errors.invalidRequest(`${partition.topic}-${partition.partition}: ISR with epochs ${ids.join(',')} differs from ISR ${newIsr.join(',')}`);
  }
}

/** Kafka's broker epoch mismatch: the leader's view of a member predates that member's registration. */
function checkMemberBrokerEpochs(image: MetadataImage, partition: PartitionRegistration, members: readonly IsrMemberEpoch[]): void {
  const stale = members.filter((m) => m.brokerEpoch !== UNKNOWN_BROKER_EPOCH && m.brokerEpoch !== image.brokers.get(m.brokerId)?.brokerEpoch);
  if (stale.length === 0) return;
  const detail = stale.map((m) => `broker ${m.brokerId} epoch ${m.brokerEpoch}, registered with ${image.brokers.get(m.brokerId)?.brokerEpoch}`).join('; ');
  throw ineligibleReplica(
    `${partition.topic}-${partition.partition}: ISR ${members.map((m) => m.brokerId).join(',')} has a stale broker epoch (${detail})`,
    stale.map((m) => m.brokerId),
  );
}
