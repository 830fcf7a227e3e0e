/**
 * `brokerlab status` as text: the nodes (with each broker's Kafka port), the active controller and Raft term, and every
 * partition with its leader, epoch, replicas, ISR, high watermark and each replica's log end
 * offset and lag. On a terminal: colour and a compact layout; piped: plain columns, no ANSI codes.
 */
import type { ClusterStatus, NodeView, PartitionView, ReplicaView } from '../../../cluster/index.js';
import { createStyle, table, type Style } from './style.js';

export interface StatusViewOptions {
  /** Colour and the compact layout (a terminal). */
  tty: boolean;
  dir?: string;
  profile?: string;
}

export function renderStatus(status: ClusterStatus, options: StatusViewOptions): string {
  const style = createStyle(options.tty);
  const lines = [headline(status, options, style)];
  for (const cut of status.networkPartitions ?? []) lines.push(style.magenta(`network partition {${cut.nodes.join(',')}} | {${cut.others.join(',')}}`));
  lines.push('');
  lines.push(...(options.tty ? compactNodes(status, style) : plainNodes(status)));
  lines.push('');
  if (status.partitions.length === 0) lines.push(style.dim('no topics yet'));
  else lines.push(...(options.tty ? compactPartitions(status.partitions, style) : plainPartitions(status.partitions)));
  return `${lines.join('\n')}\n`;
}

function headline(status: ClusterStatus, options: StatusViewOptions, style: Style): string {
  const controller =
    status.activeController !== undefined ? `controller ${style.bold(String(status.activeController))}` : style.red('no active controller');
  const term = status.raftTerm !== undefined ? `raft term ${status.raftTerm}` : 'raft term ?';
  const parts = [controller, term];
  if (options.profile) parts.push(`profile ${options.profile}`);
  if (options.dir) parts.push(style.dim(options.dir));
  return parts.join('  ');
}

function rolesOf(node: NodeView, short: boolean): string {
  if (short) return node.roles.map((r) => (r === 'controller' ? 'C' : 'B')).join('');
  return node.roles.join('+');
}

function processLabel(node: NodeView, style: Style): string {
  if (node.process === 'dead') return style.red('dead');
  if (node.process === 'paused') return style.yellow('paused');
  return node.reachable ? style.green('up') : style.yellow('up, not answering');
}

function brokerLabel(node: NodeView, style: Style): string {
  if (!node.roles.includes('broker')) return '-';
  if (!node.broker) return '?';
  if (node.broker.inControlledShutdown) return style.yellow('shutting down');
  if (!node.broker.registered) return style.yellow('unregistered');
  return node.broker.fenced ? style.red('fenced') : style.green('unfenced');
}

function faultsLabel(node: NodeView): string {
  const f = node.faults;
  if (!f) return '-';
  const parts: string[] = [];
  if (f.isolate) parts.push('isolated');
  if (f.delay_ms > 0) parts.push(`+${f.delay_ms}ms`);
  const dropped = f.peers.filter((p) => p.drop).map((p) => p.node_id);
  if (dropped.length > 0) parts.push(`drops ${dropped.join(',')}`);
  if (f.clients_isolate) parts.push('clients isolated');
  if ((f.clients_delay_ms ?? 0) > 0) parts.push(`clients +${f.clients_delay_ms}ms`);
  return parts.length > 0 ? parts.join(' ') : '-';
}

function plainNodes(status: ClusterStatus): string[] {
  const rows = [['NODE', 'ROLES', 'PID', 'PROCESS', 'RAFT', 'TERM', 'BROKER', 'BROKER_EPOCH', 'KAFKA', 'METRICS', 'FAULTS']];
  const style = createStyle(false);
  for (const n of status.nodes) {
    rows.push([
      String(n.id),
      rolesOf(n, false),
      n.pid !== null ? String(n.pid) : '-',
      processLabel(n, style),
      n.raft?.role ?? '-',
      n.raft ? String(n.raft.term) : '-',
      brokerLabel(n, style),
      n.broker ? String(n.broker.brokerEpoch) : '-',
      n.kafkaPort !== undefined ? String(n.kafkaPort) : '-',
      n.metricsPort !== undefined ? String(n.metricsPort) : '-',
      faultsLabel(n),
    ]);
  }
  return table(rows);
}

function compactNodes(status: ClusterStatus, style: Style): string[] {
  const dot = (n: NodeView) => (n.process === 'dead' ? style.red('●') : n.process === 'paused' || !n.reachable ? style.yellow('●') : style.green('●'));
  const rows = status.nodes.map((n) => {
    const raft = n.raft ? (n.raft.role === 'leader' ? style.bold(style.cyan('leader')) : n.raft.role) : '';
    return [
      `${dot(n)} ${style.bold(String(n.id))}`,
      rolesOf(n, true),
      n.pid !== null ? `pid ${n.pid}` : '',
      processLabel(n, style),
      raft,
      brokerLabel(n, style),
      n.broker ? `epoch ${n.broker.brokerEpoch}` : '',
      n.kafkaPort !== undefined ? `kafka :${n.kafkaPort}` : '',
      n.metricsPort !== undefined ? `metrics :${n.metricsPort}` : '',
      faultsLabel(n) === '-' ? '' : style.magenta(faultsLabel(n)),
    ];
  });
  return table(rows, 1);
}

function replicaCell(r: ReplicaView, p: PartitionView): string {
  const leo = r.logEndOffset !== undefined ? String(r.logEndOffset) : '?';
  const lag = r.lag !== undefined && r.id !== p.leader ? `(${r.lag})` : '';
  return `${r.id}=${leo}${lag}`;
}

function plainPartitions(partitions: readonly PartitionView[]): string[] {
  const rows = [['TOPIC', 'PARTITION', 'LEADER', 'LEADER_EPOCH', 'REPLICAS', 'ISR', 'HW', 'LEO(LAG) PER REPLICA']];
  for (const p of partitions) {
    rows.push([
      p.topic,
      String(p.partition),
      p.leader > 0 ? String(p.leader) : 'none',
      String(p.leaderEpoch),
      p.replicas.join(','),
      p.isr.join(','),
      p.highWatermark !== undefined ? String(p.highWatermark) : '?',
      p.replicaStates.map((r) => replicaCell(r, p)).join(' '),
    ]);
  }
  return table(rows);
}

function compactPartitions(partitions: readonly PartitionView[], style: Style): string[] {
  const rows = [[style.dim('partition'), style.dim('leader'), style.dim('epoch'), style.dim('isr'), style.dim('hw'), style.dim('replicas: leo(lag)')]];
  for (const p of partitions) {
    const shrunk = p.isr.length < p.replicas.length;
    const replicas = p.replicaStates.map((r) => {
      const cell = replicaCell(r, p);
      if (r.id === p.leader) return style.bold(style.cyan(cell));
      return r.inIsr ? cell : style.red(cell);
    });
    rows.push([
      `${p.topic}-${p.partition}`,
      p.leader > 0 ? style.bold(String(p.leader)) : style.red('none'),
      `e${p.leaderEpoch}`,
      shrunk ? style.yellow(p.isr.join(',')) : p.isr.join(','),
      p.highWatermark !== undefined ? String(p.highWatermark) : '?',
      replicas.join(' '),
    ]);
  }
  return table(rows, 2);
}
