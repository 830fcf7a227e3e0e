/**
 * A chaos run's directory, `chaos-<seed>/`, everything needed to understand and repeat it:
 *
 *   schedule.json   the fault schedule and the run's settings (what --replay reads)
 *   history.jsonl   one JSON object per line: every send, every poll, every final partition
 *   report.json     the checker's report, the unavailability figures and the verdict
 *   timeline.txt    faults, heals and the cluster's reactions, with times from the run's start
 *   logs/           each node's log
 *
 * Times in the history are ms from the run's start, like the timeline's.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { History } from '../check/index.js';
import { validateSchedule, type ChaosSchedule } from './schedule.js';

/** What a run chose, kept beside its schedule so a replay runs the same way. */
export interface ChaosRunSettings {
  readonly workload: 'queue' | 'none';
  readonly acks: 1 | 'all';
  readonly idempotent: boolean;
  readonly minInsync: number;
  readonly ratePerSecond: number;
}

export interface ScheduleFile {
  readonly settings: ChaosRunSettings;
  readonly schedule: ChaosSchedule;
}

export class InvalidReplayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidReplayError';
  }
}

/** A fresh directory for the run: `chaos-<seed>`, or `chaos-<seed>-2`, `-3`... when taken. */
export function makeRunDir(parent: string, seed: number): string {
  const base = resolve(parent, `chaos-${seed}`);
  let dir = base;
  for (let n = 2; existsSync(dir); n++) dir = `${base}-${n}`;
  mkdirSync(join(dir, 'logs'), { recursive: true });
  return dir;
}

export function writeSchedule(dir: string, file: ScheduleFile): void {
  writeFileSync(join(dir, 'schedule.json'), JSON.stringify(file, null, 2) + '\n');
}

/** Reads `schedule.json` from a run directory (or the file itself); InvalidReplayError saying what is wrong. */
export function readSchedule(path: string): ScheduleFile {
  const file = basename(path) === 'schedule.json' ? path : join(path, 'schedule.json');
  if (!existsSync(file)) throw new InvalidReplayError(`nothing to replay: ${file} does not exist`);
  let parsed: ScheduleFile;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as ScheduleFile;
  } catch (e) {
    throw new InvalidReplayError(`${file} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const s = parsed?.settings;
  if (!s || (s.workload !== 'queue' && s.workload !== 'none') || (s.acks !== 1 && s.acks !== 'all') || typeof s.idempotent !== 'boolean') {
    throw new InvalidReplayError(`${file}: missing or bad settings`);
  }
  try {
    return { settings: s, schedule: validateSchedule(parsed.schedule) };
  } catch (e) {
    throw new InvalidReplayError(`${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The history as JSON lines, times shifted by `toRunTime`. */
export function writeHistory(dir: string, history: History, toRunTime: (ms: number) => number): void {
  const lines: string[] = [JSON.stringify({ type: 'topic', topic: history.topic })];
  for (const s of history.sends) lines.push(JSON.stringify({ type: 'send', ...s, invokeMs: toRunTime(s.invokeMs), completeMs: toRunTime(s.completeMs) }));
  for (const p of history.polls) lines.push(JSON.stringify({ type: 'poll', ...p, invokeMs: toRunTime(p.invokeMs), completeMs: toRunTime(p.completeMs) }));
  for (const f of history.final) lines.push(JSON.stringify({ type: 'final', ...f }));
  writeFileSync(join(dir, 'history.jsonl'), lines.join('\n') + '\n');
}

export function writeJson(dir: string, name: string, value: unknown): void {
  writeFileSync(join(dir, name), JSON.stringify(value, null, 2) + '\n');
}

export function writeText(dir: string, name: string, text: string): void {
  writeFileSync(join(dir, name), text);
}

/** Copies each node's log into `logs/`; a missing log is noted, not fatal. */
export function copyNodeLogs(dir: string, logs: readonly { id: number; logFile: string }[]): string[] {
  const missing: string[] = [];
  for (const { id, logFile } of logs) {
    try {
      copyFileSync(logFile, join(dir, 'logs', `node-${id}.log`));
    } catch {
      missing.push(`node ${id} (${logFile})`);
    }
  }
  return missing;
}
