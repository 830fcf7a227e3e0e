/** `brokerlab metrics` as a table: one row per node, the key figures of its `/metrics`. */
import type { KeyFigures } from '../metrics/key-figures.js';
import { table } from './style.js';

export interface NodeMetricsRow {
  id: number;
  address: string;
  figures?: KeyFigures;
  /** Why the node could not be scraped. */
  error?: string;
}

const HEADER = ['NODE', 'METRICS', 'UNDER_REPL', 'OFFLINE', 'UNDER_MIN_ISR', 'LEADERS', 'PARTITIONS', 'MSGS_IN', 'MSGS_IN/S', 'PRODUCE_P99', 'FETCH_P99', 'RAFT_TERM', 'COMMIT', 'RSS', 'LOOP_LAG_P99'];

export function renderMetrics(rows: readonly NodeMetricsRow[]): string {
  const lines = table([
    HEADER,
    ...rows.map((r) => {
      // The reason goes below the table, so one long error does not widen a column.
      if (!r.figures) return [String(r.id), r.address, 'unreachable'];
      const f = r.figures;
      return [
        String(r.id),
        r.address,
        count(f.underReplicated),
        count(f.offlinePartitions),
        count(f.underMinIsr),
        count(f.leaders),
        count(f.partitions),
        count(f.messagesInTotal),
        f.messagesInPerSec === undefined ? '-' : f.messagesInPerSec.toFixed(f.messagesInPerSec < 10 ? 1 : 0),
        ms(f.produceP99Ms),
        ms(f.fetchP99Ms),
        count(f.raftTerm),
        count(f.raftCommitIndex),
        f.rssBytes === undefined ? '-' : `${(f.rssBytes / 1024 / 1024).toFixed(0)} MiB`,
        ms(f.eventLoopLagP99Ms),
      ];
    }),
  ]);
  for (const r of rows) if (!r.figures) lines.push(`node ${r.id}: ${r.error ?? 'no answer'}`);
  return `${lines.join('\n')}\n`;
}

function count(value: number | undefined): string {
  return value === undefined ? '-' : String(value);
}

function ms(value: number | undefined): string {
  return value === undefined ? '-' : `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ms`;
}
