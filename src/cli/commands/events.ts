/**
 * `brokerlab events [--follow] [--json] [--since 5m] [-n N]`: the cluster's event log (brokers
 * fenced and back, leaders elected, ISR changes, rebalances...), every node's merged in time
 * order. --json prints one ClusterEvent per line, for scripts; --follow keeps printing until Ctrl-C.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { RunDir } from '../../../cluster/run-dir.js';
import { describeEvent, followEvents, readEvents, type ClusterEvent } from '../../../cluster/events.js';
import { CliError } from '../errors.js';
import { openCluster, print, runDirOf } from '../context.js';
import { integerParser, parseNonNegative } from '../options.js';

interface EventsOptions {
  follow?: boolean;
  json?: boolean;
  since?: number;
  lines?: number;
  interval: number;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since 5m` (ago), `90s`, `1h`, or an ISO time: the epoch ms to start from. */
export function parseSince(value: string, nowMs = Date.now()): number {
  const relative = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
  if (relative) return nowMs - Number(relative[1]) * UNIT_MS[relative[2]!]!;
  const absolute = Date.parse(value);
  if (Number.isNaN(absolute)) throw new CliError(`--since wants a duration ago (30s, 5m, 2h) or a date-time; got "${value}"`, 2);
  return absolute;
}

export function registerEvents(program: Command): void {
  program
    .command('events')
    .description("the cluster's event log: brokers fenced and back, leaders elected, ISR changes, rebalances, in time order")
    .option('-f, --follow', 'keep printing new events until Ctrl-C')
    .option('--json', 'one JSON object per line: {atMs, node, kind, text, fields}')
    .option('--since <when>', 'only events since a duration ago (30s, 5m, 2h) or a date-time', (v: string) => parseSince(v))
    .option('-n, --lines <count>', 'only the newest count events', parseNonNegative)
    .option('--interval <ms>', 'how often --follow looks for new events', integerParser(20, 10_000), 250)
    .action(async (options: EventsOptions, command: Command) => {
      const runDir = runDirOf(command);
      // A directory kept from a finished run (no cluster.json, logs only) still has its events.
      if (!existsSync(new RunDir(runDir).logsDir)) openCluster(command).close();
      const show = (e: ClusterEvent): void => print(options.json ? JSON.stringify(e) : describeEvent(e));
      const range = { ...(options.since !== undefined ? { sinceMs: options.since } : {}), ...(options.lines !== undefined ? { limit: options.lines } : {}) };
      if (!options.follow) {
        for (const e of readEvents(runDir, range)) show(e);
        return;
      }
      const stop = new AbortController();
      const done = (): void => stop.abort();
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
      try {
        await followEvents(runDir, show, { ...range, intervalMs: options.interval, signal: stop.signal });
      } finally {
        process.off('SIGINT', done);
        process.off('SIGTERM', done);
      }
    });
}
