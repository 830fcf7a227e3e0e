/**
 * What happened during a chaos run, in order, with times from the run's start: each fault and
 * heal, the cluster's reaction, the workload's milestones, the user's command. Entries are
 * printed as they are recorded and kept for the run's timeline file.
 */
import type { Fault } from '../common/faults.js';

export type TimelineKind = 'run' | 'fault' | 'heal' | 'reaction' | 'event' | 'skip' | 'workload' | 'command';

export interface TimelineEntry {
  /** ms since the run started. */
  readonly atMs: number;
  readonly kind: TimelineKind;
  readonly text: string;
  readonly fault?: Fault;
}

const LABELS: Record<TimelineKind, string> = {
  run: 'RUN',
  fault: 'FAULT',
  heal: 'HEAL',
  reaction: '',
  event: 'EVENT',
  skip: 'SKIP',
  workload: 'LOAD',
  command: 'CMD',
};

export class Timeline {
  readonly entries: TimelineEntry[] = [];
  private readonly startedAt: number;

  constructor(
    private readonly print: (line: string) => void = () => undefined,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.startedAt = clock();
  }

  /** ms since the run started. */
  now(): number {
    return Math.round(this.clock() - this.startedAt);
  }

  /** Converts a `performance.now()` reading (as histories record times) to run time. */
  runTimeOf(performanceNowMs: number): number {
    return Math.round(performanceNowMs - this.startedAt);
  }

  /** The wall-clock time (epoch ms) of the run's start, to place events other processes timed. */
  readonly startedAtEpochMs = Date.now();

  record(kind: TimelineKind, text: string, extra: { fault?: Fault; atMs?: number } = {}): TimelineEntry {
    const entry: TimelineEntry = { kind, text, ...extra, atMs: extra.atMs ?? this.now() };
    this.entries.push(entry);
    this.print(formatEntry(entry));
    return entry;
  }
}

/** `+  12.345s  FAULT  kill 2 for 1800 ms`, continuation lines indented under the text. */
export function formatEntry(entry: TimelineEntry): string {
  const head = `+${(entry.atMs / 1000).toFixed(3).padStart(8)}s  ${LABELS[entry.kind].padEnd(5)}  `;
  return entry.text
    .split('\n')
    .map((line, i) => (i === 0 ? head + line : ' '.repeat(head.length) + line.trimStart().replace(/^/, '  ')))
    .join('\n');
}

/** The timeline in time order (events reported by the nodes arrive a little after they happened). */
export function formatTimeline(entries: readonly TimelineEntry[]): string {
  return [...entries].sort((a, b) => a.atMs - b.atMs).map(formatEntry).join('\n') + '\n';
}
