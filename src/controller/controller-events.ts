/**
 * What the controller's decisions mean, as events for the cluster's event log (cluster/events.ts):
 * a broker fenced, a partition leader elected, an ISR shrunk by the controller. Decisions only
 * describe them; the node logs them once the records commit, so a decision lost with a failed
 * proposal leaves no event, and replaying the metadata log never emits any (it makes no decisions).
 *
 * ISR changes a partition leader asked for (AlterPartition) are not described here: the leader
 * logs them, since it alone knows which replica lagged and for how long.
 */
import { NO_LEADER, type BrokerId, type PartitionRegistration } from '../metadata/types.js';

export interface ControllerEvent {
  /** Kebab-case kind, e.g. `broker-fenced`. */
  readonly event: string;
  /** The log line's message. */
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

/** Why a batch changes partitions, carried into the partition events it causes. */
export interface ChangeCause {
  readonly reason: string;
}

export function brokerEvent(event: string, message: string, fields: Record<string, unknown>): ControllerEvent {
  return { event, message, fields };
}

/** The events one partition change implies: a leader election (clean or not) and/or an ISR change. */
export function partitionChangeEvents(
  before: PartitionRegistration,
  after: PartitionRegistration,
  cause: ChangeCause,
): ControllerEvent[] {
  const events: ControllerEvent[] = [];
  // A leader from outside the ISR it was elected from can only come from an unclean election.
  const uncleanElection = after.leader !== NO_LEADER && !before.isr.includes(after.leader);
  const where = { topic: after.topic, partition: after.partition };
  if (after.leader !== before.leader && after.leader !== NO_LEADER) {
    events.push({
      event: uncleanElection ? 'unclean-leader-elected' : 'leader-elected',
      message: uncleanElection ? 'unclean leader elected: acknowledged records may be lost' : 'partition leader elected',
      fields: { ...where, leader: after.leader, previousLeader: before.leader, leaderEpoch: after.leaderEpoch, isr: after.isr, previousIsr: before.isr, reason: cause.reason },
    });
  } else if (after.leader === NO_LEADER && before.leader !== NO_LEADER) {
    // The partition is offline (no active ISR member) until a leader is elected.
    events.push({
      event: 'partition-offline',
      message: 'partition has no leader',
      fields: { ...where, leader: NO_LEADER, previousLeader: before.leader, leaderEpoch: after.leaderEpoch, isr: after.isr, reason: cause.reason },
    });
  }
  const removed = before.isr.filter((b) => !after.isr.includes(b));
  const added = after.isr.filter((b) => !before.isr.includes(b));
  if (removed.length > 0) events.push(isrEvent('isr-shrunk', 'ISR shrunk', after, before.isr, removed, cause));
  if (added.length > 0) events.push(isrEvent('isr-expanded', 'ISR expanded', after, before.isr, added, cause));
  return events;
}

function isrEvent(event: string, message: string, after: PartitionRegistration, previousIsr: readonly BrokerId[], changed: BrokerId[], cause: ChangeCause): ControllerEvent {
  return {
    event,
    message,
    fields: {
      topic: after.topic,
      partition: after.partition,
      isr: after.isr,
      previousIsr,
      replica: changed.length === 1 ? changed[0] : changed,
      leader: after.leader,
      leaderEpoch: after.leaderEpoch,
      reason: cause.reason,
    },
  };
}
