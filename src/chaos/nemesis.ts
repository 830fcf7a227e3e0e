/**
 * Carries out a chaos schedule on a real local cluster: at each step's time it resolves the target
 * (a partition's current leader, the active controller, a fixed node, two halves), injects the
 * fault through the cluster's one fault model, watches the cluster react while the fault lasts,
 * undoes it, and watches the struck nodes come back. Everything it does and sees goes to the
 * timeline as it happens. At the end, or when stopped early, it undoes whatever is still in force
 * and brings every node back, so the cluster is whole again for the final read.
 *
 * Every wait is bounded: a fault's reaction is watched only while the fault lasts, a node's
 * return for at most `returnWatchMs`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { findPartition, observeDeparture, observeReturn, type ClusterStatus, type DepartureReport, type LocalCluster } from '../../cluster/index.js';
import { describeFault, fault, type Fault } from '../common/faults.js';
import { renderDeparture, renderReturn } from '../cli/render/reaction-view.js';
import { describeStep, type ChaosSchedule, type ChaosStep } from './schedule.js';
import type { Timeline } from './timeline.js';

export interface NemesisOptions {
  /** The workload's topic: `leader` targets are the leaders of its partitions. */
  readonly topic: string;
  readonly timeline: Timeline;
  /** Stops the schedule early (the user's command ended); whatever is in force is undone. */
  readonly signal?: AbortSignal;
  /** How long a returning node is watched (registered, back in its ISRs). */
  readonly returnWatchMs?: number;
}

export interface NemesisSummary {
  /** Steps carried out. */
  readonly injected: number;
  /** Steps skipped (their target could not be resolved, or injecting failed), with why. */
  readonly skipped: readonly { step: ChaosStep; reason: string }[];
}

/** The nodes a fault takes away from the rest: for a split, the smaller side. */
function departedNodes(f: Fault): readonly number[] {
  return f.kind === 'delay' ? [] : f.nodes;
}

export async function runNemesis(cluster: LocalCluster, schedule: ChaosSchedule, options: NemesisOptions): Promise<NemesisSummary> {
  const { timeline, signal } = options;
  const returnWatchMs = options.returnWatchMs ?? 10_000;
  const skipped: { step: ChaosStep; reason: string }[] = [];
  const watchers: Promise<void>[] = [];
  const running: { plannedEndMs: number; done: Promise<void> }[] = [];
  let injected = 0;
  const start = timeline.now();

  const runStep = async (step: ChaosStep): Promise<void> => {
    let struck: Fault;
    try {
      struck = await resolveStep(cluster, step, options.topic);
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      skipped.push({ step, reason });
      timeline.record('skip', `${describeStep(step)}: skipped (${reason})`);
      return;
    }
    const before = await cluster.status().catch(() => undefined);
    const struckAt = Date.now();
    try {
      await cluster.inject(struck);
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      skipped.push({ step, reason });
      timeline.record('skip', `${describeFault(struck)}: could not be injected (${reason})`);
      return;
    }
    injected++;
    timeline.record('fault', `${describeFault(struck)} for ${step.durationMs} ms  (${describeStep(step)})`, { fault: struck });
    const departures = before ? watchDepartures(cluster, struck, before, struckAt, step.durationMs, timeline, options.topic) : Promise.resolve();
    await waitUntil(timeline, timeline.now() + step.durationMs, signal);
    await departures;
    const healedAt = Date.now();
    try {
      await cluster.undo(struck);
      timeline.record('heal', `undo ${describeFault(struck)}`, { fault: struck });
    } catch (e) {
      timeline.record('heal', `undo ${describeFault(struck)} failed: ${e instanceof Error ? e.message : String(e)}`, { fault: struck });
    }
    watchers.push(watchReturns(cluster, struck, healedAt, returnWatchMs, timeline, options.topic));
  };

  for (const step of schedule.steps) {
    if (!(await waitUntil(timeline, start + step.atMs, signal))) break;
    // A step waits for every step planned to end before it starts: a generated schedule stays one
    // fault at a time even when injecting took a while. Steps written to overlap do overlap.
    await Promise.all(running.filter((r) => r.plannedEndMs <= step.atMs).map((r) => r.done));
    if (signal?.aborted) break;
    running.push({ plannedEndMs: step.atMs + step.durationMs, done: runStep(step) });
  }
  await Promise.all(running.map((r) => r.done));
  await Promise.all(watchers);
  await restoreEveryNode(cluster, timeline);
  return { injected, skipped };
}

/** Sleeps until the timeline reads `atMs`; false when stopped first. */
async function waitUntil(timeline: Timeline, atMs: number, signal: AbortSignal | undefined): Promise<boolean> {
  const waitMs = atMs - timeline.now();
  if (signal?.aborted) return false;
  if (waitMs <= 0) return true;
  try {
    await sleep(waitMs, undefined, signal ? { signal } : {});
    return true;
  } catch {
    return false;
  }
}

/** The fault a step means right now: whom it strikes, resolved from the cluster's current state. */
export async function resolveStep(cluster: LocalCluster, step: ChaosStep, topic: string): Promise<Fault> {
  const t = step.target as Partial<{ node: number; leaderOf: number; controller: true; halves: readonly (readonly number[])[] }>;
  if (t.halves) return fault.partition(t.halves[0]!, t.halves[1]!);
  let node: number;
  if (t.node !== undefined) {
    node = t.node;
  } else {
    const status = await cluster.status();
    if (t.leaderOf !== undefined) {
      node = leaderToStrike(status, topic, t.leaderOf);
    } else {
      if (status.activeController === undefined) throw new Error('no active controller to strike');
      node = status.activeController;
    }
  }
  switch (step.action) {
    case 'delay':
      return fault.delay(node, step.delayMs ?? 0);
    case 'partition-halves':
      throw new Error('partition-halves needs a halves target');
    default:
      return fault[step.action](node);
  }
}

/**
 * The leader of partition `index` of the workload's topic; without a workload (the user's own app
 * runs), the leader of the index-th of the cluster's partitions, so `leader` faults still aim at
 * leaders.
 */
function leaderToStrike(status: ClusterStatus, topic: string, index: number): number {
  const own = findPartition(status, topic, index);
  if (own) {
    if (own.leader < 0) throw new Error(`${topic}-${index} has no leader to strike`);
    return own.leader;
  }
  const led = status.partitions.filter((p) => p.leader > 0).sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  if (led.length === 0) throw new Error('no partition has a leader to strike');
  return led[index % led.length]!.leader;
}

async function watchDepartures(cluster: LocalCluster, f: Fault, before: ClusterStatus, struckAt: number, forMs: number, timeline: Timeline, topic: string): Promise<void> {
  const source = (): Promise<ClusterStatus> => cluster.status();
  await Promise.all(
    departedNodes(f).map(async (id) => {
      try {
        const report = await observeDeparture(source, id, before, struckAt, forMs);
        timeline.record('reaction', `after ${describeFault(f)}:\n${renderDeparture(onlyTopic(report, topic)).join('\n')}${othersNote(report, topic)}`);
      } catch (e) {
        timeline.record('reaction', `could not watch node ${id} leave: ${e instanceof Error ? e.message : String(e)}`);
      }
    }),
  );
}

async function watchReturns(cluster: LocalCluster, f: Fault, healedAt: number, forMs: number, timeline: Timeline, topic: string): Promise<void> {
  const source = (): Promise<ClusterStatus> => cluster.status();
  await Promise.all(
    departedNodes(f).map(async (id) => {
      try {
        const report = await observeReturn(source, id, healedAt, forMs);
        timeline.record('reaction', `node ${id} back:\n${renderReturn(onlyTopic(report, topic)).join('\n')}`);
      } catch (e) {
        timeline.record('reaction', `could not watch node ${id} return: ${e instanceof Error ? e.message : String(e)}`);
      }
    }),
  );
}

type TopicPartitionLike = { topic: string };

/**
 * A reaction report cut down to the workload's topic, so the timeline shows what the workload
 * lived through (the offsets topic's many partitions would drown it). Without a workload topic
 * in the report, it is kept whole.
 */
function onlyTopic<R extends { leaderMoves?: TopicPartitionLike[]; offline?: TopicPartitionLike[]; isrShrinks?: TopicPartitionLike[]; isrJoins?: TopicPartitionLike[]; catchingUp?: TopicPartitionLike[] }>(
  report: R,
  topic: string,
): R {
  const lists = ['leaderMoves', 'offline', 'isrShrinks', 'isrJoins', 'catchingUp'] as const;
  const mentions = lists.some((key) => report[key]?.some((p) => p.topic === topic));
  if (!mentions) return report;
  const cut = { ...report };
  for (const key of lists) if (report[key]) (cut as Record<string, unknown>)[key] = report[key]!.filter((p) => p.topic === topic);
  return cut;
}

function othersNote(report: DepartureReport, topic: string): string {
  if (![...report.leaderMoves, ...report.isrShrinks].some((p) => p.topic === topic)) return '';
  const others = new Set([...report.leaderMoves, ...report.isrShrinks, ...report.offline].filter((p) => p.topic !== topic).map((p) => `${p.topic}-${p.partition}`));
  return others.size > 0 ? `\n  (and ${others.size} partitions of other topics)` : '';
}

/** Heals every network fault, resumes paused nodes and starts dead ones: the cluster whole again. */
export async function restoreEveryNode(cluster: LocalCluster, timeline: Timeline): Promise<void> {
  await cluster.heal().catch((e: unknown) => timeline.record('heal', `heal all failed: ${e instanceof Error ? e.message : String(e)}`));
  const status = await cluster.status().catch(() => undefined);
  for (const node of status?.nodes ?? []) {
    try {
      if (node.process === 'paused') {
        await cluster.resume(node.id);
        timeline.record('heal', `resume node ${node.id} (left paused)`);
      } else if (node.process === 'dead') {
        await cluster.start(node.id);
        timeline.record('heal', `start node ${node.id} (left down)`);
      }
    } catch (e) {
      timeline.record('heal', `could not bring node ${node.id} back: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
