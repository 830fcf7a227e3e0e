// A real 3-node cluster serving the consumer-group gRPC API (group.proto), driven directly:
// FindCoordinator creates __consumer_offsets, two members form a group, heartbeat and commit;
// then the coordinator's broker is SIGKILLed and another broker takes over the group with every
// committed offset, and the members rejoin there.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type LocalCluster } from '../../src/index.js';
import { assignGroup, decodeAssignment, encodeSubscription, partitionForGroup, rangeAssignor } from '../../src/broker/group/index.js';
import { groupCoordinatorConstructor } from '../../src/client/group-wire.js';
import { nodeBuilt, SKIP_REASON } from '../support/cluster-helpers.js';

const GROUP = 'billing';
const OFFSETS_PARTITIONS = 10;
const SESSION_MS = 10_000;
const CALL_MS = 15_000;
const WAIT_MS = 30_000;

const NONE = 0;
const COORDINATOR_LOAD_IN_PROGRESS = 14;
const COORDINATOR_NOT_AVAILABLE = 15;
const NOT_COORDINATOR = 16;
const REBALANCE_IN_PROGRESS = 27;
const MEMBER_ID_REQUIRED = 79;
/** Not a Kafka code: the call itself failed (the broker is down). */
const UNREACHABLE = -100;
/** Answers a client meets while a coordinator moves: look again and retry. */
const RETRIABLE = new Set([COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR, UNREACHABLE]);

interface Response {
  error_code: number;
  error_message: string;
  [field: string]: unknown;
}

type GroupClient = grpc.Client & Record<string, (request: object, options: grpc.CallOptions, callback: (e: grpc.ServiceError | null, r: Response) => void) => void>;

const GroupCoordinatorClient = groupCoordinatorConstructor();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!nodeBuilt)(`group coordinator over gRPC on a 3-node cluster (${SKIP_REASON})`, () => {
  let cluster: LocalCluster;
  const clients = new Map<number, GroupClient>();

  const client = (nodeId: number): GroupClient => {
    let c = clients.get(nodeId);
    if (!c) {
      const node = cluster.nodes.find((n) => n.id === nodeId)!;
      c = new GroupCoordinatorClient(node.address, grpc.credentials.createInsecure()) as unknown as GroupClient;
      clients.set(nodeId, c);
    }
    return c;
  };

  const call = (nodeId: number, method: string, request: object): Promise<Response> =>
    new Promise((resolve, reject) => {
      client(nodeId)[method]!(request, { deadline: Date.now() + CALL_MS }, (e, r) => (e ? reject(e) : resolve(r)));
    });

  /** A call that failed at the gRPC level (a dead peer), as a response a retry loop can look at. */
  const unreachable = (e: Error): Response => ({ error_code: UNREACHABLE, error_message: e.message });

  const killed = new Set<number>();
  const liveNodes = (): number[] => cluster.nodes.map((n) => n.id).filter((id) => !killed.has(id));

  /** FindCoordinator through each live node until all of them name the same live broker. */
  const findCoordinator = async (): Promise<number> => {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const answers = await Promise.all(liveNodes().map((id) => call(id, 'FindCoordinator', { group_id: GROUP }).catch(unreachable)));
      const ids = new Set(answers.map((a) => (a.error_code === NONE ? (a['node_id'] as number) : -1)));
      const [only] = ids;
      if (ids.size === 1 && only !== undefined && liveNodes().includes(only)) {
        const node = cluster.nodes.find((n) => n.id === only)!;
        for (const a of answers) expect(`${a['host']}:${a['port']}`).toBe(node.address);
        return only;
      }
      if (Date.now() > deadline) throw new Error(`FindCoordinator did not settle: ${JSON.stringify(answers)}`);
      await sleep(100);
    }
  };

  /** The broker currently believed to coordinate GROUP. */
  let coordinator = -1;

  /**
   * Calls the coordinator as a Kafka client does: on NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE
   * or an unreachable broker it looks the coordinator up again; it waits out a load in progress.
   * A busy machine can move leaderships at any time, so every group call goes through here.
   */
  const settle = async (method: string, request: object): Promise<Response> => {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const r = await call(coordinator, method, request).catch(unreachable);
      if (!RETRIABLE.has(r.error_code)) return r;
      if (Date.now() > deadline) throw new Error(`${method} kept failing: ${r.error_code} ${r.error_message}`);
      await sleep(100);
      if (r.error_code !== COORDINATOR_LOAD_IN_PROGRESS) coordinator = await findCoordinator();
    }
  };

  /** One consumer driving the classic protocol by hand. */
  class Member {
    memberId = '';
    generationId = -1;
    leaderId = '';
    assignment: { topic: string; partitions: number[] }[] = [];
    constructor(readonly clientId: string) {}

    /**
     * JoinGroup (twice on a first join: MEMBER_ID_REQUIRED hands out the id), then SyncGroup; again
     * if the sync meets a rebalance (the coordinator moved mid-round and lost it).
     */
    async join(): Promise<Response> {
      for (;;) {
        const joined = await this.joinOnce();
        const synced = await this.sync(joined);
        if (synced.error_code === REBALANCE_IN_PROGRESS) continue;
        expect(synced.error_code, synced.error_message).toBe(NONE);
        this.assignment = decodeAssignment(synced['assignment'] as Buffer).partitions.map((p) => ({ topic: p.topic, partitions: [...p.partitions] }));
        return joined;
      }
    }

    private async joinOnce(): Promise<Response> {
      let joined: Response;
      for (;;) {
        joined = await settle('JoinGroup', {
          group_id: GROUP,
          member_id: this.memberId,
          client_id: this.clientId,
          session_timeout_ms: SESSION_MS,
          rebalance_timeout_ms: SESSION_MS,
          protocol_type: 'consumer',
          protocols: [{ name: 'range', metadata: encodeSubscription({ topics: ['orders'] }) }],
        });
        if (joined.error_code !== MEMBER_ID_REQUIRED) break;
        expect(this.memberId).toBe('');
        this.memberId = joined['member_id'] as string;
        expect(this.memberId).not.toBe('');
      }
      expect(joined.error_code, joined.error_message).toBe(NONE);
      this.generationId = joined['generation_id'] as number;
      this.leaderId = joined['leader_id'] as string;
      return joined;
    }

    /** The leader assigns orders' 4 partitions with the range assignor; the others send nothing. */
    private sync(joined: Response): Promise<Response> {
      const members = joined['members'] as { member_id: string; metadata: Buffer }[];
      const assignments =
        this.leaderId === this.memberId
          ? assignGroup(rangeAssignor, new Map([['orders', 4]]), members.map((m) => ({ memberId: m.member_id, metadata: m.metadata }))).map((a) => ({ member_id: a.memberId, assignment: a.assignment }))
          : [];
      return settle('SyncGroup', { group_id: GROUP, generation_id: this.generationId, member_id: this.memberId, assignments });
    }

    heartbeat(): Promise<Response> {
      return settle('Heartbeat', { group_id: GROUP, generation_id: this.generationId, member_id: this.memberId });
    }

    /** Heartbeats until the coordinator announces a rebalance (another member joined). */
    async awaitRebalance(): Promise<void> {
      const deadline = Date.now() + WAIT_MS;
      for (;;) {
        const r = await this.heartbeat();
        if (r.error_code === REBALANCE_IN_PROGRESS) return;
        expect(r.error_code, r.error_message).toBe(NONE);
        if (Date.now() > deadline) throw new Error('no rebalance announced');
        await sleep(100);
      }
    }
  }

  /** Two members in one generation: `a` first alone, then `b` joins and `a` rejoins on the heartbeat's REBALANCE_IN_PROGRESS. */
  const formGroup = async (a: Member, b: Member): Promise<void> => {
    await a.join();
    const joiningB = b.join();
    await a.awaitRebalance();
    const [joinedA, joinedB] = await Promise.all([a.join(), joiningB]);
    expect(a.generationId).toBe(b.generationId);
    const leader = joinedA['leader_id'] === a.memberId ? joinedA : joinedB;
    expect((leader['members'] as unknown[]).length).toBe(2);
    // The range assignor splits orders' 4 partitions between the two members.
    expect([...a.assignment.flatMap((t) => t.partitions), ...b.assignment.flatMap((t) => t.partitions)].sort()).toEqual([0, 1, 2, 3]);
    expect(a.assignment.flatMap((t) => t.partitions)).toHaveLength(2);
  };

  const committed = async (topics: object[]): Promise<Record<string, number>> => {
    const fetched = await settle('OffsetFetch', { group_id: GROUP, topics });
    expect(fetched.error_code, fetched.error_message).toBe(NONE);
    const offsets = fetched['offsets'] as { topic: string; partition: number; offset: number; error_code: number }[];
    return Object.fromEntries(offsets.map((o) => [`${o.topic}-${o.partition}`, o.offset]));
  };

  beforeAll(async () => {
    cluster = await startCluster({ nodes: 3 });
  }, 60_000);
  afterAll(async () => {
    for (const c of clients.values()) c.close();
    await cluster?.stop();
  });

  it('creates __consumer_offsets on FindCoordinator, runs a 2-member group, commits, and keeps every commit across a coordinator crash', async () => {
    coordinator = await findCoordinator();
    const status = await cluster.status();
    const offsetsPartitions = status.partitions.filter((p) => p.topic === '__consumer_offsets');
    expect(offsetsPartitions.map((p) => p.partition).sort((x, y) => x - y)).toEqual([...Array(OFFSETS_PARTITIONS).keys()]);
    for (const p of offsetsPartitions) expect(p.replicas).toHaveLength(3);
    expect(partitionForGroup(GROUP, OFFSETS_PARTITIONS)).toBe(9);

    // Brokers that are not the coordinator refuse the group (unless leadership just moved to one,
    // which would answer UNKNOWN_MEMBER_ID for this made-up member).
    const others = liveNodes().filter((id) => id !== coordinator);
    const refusals = await Promise.all(others.map((id) => call(id, 'Heartbeat', { group_id: GROUP, generation_id: 1, member_id: 'm' })));
    expect(refusals.map((r) => r.error_code)).toContain(NOT_COORDINATOR);

    const a = new Member('consumer-a');
    const b = new Member('consumer-b');
    await formGroup(a, b);
    for (const m of [a, b]) expect((await m.heartbeat()).error_code).toBe(NONE);

    const commit = await settle('OffsetCommit', {
      group_id: GROUP,
      generation_id: a.generationId,
      member_id: a.memberId,
      offsets: [
        { topic: 'orders', partition: 0, offset: 42, metadata: 'a' },
        { topic: 'orders', partition: 1, offset: 17, metadata: '' },
      ],
    });
    expect(commit.error_code, commit.error_message).toBe(NONE);
    expect((commit['offsets'] as { error_code: number }[]).map((o) => o.error_code)).toEqual([NONE, NONE]);
    const wanted = [{ topic: 'orders', partitions: [0, 1, 2] }];
    expect(await committed(wanted)).toEqual({ 'orders-0': 42, 'orders-1': 17, 'orders-2': -1 });
    const generationBefore = a.generationId;

    // The coordinator's broker dies without warning.
    const crashed = coordinator;
    killed.add(crashed);
    await cluster.kill(crashed);
    coordinator = await findCoordinator();
    expect(coordinator).not.toBe(crashed);

    // The new coordinator loaded the partition: nothing committed is lost.
    expect(await committed(wanted)).toEqual({ 'orders-0': 42, 'orders-1': 17, 'orders-2': -1 });
    expect(await committed([])).toEqual({ 'orders-0': 42, 'orders-1': 17 });

    // The group came back in its generation: the members heartbeat on, then rejoin for a new one.
    for (const m of [a, b]) {
      const beat = await settle('Heartbeat', { group_id: GROUP, generation_id: m.generationId, member_id: m.memberId });
      expect(beat.error_code, beat.error_message).toBe(NONE);
    }
    // The leader rejoining starts a rebalance (a follower rejoining unchanged would just get the
    // current generation back); the follower hears of it on its heartbeat.
    const [leader, follower] = a.leaderId === a.memberId ? [a, b] : [b, a];
    const rejoiningLeader = leader.join();
    await follower.awaitRebalance();
    await Promise.all([rejoiningLeader, follower.join()]);
    expect(leader.generationId).toBeGreaterThan(generationBefore);
    expect(follower.generationId).toBe(leader.generationId);

    const after = await settle('OffsetCommit', {
      group_id: GROUP,
      generation_id: follower.generationId,
      member_id: follower.memberId,
      offsets: [{ topic: 'orders', partition: 2, offset: 5, metadata: '' }],
    });
    expect(after.error_code, after.error_message).toBe(NONE);
    expect(await committed(wanted)).toEqual({ 'orders-0': 42, 'orders-1': 17, 'orders-2': 5 });

    const described = await call(coordinator, 'DescribeGroups', { group_ids: [GROUP] });
    const [group] = described['groups'] as { error_code: number; state: string; members: unknown[]; generation_id: number }[];
    expect(group).toMatchObject({ error_code: NONE, state: 'Stable', generation_id: a.generationId });
    expect(group!.members).toHaveLength(2);
    const listed = await call(coordinator, 'ListGroups', {});
    expect(listed['groups']).toContainEqual({ group_id: GROUP, protocol_type: 'consumer', state: 'Stable' });
  });
});
