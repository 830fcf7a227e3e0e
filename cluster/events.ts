/**
 * The cluster's event log: what happened, in order, with times. Nodes write events as ordinary
 * records of their pino JSON log marked with an `event` field (a kebab-case kind), so an event
 * outlives the node that wrote it and needs no transport of its own. This module merges every
 * node's log of a run directory into one time-ordered list, and follows them for `--follow`.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RunDir } from './run-dir.js';
import { readEventsForward, scanEventsBackwards, type EventRecord } from './event-lines.js';
import { eventText } from './event-text.js';

export { KNOWN_EVENT_KINDS } from './event-text.js';

export interface ClusterEvent {
  /** When the deciding node logged it, epoch ms. */
  atMs: number;
  /** The node that decided it. */
  node: number;
  /** Kebab-case kind, e.g. `leader-elected`. */
  kind: string;
  /** One human line: the event's own description, without time, node and kind. */
  text: string;
  /** Every field of the record except pino's bookkeeping (level, time, node, msg) and the kind. */
  fields: Record<string, unknown>;
}

export interface ReadEventsOptions {
  /** Only events at or after this time (epoch ms). */
  sinceMs?: number;
  /** Only the newest N events (after `sinceMs`). */
  limit?: number;
}

interface LogFile {
  node: number;
  path: string;
}

const LOG_NAME = /^node-(\d+)\.log$/;
const BOOKKEEPING = new Set(['level', 'time', 'node', 'msg', 'event', 'pid', 'hostname']);

/** Every node's log in the run directory: found by name, so removed nodes' logs still count. */
function logFiles(runDir: string): LogFile[] {
  const dir = new RunDir(runDir).logsDir;
  if (!existsSync(dir)) return [];
  const files: LogFile[] = [];
  for (const name of readdirSync(dir)) {
    const match = LOG_NAME.exec(name);
    if (match) files.push({ node: Number(match[1]), path: join(dir, name) });
  }
  return files.sort((a, b) => a.node - b.node);
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function toEvent(record: EventRecord, fileNode: number): ClusterEvent {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) if (!BOOKKEEPING.has(key)) fields[key] = value;
  const node = typeof record['node'] === 'number' ? record['node'] : fileNode;
  return { atMs: record.time, node, kind: record.event, text: eventText(record.event, { ...fields, node }), fields };
}

/** Time order; ties keep node order, then each log's own order (the sort is stable). */
function byTime(a: ClusterEvent, b: ClusterEvent): number {
  return a.atMs - b.atMs || a.node - b.node;
}

function readUpTo(files: readonly LogFile[], ends: ReadonlyMap<string, number>, options: ReadEventsOptions): ClusterEvent[] {
  const since = options.sinceMs ?? -Infinity;
  const limit = options.limit ?? Infinity;
  if (limit <= 0) return [];
  const events: ClusterEvent[] = [];
  for (const file of files) {
    const newestFirst: ClusterEvent[] = [];
    // A log's own records are in time order (one writer, appended), so the backward walk stops at
    // the first record older than `since` or once this log alone has `limit` events.
    scanEventsBackwards(file.path, ends.get(file.path) ?? 0, (record) => {
      if (record.time < since) return false;
      newestFirst.push(toEvent(record, file.node));
      return newestFirst.length < limit;
    });
    for (let i = newestFirst.length - 1; i >= 0; i--) events.push(newestFirst[i]!);
  }
  events.sort(byTime);
  return events.length > limit ? events.slice(events.length - limit) : events;
}

/** Every node's events in the run directory, merged in time order (oldest first). */
export function readEvents(runDir: string, options: ReadEventsOptions = {}): ClusterEvent[] {
  const files = logFiles(runDir);
  return readUpTo(files, new Map(files.map((f) => [f.path, sizeOf(f.path)])), options);
}

function clock(atMs: number): string {
  const d = new Date(atMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** `12:03:04.512  node 2  leader-elected  orders-0: leader 1 -> 2 (epoch 5), ...` (local time). */
export function describeEvent(e: ClusterEvent): string {
  return `${clock(e.atMs)}  node ${e.node}  ${e.kind}  ${e.text}`;
}

export interface FollowOptions extends ReadEventsOptions {
  /** Stops following; the returned promise then resolves. */
  signal?: AbortSignal;
  /** How often the logs are checked for growth. */
  intervalMs?: number;
  /** Also deliver the events already written (subject to sinceMs/limit) before the new ones; default true. */
  backlog?: boolean;
}

// A poll reads at most this much of one log, so a burst of logging cannot stall the follower
// or blow up its memory; the rest is read on the next polls.
const MAX_BYTES_PER_POLL = 4 * 1024 * 1024;

/**
 * Delivers events as nodes write them, until `signal` aborts: first the backlog (unless
 * `backlog: false`), then, every `intervalMs`, whatever the logs gained, merged in time order
 * within each poll. Logs of nodes that appear later are picked up from their start; a log that
 * shrank (replaced) is read again from its start.
 */
export async function followEvents(runDir: string, onEvent: (e: ClusterEvent) => void, options: FollowOptions = {}): Promise<void> {
  const intervalMs = options.intervalMs ?? 250;
  const offsets = new Map<string, number>();
  const known = logFiles(runDir);
  for (const f of known) offsets.set(f.path, sizeOf(f.path));
  if (options.backlog ?? true) for (const e of readUpTo(known, offsets, options)) onEvent(e);
  while (!options.signal?.aborted) {
    await sleep(intervalMs, options.signal);
    if (options.signal?.aborted) break;
    const fresh: ClusterEvent[] = [];
    for (const file of logFiles(runDir)) {
      const size = sizeOf(file.path);
      let from = offsets.get(file.path) ?? 0;
      if (size < from) from = 0;
      if (size === from) continue;
      const { records, next } = readEventsForward(file.path, from, size, MAX_BYTES_PER_POLL);
      offsets.set(file.path, next);
      for (const record of records) if (record.time >= (options.sinceMs ?? -Infinity)) fresh.push(toEvent(record, file.node));
    }
    fresh.sort(byTime);
    for (const e of fresh) onEvent(e);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
