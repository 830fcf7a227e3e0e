/**
 * The metadata quorum as this node sees it, named after Kafka's raft-metrics (the JMX exporter
 * turns `kafka.server:type=raft-metrics,name=current-epoch` into `kafka_server_raft_metrics_current_epoch`):
 * term, leader, committed and last index, applied index, role, plus counts of leader changes and
 * of elections this node started, counted as the driver reports each state change.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { RaftDriver, RaftDriverStatus } from '../../raft/driver.js';
import { snapshotPerScrape } from './snapshot-per-scrape.js';

const ROLES = ['leader', 'follower', 'candidate', 'precandidate', 'learner'] as const;

export type RaftMetricsSource = Pick<RaftDriver, 'status' | 'onStateChange'>;

export interface RaftMetrics {
  /** Starts counting the driver's state changes (the driver exists only once the node started). */
  attach(driver: RaftMetricsSource): () => void;
}

export function registerRaftMetrics(registry: Registry): RaftMetrics {
  const registers = [registry];
  let driver: RaftMetricsSource | undefined;
  const status = snapshotPerScrape((): RaftDriverStatus | undefined => driver?.status());
  const gauge = (name: string, help: string, read: (s: RaftDriverStatus) => number): void => {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const s = status();
        this.set(s ? read(s) : 0);
      },
    });
  };
  gauge('kafka_server_raft_metrics_current_epoch', 'The Raft term (Kafka: epoch) this node is in.', (s) => s.term);
  gauge('kafka_server_raft_metrics_current_leader', 'The metadata quorum leader (the active controller) this node knows; 0 when none.', (s) => s.leader);
  gauge('kafka_server_raft_metrics_high_watermark', 'The committed index of the metadata log.', (s) => s.commitIndex);
  gauge('kafka_server_raft_metrics_log_end_offset', 'The last index in this node’s copy of the metadata log.', (s) => s.lastIndex);
  gauge('kafka_server_raft_metrics_applied_offset', 'The last metadata log index this node applied to its image.', (s) => s.appliedIndex);
  gauge('kafka_server_raft_metrics_pending_proposals', 'Proposals waiting for the quorum to commit them.', (s) => s.pendingProposals);
  new Gauge({
    name: 'kafka_server_raft_metrics_current_state',
    help: "1 for this node's current Raft role, 0 for the others.",
    labelNames: ['state'] as const,
    registers,
    collect() {
      const role = status()?.role;
      for (const state of ROLES) this.set({ state }, state === role ? 1 : 0);
    },
  });
  const leaderChanges = new Counter({
    name: 'kafka_server_raft_metrics_leader_changes_total',
    help: 'Times this node saw the metadata quorum get a new leader.',
    registers,
  });
  const elections = new Counter({ name: 'kafka_server_raft_metrics_elections_total', help: 'Elections this node started as a candidate.', registers });
  return {
    attach(source) {
      driver = source;
      let leader = source.status().leader;
      let role = source.status().role;
      return source.onStateChange((change) => {
        if (change.leader !== 0 && change.leader !== leader) leaderChanges.inc();
        if (change.role === 'candidate' && role !== 'candidate') elections.inc();
        leader = change.leader;
        role = change.role;
      });
    },
  };
}
