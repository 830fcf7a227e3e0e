import { describe, expect, it } from 'vitest';
import { findPartition, mergeClusterStatus } from '../../../cluster/cluster-status.js';
import { nodeStatus, replica, sample } from './status-fixtures.js';

const leaderRaft = { role: 'leader', term: 4, leader: 1, commit_index: 9, last_index: 9, applied_index: 9, voter: true };

describe('merging node statuses into one cluster picture', () => {
  it('takes a partition from its leader, with every replica log end offset and lag', () => {
    const status = mergeClusterStatus([
      sample(1, nodeStatus(1, { raft: leaderRaft }, [
        replica({ role: 'leader', leader: 1, leader_epoch: 3, high_watermark: 90, log_end_offset: 100, isr: [1, 2], followers: [{ broker_id: 2, log_end_offset: 95, lag: 5, last_caught_up_ms_ago: 1 }, { broker_id: 3, log_end_offset: 40, lag: 60, last_caught_up_ms_ago: 9000 }] }),
      ])),
      sample(2, nodeStatus(2, {}, [replica({ leader_epoch: 3, log_end_offset: 97, isr: [1, 2] })])),
      sample(3),
    ]);
    const p = findPartition(status, 'orders', 0)!;
    expect(p.leader).toBe(1);
    expect(p.leaderEpoch).toBe(3);
    expect(p.isr).toEqual([1, 2]);
    expect(p.highWatermark).toBe(90);
    expect(p.replicaStates).toEqual([
      { id: 1, inIsr: true, logEndOffset: 100, lag: 0 },
      // The replica's own report is fresher than the leader's view of it.
      { id: 2, inIsr: true, logEndOffset: 97, lag: 3 },
      // A dead replica: only the leader knows how far it got.
      { id: 3, inIsr: false, logEndOffset: 40, lag: 60 },
    ]);
    expect(status.activeController).toBe(1);
    expect(status.raftTerm).toBe(4);
  });

  it('trusts the leader with the newest epoch when a deposed leader still claims the partition', () => {
    const status = mergeClusterStatus([
      sample(1, nodeStatus(1, {}, [replica({ role: 'leader', leader: 1, leader_epoch: 2, isr: [1, 2, 3] })])),
      sample(2, nodeStatus(2, {}, [replica({ role: 'leader', leader: 2, leader_epoch: 3, isr: [2, 3] })])),
    ]);
    const p = findPartition(status, 'orders', 0)!;
    expect(p.leader).toBe(2);
    expect(p.isr).toEqual([2, 3]);
  });

  it('picks the Raft leader with the highest term as active controller', () => {
    const status = mergeClusterStatus([
      sample(1, nodeStatus(1, { raft: { ...leaderRaft, term: 2 } })),
      sample(2, nodeStatus(2, { raft: { ...leaderRaft, term: 5, leader: 2 } })),
    ]);
    expect(status.activeController).toBe(2);
    expect(status.raftTerm).toBe(5);
  });

  it('shows a partition with no leader as leader -1 and no high watermark', () => {
    const status = mergeClusterStatus([sample(2, nodeStatus(2, {}, [replica({ role: 'offline', leader: -1, isr: [1] })]))]);
    const p = findPartition(status, 'orders', 0)!;
    expect(p.leader).toBe(-1);
    expect(p.highWatermark).toBeUndefined();
  });

  it('keeps unreachable nodes with their reason and process state', () => {
    const status = mergeClusterStatus([sample(1, nodeStatus(1)), sample(2, undefined, 'dead')]);
    expect(status.nodes[1]).toMatchObject({ id: 2, reachable: false, process: 'dead', error: 'not running' });
    expect(status.nodes[0]).toMatchObject({ id: 1, reachable: true, broker: { registered: true, fenced: false, brokerEpoch: 7 } });
    // The Kafka listener comes from cluster.json, so even a dead node shows where it listens.
    expect(status.nodes[0]).toMatchObject({ address: '127.0.0.1:9001', kafkaAddress: '127.0.0.1:9092', kafkaPort: 9092 });
    expect(status.nodes[1]).toMatchObject({ kafkaAddress: '127.0.0.1:9093', kafkaPort: 9093 });
  });
});
