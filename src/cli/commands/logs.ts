/**
 * `brokerlab logs [N] [--follow]`: a node's pino JSON log made readable (all nodes merged by time
 * when N is left out). --follow keeps printing new lines until Ctrl-C.
 */
import type { Command } from 'commander';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { CliError } from '../errors.js';
import { openCluster, print } from '../context.js';
import { integerParser, parseNodeId, parseNonNegative } from '../options.js';
import { formatLogLine, levelNumber, parseLogLine } from '../render/log-line.js';
import { wantsColour } from '../render/style.js';

interface LogsOptions {
  follow?: boolean;
  lines?: number;
  level?: string;
  interval: number;
}

interface Source {
  id: number;
  path: string;
  offset: number;
  pending: string;
}

export function registerLogs(program: Command): void {
  program
    .command('logs')
    .argument('[N]', 'node id (default: every node, merged by time)', parseNodeId)
    .description("print a node's log readably: time, level, node, topic-partition, message, fields")
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('-n, --lines <count>', 'only the last count lines', parseNonNegative)
    .option('--level <level>', 'only lines at this level or above: trace, debug, info, warn, error, fatal')
    .option('--interval <ms>', 'how often --follow looks for new lines', integerParser(20, 10_000), 200)
    .action(async (id: number | undefined, options: LogsOptions, command: Command) => {
      const supervisor = openCluster(command);
      supervisor.close();
      const minLevel = options.level === undefined ? undefined : levelNumber(options.level);
      if (options.level !== undefined && minLevel === undefined) {
        throw new CliError(`--level must be one of trace, debug, info, warn, error, fatal; got "${options.level}"`, 2);
      }
      const nodes = id === undefined ? supervisor.nodes : [supervisor.node(id)];
      const sources: Source[] = nodes.map((n) => ({ id: n.id, path: n.logFile, offset: 0, pending: '' }));
      if (id !== undefined && !existsSync(sources[0]!.path)) print(`(node ${id} has not written a log yet: ${sources[0]!.path})`);
      const colour = wantsColour();
      const show = (lines: { id: number; raw: string }[]) => {
        for (const { id: nodeId, raw } of lines) {
          const parsed = parseLogLine(raw);
          if (minLevel !== undefined && parsed.level !== undefined && parsed.level < minLevel) continue;
          print(formatLogLine(raw, { colour, nodeFallback: nodeId }));
        }
      };
      let initial = mergeByTime(sources.map((s) => readNewLines(s)));
      if (options.lines !== undefined) initial = initial.slice(-options.lines);
      show(initial);
      if (options.follow) await follow(sources, options.interval, show);
    });
}

/** Reads what was appended since the last read; a partial last line waits for its end. */
function readNewLines(source: Source): { id: number; raw: string }[] {
  if (!existsSync(source.path)) return [];
  const size = statSync(source.path).size;
  if (size < source.offset) source.offset = 0; // truncated or replaced
  if (size === source.offset) return [];
  const fd = openSync(source.path, 'r');
  try {
    const buffer = Buffer.alloc(size - source.offset);
    const read = readSync(fd, buffer, 0, buffer.length, source.offset);
    source.offset += read;
    const text = source.pending + buffer.subarray(0, read).toString('utf8');
    const parts = text.split('\n');
    source.pending = parts.pop() ?? '';
    return parts.filter((l) => l.length > 0).map((raw) => ({ id: source.id, raw }));
  } finally {
    closeSync(fd);
  }
}

/** Interleaves several nodes' lines by their timestamps; each file is already in time order. */
function mergeByTime(perSource: { id: number; raw: string }[][]): { id: number; raw: string }[] {
  if (perSource.length === 1) return perSource[0]!;
  const timed = perSource.flatMap((lines) => {
    let last = 0;
    return lines.map((line) => {
      last = parseLogLine(line.raw).time ?? last;
      return { ...line, time: last };
    });
  });
  return timed.sort((a, b) => a.time - b.time).map(({ id, raw }) => ({ id, raw }));
}

async function follow(sources: Source[], intervalMs: number, show: (lines: { id: number; raw: string }[]) => void): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => show(mergeByTime(sources.map((s) => readNewLines(s)))), intervalMs);
    const done = () => {
      clearInterval(timer);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}
