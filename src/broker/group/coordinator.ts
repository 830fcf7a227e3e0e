/**
 * The group coordinator of one broker: it serves the groups of the `__consumer_offsets`
 * partitions this broker leads. The broker loads a partition when it becomes its leader (the
 * state is rebuilt from the log, so a group survives its coordinator's broker dying) and unloads
 * it when leadership moves. Requests for a group whose partition is not loaded here are answered
 * NOT_COORDINATOR, and COORDINATOR_LOAD_IN_PROGRESS while it loads.
 *
 * Nothing here performs I/O: records reach the log through the injected writer (acks=all), time
 * and timers come from the Clock, member ids from the Random.
 */
import { assert, errors, type BrokerError } from '../../common/errors.js';
import type { Clock } from '../../common/clock.js';
import { silentLogger, type Logger } from '../../common/logger.js';
import type { Random } from '../../common/random.js';
import { partitionForGroup } from './coordinator-key.js';
import { CoordinatorPartition } from './coordinator-partition.js';
import type { ClassicGroup } from './group.js';
import { describeGroup, describeUnknownGroup, groupMetadataValue, listGroup } from './group-snapshots.js';
import { GroupStateMachine } from './group-state-machine.js';
import { groupMetadataRecord, offsetCommitRecord, type RawOffsetsRecord } from './offset-records.js';
import { checkCommitToUnknownGroup, fetchOffsets, planCommit, validateOffsetCommit } from './offsets.js';
import { commitAppendError, groupAppendError, type OffsetsTopicWriter } from './offsets-topic-writer.js';
import { OffsetsPartitionReplay, type LoadSummary } from './partition-loader.js';
import {
  DEFAULT_GROUP_COORDINATOR_CONFIG,
  UNKNOWN_MEMBER_ID,
  type GroupCoordinatorConfig,
  type GroupDescription,
  type GroupListing,
  type GroupState,
  type HeartbeatRequest,
  type JoinGroupRequest,
  type JoinGroupResult,
  type LeaveGroupRequest,
  type LeaveGroupResult,
  type OffsetCommitRequest,
  type OffsetCommitResult,
  type OffsetFetchRequest,
  type OffsetFetchResult,
  type SyncGroupRequest,
  type SyncGroupResult,
} from './types.js';

export interface GroupCoordinatorOptions {
  clock: Clock;
  random: Random;
  writer: OffsetsTopicWriter;
  config?: Partial<GroupCoordinatorConfig>;
  logger?: Logger;
}

type PartitionSlot = { kind: 'loading' } | { kind: 'loaded'; state: CoordinatorPartition };

/** Group, topic and partition of a commit, as the pending-commit count knows it. */
function pendingKey(groupId: string, topic: string, partition: number): string {
  return `${groupId}\u0000${topic}\u0000${partition}`;
}

export class GroupCoordinator {
  /** Commits appended and not yet acknowledged by the ISR, per group, topic and partition. */
  private readonly pendingCommits = new Map<string, number>();
  readonly config: GroupCoordinatorConfig;
  private readonly slots = new Map<number, PartitionSlot>();
  private readonly machine: GroupStateMachine;
  private readonly clock: Clock;
  private readonly writer: OffsetsTopicWriter;
  private readonly logger: Logger;

  constructor(options: GroupCoordinatorOptions) {
    this.config = { ...DEFAULT_GROUP_COORDINATOR_CONFIG, ...options.config };
    checkConfig(this.config);
    this.clock = options.clock;
    this.writer = options.writer;
    this.logger = options.logger ?? silentLogger();
    this.machine = new GroupStateMachine({
      clock: options.clock,
      random: options.random,
      config: this.config,
      logger: this.logger,
      storeGroup: (group, assignments, done) => this.storeGroup(group, assignments, done),
    });
  }

  /** The `__consumer_offsets` partition whose leader coordinates `groupId` (FindCoordinator). */
  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.config.offsetsTopicNumPartitions);
  }

  isLoaded(partition: number): boolean {
    return this.slots.get(partition)?.kind === 'loaded';
  }

  /**
   * Becomes coordinator of `partition`: replays its records (every record of the local log, in
   * offset order) and then serves its groups. Requests meanwhile get COORDINATOR_LOAD_IN_PROGRESS.
   * Rejects with NOT_COORDINATOR if unloaded before it finishes, or with CORRUPT_MESSAGE on a
   * malformed record (the partition then stays unloaded).
   */
  async loadPartition(partition: number, records: Iterable<RawOffsetsRecord> | AsyncIterable<RawOffsetsRecord>): Promise<LoadSummary> {
    assert(Number.isInteger(partition) && partition >= 0 && partition < this.config.offsetsTopicNumPartitions, `no __consumer_offsets partition ${partition}`);
    this.unloadPartition(partition);
    const slot: PartitionSlot = { kind: 'loading' };
    this.slots.set(partition, slot);
    const cancelled = (): boolean => this.slots.get(partition) !== slot;
    const replay = new OffsetsPartitionReplay();
    let state: CoordinatorPartition;
    try {
      for await (const record of records) {
        if (cancelled()) break;
        replay.apply(record);
      }
      if (cancelled()) throw errors.notCoordinator(`loading __consumer_offsets-${partition} was cancelled by an unload`);
      state = new CoordinatorPartition(partition, replay.offsets, this.writer);
      for (const group of replay.restoreGroups(this.clock.now())) state.groups.set(group.groupId, group);
    } catch (e) {
      if (!cancelled()) this.slots.delete(partition);
      throw e;
    }
    for (const group of state.groups.values()) this.machine.startLoaded(group);
    this.slots.set(partition, { kind: 'loaded', state });
    const summary = { partition, records: replay.records, groups: state.groups.size, offsets: replay.offsets.count(), skippedRecords: replay.skippedRecords };
    this.logger.info(summary, 'group coordinator loaded partition');
    return summary;
  }

  /** Leadership of `partition` moved away: its groups are dropped and everyone waiting is answered NOT_COORDINATOR. */
  unloadPartition(partition: number): void {
    const slot = this.slots.get(partition);
    if (!slot) return;
    this.slots.delete(partition);
    if (slot.kind === 'loading') return;
    for (const group of slot.state.groups.values()) this.machine.rebalancer.unload(group);
    slot.state.close();
    this.logger.info({ partition, groups: slot.state.groups.size }, 'group coordinator unloaded partition');
  }

  /** Unloads everything (broker shutdown). */
  close(): void {
    for (const partition of [...this.slots.keys()]) this.unloadPartition(partition);
  }

  joinGroup(request: JoinGroupRequest): Promise<JoinGroupResult> {
    return attempt(() => {
      requireGroupId(request.groupId);
      const partition = this.loadedPartitionOf(request.groupId);
      const { groupMinSessionTimeoutMs: min, groupMaxSessionTimeoutMs: max } = this.config;
      if (request.sessionTimeoutMs < min || request.sessionTimeoutMs > max) {
        throw errors.invalidSessionTimeout(`session timeout ${request.sessionTimeoutMs} ms is outside [${min}, ${max}]`);
      }
      const existing = partition.groups.get(request.groupId);
      if (!existing && request.memberId !== UNKNOWN_MEMBER_ID) throw errors.unknownMemberId(`group ${request.groupId} does not exist`);
      const group = existing ?? partition.getOrCreateGroup(request.groupId, this.clock.now());
      const joined = this.machine.join(group, request);
      // A group created for a join that was refused outright would otherwise linger, empty, forever.
      if (!existing) joined.catch(() => this.dropIfUnused(partition, group));
      return joined;
    });
  }

  syncGroup(request: SyncGroupRequest): Promise<SyncGroupResult> {
    return attempt(() => {
      requireGroupId(request.groupId);
      // The rebalance in progress was lost with the old coordinator: send the member back to
      // JoinGroup (older clients do not expect COORDINATOR_LOAD_IN_PROGRESS here, Kafka notes).
      if (this.slots.get(this.partitionFor(request.groupId))?.kind === 'loading') {
        throw errors.rebalanceInProgress(`group ${request.groupId} is being loaded`);
      }
      return this.machine.sync(this.existingGroup(request.groupId), request);
    });
  }

  /** Returns normally, or throws the BrokerError to answer. */
  heartbeat(request: HeartbeatRequest): void {
    requireGroupId(request.groupId);
    this.machine.heartbeat(this.existingGroup(request.groupId), request);
  }

  leaveGroup(request: LeaveGroupRequest): LeaveGroupResult {
    requireGroupId(request.groupId);
    const group = this.loadedPartitionOf(request.groupId).groups.get(request.groupId);
    if (!group) {
      return { members: request.memberIds.map((memberId) => ({ memberId, error: errors.unknownMemberId(`group ${request.groupId} does not exist`) })) };
    }
    return this.machine.leave(group, request.memberIds);
  }

  /**
   * Resolves once the commit is durable (acks=all), with per-partition results (a partition whose
   * metadata is too long is refused alone). Rejects with the error every partition gets: refused
   * by the group's state (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS, ...) or a
   * failed append, translated as Kafka does (NOT_ENOUGH_REPLICAS -> COORDINATOR_NOT_AVAILABLE).
   */
  commitOffsets(request: OffsetCommitRequest): Promise<OffsetCommitResult> {
    return attempt(() => {
      const partition = this.loadedPartitionOf(request.groupId);
      let group = partition.groups.get(request.groupId);
      if (!group) {
        checkCommitToUnknownGroup(request.groupId, request.generationId);
        group = partition.getOrCreateGroup(request.groupId, this.clock.now());
      }
      const member = validateOffsetCommit(group, request.memberId, request.generationId);
      // A commit shows the member is alive, as a heartbeat does.
      if (member) this.machine.rebalancer.touch(group, member);
      const plan = planCommit(request, this.config.offsetMetadataMaxBytes, this.clock.now());
      if (plan.records.length === 0) return Promise.resolve(plan.result);
      const committedGroup = group;
      const pendingKeys = plan.accepted.map(({ topic, partition: p }) => pendingKey(request.groupId, topic, p));
      for (const key of pendingKeys) this.pendingCommits.set(key, (this.pendingCommits.get(key) ?? 0) + 1);
      return new Promise<OffsetCommitResult>((resolve, reject) => {
        partition.append(plan.records, (error) => {
          for (const key of pendingKeys) {
            const left = this.pendingCommits.get(key)! - 1;
            if (left === 0) this.pendingCommits.delete(key);
            else this.pendingCommits.set(key, left);
          }
          if (error) return reject(commitAppendError(error));
          // A group deleted meanwhile stays deleted: its tombstones follow this commit in the log.
          if (partition.holds(committedGroup)) {
            for (const { topic, partition: p, value } of plan.accepted) partition.offsets.set(request.groupId, topic, p, value);
          }
          resolve(plan.result);
        });
      });
    });
  }

  /**
   * Durable commits only: a commit still waiting for acks=all is not visible yet. With
   * `requireStable`, its partition is answered UNSTABLE_OFFSET_COMMIT instead, as Kafka does: a
   * member taking over a partition right after its previous owner's last commit (a consumer that
   * commits, then leaves) would otherwise start before that commit and read records twice.
   */
  fetchOffsets(request: OffsetFetchRequest): OffsetFetchResult {
    const result = fetchOffsets(this.loadedPartitionOf(request.groupId).offsets, request);
    if (!request.requireStable || this.pendingCommits.size === 0) return result;
    for (const t of result.topics) {
      t.partitions = t.partitions.map((p) =>
        this.pendingCommits.has(pendingKey(request.groupId, t.topic, p.partition)) ? { partition: p.partition, offset: -1, leaderEpoch: -1, metadata: '', unstable: true } : p,
      );
    }
    return result;
  }

  describeGroup(groupId: string): GroupDescription {
    const group = this.loadedPartitionOf(groupId).groups.get(groupId);
    return group ? describeGroup(group) : describeUnknownGroup(groupId);
  }

  /** Groups of every loaded partition; `error` is COORDINATOR_LOAD_IN_PROGRESS while any partition loads. */
  listGroups(states?: readonly GroupState[]): { groups: GroupListing[]; error?: BrokerError } {
    const groups: GroupListing[] = [];
    let loading = false;
    for (const slot of this.slots.values()) {
      if (slot.kind === 'loading') {
        loading = true;
        continue;
      }
      for (const group of slot.state.groups.values()) {
        if (!states || states.length === 0 || states.includes(group.state)) groups.push(listGroup(group));
      }
    }
    return loading ? { groups, error: errors.coordinatorLoadInProgress('a __consumer_offsets partition is loading') } : { groups };
  }

  /**
   * Deletes Empty groups with their offsets by writing tombstones. As in Kafka the group leaves
   * memory at once; if the tombstones fail to append the group comes back on the next load.
   */
  deleteGroups(groupIds: readonly string[]): Promise<{ groupId: string; error?: BrokerError }[]> {
    return Promise.all(groupIds.map((groupId) => attempt(() => this.deleteGroup(groupId)).then(() => ({ groupId }), (error: BrokerError) => ({ groupId, error }))));
  }

  private deleteGroup(groupId: string): Promise<void> {
    const partition = this.loadedPartitionOf(groupId);
    const group = partition.groups.get(groupId);
    if (!group || group.is('Dead')) throw errors.groupIdNotFound(`group ${groupId} does not exist`);
    if (!group.is('Empty')) throw errors.nonEmptyGroup(`group ${groupId} is ${group.state}`);
    const nowMs = this.clock.now();
    const records = partition.offsets
      .offsetsOf(groupId)
      .map(({ topic, partition: p }) => ({ ...offsetCommitRecord({ group: groupId, topic, partition: p }, null), timestamp: nowMs }));
    records.push({ ...groupMetadataRecord(groupId, null), timestamp: nowMs });
    group.cancelAllTimers();
    group.transitionTo('Dead', nowMs);
    partition.groups.delete(groupId);
    partition.offsets.deleteGroup(groupId);
    this.logger.info({ group: groupId }, 'group deleted');
    return new Promise((resolve, reject) => partition.append(records, (error) => (error ? reject(commitAppendError(error)) : resolve())));
  }

  private storeGroup(group: ClassicGroup, assignments: ReadonlyMap<string, Buffer>, done: (error?: BrokerError) => void): void {
    const slot = this.slots.get(this.partitionFor(group.groupId));
    if (slot?.kind !== 'loaded' || !slot.state.holds(group)) {
      done(errors.notCoordinator(`group ${group.groupId} is no longer coordinated here`));
      return;
    }
    const record = { ...groupMetadataRecord(group.groupId, groupMetadataValue(group, assignments)), timestamp: this.clock.now() };
    slot.state.append([record], (error) => done(error ? groupAppendError(error) : undefined));
  }

  private loadedPartitionOf(groupId: string): CoordinatorPartition {
    const partition = this.partitionFor(groupId);
    const slot = this.slots.get(partition);
    if (!slot) throw errors.notCoordinator(`__consumer_offsets-${partition} (group ${groupId}) is not led by this broker`);
    if (slot.kind === 'loading') throw errors.coordinatorLoadInProgress(`__consumer_offsets-${partition} is loading`);
    return slot.state;
  }

  /** Sync, heartbeat: a group that does not exist has no members, so the member is unknown. */
  private existingGroup(groupId: string): ClassicGroup {
    const group = this.loadedPartitionOf(groupId).groups.get(groupId);
    if (!group) throw errors.unknownMemberId(`group ${groupId} does not exist`);
    return group;
  }

  private dropIfUnused(partition: CoordinatorPartition, group: ClassicGroup): void {
    const unused =
      partition.holds(group) && group.is('Empty') && group.members.size === 0 && group.pendingMembers.size === 0 && group.generationId === 0;
    if (unused && partition.offsets.offsetsOf(group.groupId).length === 0) partition.groups.delete(group.groupId);
  }
}

/** Runs a handler so that a synchronous refusal also arrives as a rejected promise. */
function attempt<T>(handler: () => Promise<T>): Promise<T> {
  try {
    return handler();
  } catch (e) {
    return Promise.reject(e);
  }
}

/** Kafka refuses an empty group id in the membership APIs (offset APIs accept it). */
function requireGroupId(groupId: string): void {
  if (groupId.length === 0) throw errors.invalidGroupId('the group id is empty');
}

function checkConfig(c: GroupCoordinatorConfig): void {
  for (const [name, value] of Object.entries(c)) assert(Number.isInteger(value) && value >= 0, `${name} must be a non-negative integer, got ${value}`);
  assert(c.offsetsTopicNumPartitions > 0, 'offsetsTopicNumPartitions must be positive');
  assert(c.groupMinSessionTimeoutMs <= c.groupMaxSessionTimeoutMs, 'groupMinSessionTimeoutMs must not exceed groupMaxSessionTimeoutMs');
}
