// What the dashboard page is given: node states from the process table and the supervisor's
// faults, partitions with their replicas, rates; built from fixed inputs, no cluster.
import { describe, expect, it } from 'vitest';
import type { ClusterStatus, NodeView } from '../../../cluster/cluster-status.js';
import { buildSnapshot, nodeStateOf } from '../../../cluster/dashboard/snapshot.js';
import { newClusterState, noFaults, type ClusterNodeRecord, type FaultState } from '../../../cluster/run-dir.js';

function record(id: number, pid: number | null): ClusterNodeRecord {
  return {
    id,
    roles: ['controller', 'broker'],
    host: '127.0.0.1',
    port: 41000 + id,
    dataDir: `/run/data/node-${id}`,
    configFile: `/run/config/node-${id}.json`,
    logFile: `/run/logs/node-${id}.log`,
    outFile: `/run/logs/node-${id}.out`,
    pid,
  };
}

function view(id: number, process: NodeView['process'], extra: Partial<NodeView> = {}): NodeView {
  return { id, roles: ['controller', 'broker'], address: `127.0.0.1:${41000 + id}`, pid: process === 'dead' ? null : 100 + id, process, reachable: process === 'up', ...extra };
}

const state = (pids: (number | null)[], faults: FaultState = noFaults()) => ({ ...newClusterState('fast', {}, pids.map((pid, i) => record(i + 1, pid))), faults });

describe('node states', () => {
  it('tells a killed node (pid kept) from a stopped one (pid cleared)', () => {
    const s = state([101, null, 103]);
    expect(nodeStateOf(view(1, 'dead'), s)).toBe('dead');
    expect(nodeStateOf(view(2, 'dead'), s)).toBe('stopped');
    expect(nodeStateOf(view(3, 'paused'), s)).toBe('paused');
    expect(nodeStateOf(view(3, 'up'), s)).toBe('running');
  });

  it('calls only the isolated node isolated, not the peers that drop its traffic', () => {
    const s = state([101, 102, 103], { ...noFaults(), isolated: [2] });
    expect([1, 2, 3].map((id) => nodeStateOf(view(id, 'up'), s))).toEqual(['running', 'isolated', 'running']);
  });

  it('counts both sides of a network partition, client isolation and delays', () => {
    const cut = state([101, 102, 103], { ...noFaults(), partitions: [{ nodes: [1], others: [2] }] });
    expect([1, 2, 3].map((id) => nodeStateOf(view(id, 'up'), cut))).toEqual(['isolated', 'isolated', 'running']);
    const clients = state([101, 102, 103], { ...noFaults(), clientsIsolated: [3], delays: { '1': 50 }, clientsDelays: { '2': 200 } });
    expect([1, 2, 3].map((id) => nodeStateOf(view(id, 'up'), clients))).toEqual(['delayed', 'delayed', 'isolated']);
  });

  it('a process fault wins over a network fault', () => {
    const s = state([101, 102, 103], { ...noFaults(), isolated: [1, 2] });
    expect(nodeStateOf(view(1, 'paused'), s)).toBe('paused');
    expect(nodeStateOf(view(2, 'dead'), s)).toBe('dead');
  });
});

describe('buildSnapshot', () => {
  const status: ClusterStatus = {
    takenAtMs: 1_700_000_000_000,
    activeController: 2,
    raftTerm: 4,
    nodes: [
      view(1, 'dead', { error: 'not running' }),
      view(2, 'up', { raft: { role: 'leader', term: 4, leader: 2, commitIndex: 10, appliedIndex: 10, voter: true }, broker: { registered: true, fenced: false, brokerEpoch: 7, inControlledShutdown: false } }),
      view(3, 'up'),
    ],
    partitions: [
      {
        topic: 'orders',
        partition: 0,
        leader: 2,
        leaderEpoch: 3,
        replicas: [1, 2, 3],
        isr: [2, 3],
        highWatermark: 40,
        replicaStates: [
          { id: 1, inIsr: false, logEndOffset: 30, lag: 12 },
          { id: 2, inIsr: true, logEndOffset: 42, lag: 0 },
          { id: 3, inIsr: true, logEndOffset: 40, lag: 2 },
        ],
      },
      { topic: 'orders', partition: 1, leader: -1, leaderEpoch: 5, replicas: [1], isr: [1], replicaStates: [{ id: 1, inIsr: true }] },
    ],
  };

  it('gives each node its state, role, controller flag, faults and leaderships, and each partition its replicas', () => {
    const s = state([101, 102, 103], { ...noFaults(), delays: { '3': 75 } });
    const rates = { atMs: 1, messagesInPerSec: 12, bytesOutPerSec: 300, groupLag: { billing: 5 }, nodes: [{ id: 2, messagesInPerSec: 12, bytesOutPerSec: 300 }, { id: 1, error: 'not running' }] };
    const snapshot = buildSnapshot(status, s, '/run', rates);
    expect(snapshot).toMatchObject({ takenAtMs: status.takenAtMs, runDir: '/run', profile: 'fast', activeController: 2, raftTerm: 4, networkPartitions: [] });
    expect(snapshot.nodes.map((n) => [n.id, n.state, n.isController, n.leaderOf, n.faults])).toEqual([
      [1, 'dead', false, 0, 'none'],
      [2, 'running', true, 1, 'none'],
      [3, 'delayed', false, 0, 'delay 75 ms'],
    ]);
    expect(snapshot.nodes[0]).toMatchObject({ reachable: false, error: 'not running', metricsError: 'not running' });
    expect(snapshot.nodes[1]).toMatchObject({ raftRole: 'leader', raftTerm: 4, brokerEpoch: 7, fenced: false, messagesInPerSec: 12, bytesOutPerSec: 300 });
    expect(snapshot.partitions[0]).toEqual({
      key: 'orders-0',
      topic: 'orders',
      partition: 0,
      leader: 2,
      leaderEpoch: 3,
      highWatermark: 40,
      isr: [2, 3],
      underReplicated: true,
      replicas: [
        { id: 1, isLeader: false, inIsr: false, logEndOffset: 30, lag: 12 },
        { id: 2, isLeader: true, inIsr: true, logEndOffset: 42, lag: 0 },
        { id: 3, isLeader: false, inIsr: true, logEndOffset: 40, lag: 2 },
      ],
    });
    expect(snapshot.partitions[1]).toMatchObject({ key: 'orders-1', leader: -1, underReplicated: false, replicas: [{ id: 1, isLeader: false, inIsr: true }] });
    expect(snapshot.partitions[1]).not.toHaveProperty('highWatermark');
    expect(snapshot.rates?.groupLag).toEqual({ billing: 5 });
  });

  it('names network partitions in force and survives JSON', () => {
    const s = state([101, 102, 103], { ...noFaults(), partitions: [{ nodes: [1], others: [2, 3] }] });
    const snapshot = buildSnapshot(status, s, '/run');
    expect(snapshot.networkPartitions).toEqual(['{1} | {2,3}']);
    expect(snapshot).not.toHaveProperty('rates');
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
  });
});
