import { describe, expect, it } from 'vitest';
import { mergeClusterStatus } from '../../../cluster/cluster-status.js';
import { renderStatus } from '../../../src/cli/render/status-view.js';
import { nodeStatus, replica, sample } from '../cluster/status-fixtures.js';

const ANSI = /\u001b\[/;

function exampleStatus() {
  return mergeClusterStatus([
    sample(1, nodeStatus(1, { raft: { role: 'leader', term: 3, leader: 1, commit_index: 1, last_index: 1, applied_index: 1, voter: true } }, [
      replica({ role: 'leader', leader: 1, leader_epoch: 4, high_watermark: 120, log_end_offset: 130, isr: [1, 2], followers: [{ broker_id: 3, log_end_offset: 80, lag: 50, last_caught_up_ms_ago: 5000 }] }),
    ])),
    sample(2, nodeStatus(2, {}, [replica({ leader_epoch: 4, log_end_offset: 125, isr: [1, 2] })])),
    sample(3, undefined, 'paused'),
  ]);
}

describe('status rendering', () => {
  it('prints plain columns without ANSI codes when piped', () => {
    const text = renderStatus(exampleStatus(), { tty: false, dir: '/tmp/c', profile: 'fast' });
    expect(text).not.toMatch(ANSI);
    const lines = text.split('\n');
    expect(lines[0]).toBe('controller 1  raft term 3  profile fast  /tmp/c');
    expect(text).toMatch(/^NODE\s+ROLES\s+PID\s+PROCESS\s+RAFT\s+TERM\s+BROKER\s+BROKER_EPOCH\s+KAFKA\s+METRICS\s+FAULTS$/m);
    expect(text).toMatch(/^1\s+controller\+broker\s+1001\s+up\s+leader\s+3\s+unfenced\s+7\s+9092\s+-\s+-$/m);
    expect(text).toMatch(/^3\s+controller\+broker\s+1003\s+paused\s/m);
    expect(text).toMatch(/^TOPIC\s+PARTITION\s+LEADER\s+LEADER_EPOCH\s+REPLICAS\s+ISR\s+HW\s+LEO\(LAG\) PER REPLICA$/m);
    expect(text).toMatch(/^orders\s+0\s+1\s+4\s+1,2,3\s+1,2\s+120\s+1=130 2=125\(5\) 3=80\(50\)$/m);
  });

  it('uses colour and a compact layout on a terminal, with the same facts', () => {
    const text = renderStatus(exampleStatus(), { tty: true });
    expect(text).toMatch(ANSI);
    const plain = text.replace(/\u001b\[[0-9;]*m/g, '');
    expect(plain).not.toMatch(/^NODE/m);
    expect(plain).toMatch(/● 1 CB\s+pid 1001\s+up\s+leader\s+unfenced\s+epoch 7\s+kafka :9092/);
    expect(plain).toMatch(/orders-0\s+1\s+e4\s+1,2\s+120\s+1=130 2=125\(5\) 3=80\(50\)/);
    // The replica outside the ISR is red.
    expect(text).toContain('\u001b[31m3=80(50)\u001b[39m');
  });

  it("shows '-' for the Kafka port of a node without a listener (controller-only)", () => {
    const controllerOnly = { ...sample(4, nodeStatus(4, { roles: ['controller'], broker: null })), roles: ['controller' as const] };
    delete controllerOnly.kafka;
    const text = renderStatus(mergeClusterStatus([controllerOnly]), { tty: false });
    expect(text).toMatch(/^4\s+controller\s+1004\s+up\s+follower\s+1\s+-\s+-\s+-\s+-\s+-$/m);
  });

  it("shows each node's metrics port from cluster.json, plain and compact", () => {
    const status = mergeClusterStatus([{ ...sample(1, nodeStatus(1, {})), metrics: { host: '127.0.0.1', port: 9404 } }]);
    expect(status.nodes[0]).toMatchObject({ metricsAddress: '127.0.0.1:9404', metricsPort: 9404 });
    expect(renderStatus(status, { tty: false })).toMatch(/^1\s+controller\+broker\s+.*\s9092\s+9404\s+-$/m);
    expect(renderStatus(status, { tty: true }).replace(/\u001b\[[0-9;]*m/g, '')).toMatch(/kafka :9092\s+metrics :9404/);
  });

  it('says when there is no controller or no topic yet', () => {
    const text = renderStatus(mergeClusterStatus([sample(1, undefined, 'dead')]), { tty: false });
    expect(text).toContain('no active controller');
    expect(text).toContain('no topics yet');
    expect(text).toMatch(/^1\s+controller\+broker\s+1001\s+dead/m);
  });
});
