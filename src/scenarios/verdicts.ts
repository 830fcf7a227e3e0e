/**
 * The scenarios' verdicts as pure functions of what they measured. A scenario runs the lesson on a
 * cluster, collects measurements (latencies, acknowledgements, what the log and the stores hold)
 * and hands them here; nothing in a verdict is true by construction of the scenario, so each can
 * be fed a broken run (a record applied twice, a producer slowed, a send refused) and must fail.
 * test/unit/scenarios/ does exactly that.
 */
import { peakPerSecond } from './rate-meter.js';
import { claim, type CheckedClaim } from './scenario.js';
import type { OrderReport } from './ordering-checks.js';

// ---------------------------------------------------------------------------------------------
// async

/** One synchronous request: its latency and what the services did for it before it returned. */
export interface SyncRequestMeasured {
  readonly latencyMs: number;
  /** Tasks of this request the services finished before the request returned. */
  readonly tasksDone: number;
  /** The services' own measured work time for those tasks. */
  readonly serviceWorkMs: number;
}

/** One asynchronous request: its latency, when it returned, and when each service finished its task. */
export interface AsyncRequestMeasured {
  readonly latencyMs: number;
  readonly returnedAtMs: number;
  /** Finish times of the tasks the services did for this request (however long after). */
  readonly tasksFinishedAtMs: readonly number[];
}

export interface AsyncMeasurements {
  readonly services: number;
  readonly sync: readonly SyncRequestMeasured[];
  readonly async: readonly AsyncRequestMeasured[];
}

export interface AsyncJudgement {
  readonly checks: CheckedClaim[];
  readonly syncLatencyMs: number;
  readonly asyncLatencyMs: number;
  readonly tasksDone: number;
  readonly expectedTasks: number;
}

export function judgeAsync(m: AsyncMeasurements): AsyncJudgement {
  const syncLatencyMs = median(m.sync.map((r) => r.latencyMs));
  const asyncLatencyMs = median(m.async.map((r) => r.latencyMs));
  const syncWorkMs = median(m.sync.map((r) => r.serviceWorkMs));
  const syncComplete = m.sync.filter((r) => r.tasksDone === m.services && r.latencyMs >= r.serviceWorkMs).length;
  const expectedTasks = m.async.length * m.services;
  const tasksDone = m.async.reduce((n, r) => n + r.tasksFinishedAtMs.length, 0);
  const doneLater = m.async.reduce((n, r) => n + r.tasksFinishedAtMs.filter((t) => t >= r.returnedAtMs).length, 0);
  return {
    syncLatencyMs,
    asyncLatencyMs,
    tasksDone,
    expectedTasks,
    checks: [
      claim(
        `each synchronous request waited for all ${m.services} services (${syncComplete} of ${m.sync.length} did; median ${syncLatencyMs.toFixed(0)} ms, of which the services measured ${syncWorkMs.toFixed(0)} ms of work)`,
        m.sync.length > 0 && syncComplete === m.sync.length,
      ),
      claim(
        `the asynchronous request answered in a fraction of the synchronous one's time (${asyncLatencyMs.toFixed(0)} ms < ${(syncLatencyMs / 4).toFixed(0)} ms, a quarter of ${syncLatencyMs.toFixed(0)} ms)`,
        m.async.length > 0 && m.sync.length > 0 && asyncLatencyMs < syncLatencyMs / 4,
      ),
      claim(
        `the services did every asynchronous task after the request had returned (${doneLater} of ${expectedTasks})`,
        expectedTasks > 0 && tasksDone === expectedTasks && doneLater === expectedTasks,
      ),
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// peak-shaving

/** One batch the producers sent during the burst. */
export interface BurstBatch {
  readonly count: number;
  readonly sentAtMs: number;
  /** When the cluster acknowledged it; undefined if the send failed. */
  readonly ackedAtMs?: number;
  readonly error?: string;
}

export interface PeakShavingMeasurements {
  readonly capacityPerSecond: number;
  /** A producer waiting longer than this for an acknowledgement was slowed by the burst. */
  readonly batches: readonly BurstBatch[];
  /** Consumer lag read from the log: high watermarks minus records stored, sampled over the run, the last after the drain. */
  readonly lagSamples: readonly { readonly atMs: number; readonly lag: number }[];
  /** Every value the producers sent. */
  readonly sentValues: readonly string[];
  /** How many times the store holds each value. */
  readonly stored: ReadonlyMap<string, number>;
}

export interface PeakShavingJudgement {
  readonly checks: CheckedClaim[];
  readonly peakProduceRate: number;
  readonly slowestAckMs: number;
  readonly failedBatches: number;
  readonly maxLag: number;
  readonly finalLag: number;
  readonly storedOnce: number;
  readonly duplicates: number;
  readonly missing: number;
}

export function judgePeakShaving(m: PeakShavingMeasurements): PeakShavingJudgement {
  const acked = m.batches.filter((b) => b.ackedAtMs !== undefined).map((b) => ({ atMs: b.ackedAtMs!, count: b.count }));
  acked.sort((a, b) => a.atMs - b.atMs);
  const peakProduceRate = peakPerSecond(acked);
  const failed = m.batches.filter((b) => b.ackedAtMs === undefined);
  const slowestAckMs = Math.max(0, ...m.batches.filter((b) => b.ackedAtMs !== undefined).map((b) => b.ackedAtMs! - b.sentAtMs));
  // Held to the consumer's pace, the producers could not have had the burst acknowledged sooner
  // than the consumer can store it; ahead of it, they finish well before. A comparison of two
  // rates measured in the same run, so a slow machine slows both sides alike.
  const firstSentMs = Math.min(...m.batches.map((b) => b.sentAtMs));
  const burstAckedInMs = acked.length > 0 ? acked[acked.length - 1]!.atMs - firstSentMs : Number.POSITIVE_INFINITY;
  const consumerNeedsMs = (m.sentValues.length / m.capacityPerSecond) * 1000;
  const lags = m.lagSamples.map((s) => s.lag);
  const maxLag = Math.max(0, ...lags);
  const finalLag = lags.length > 0 ? lags[lags.length - 1]! : Number.NaN;
  const peakAt = m.lagSamples.findIndex((s) => s.lag === maxLag);
  let storedOnce = 0;
  let duplicates = 0;
  let missing = 0;
  const sent = new Set(m.sentValues);
  for (const v of m.sentValues) {
    const n = m.stored.get(v) ?? 0;
    if (n === 0) missing++;
    else if (n === 1) storedOnce++;
    else duplicates++;
  }
  const strays = [...m.stored.keys()].filter((v) => !sent.has(v)).length;
  const firstError = failed.find((b) => b.error)?.error;
  return {
    peakProduceRate,
    slowestAckMs,
    failedBatches: failed.length,
    maxLag,
    finalLag,
    storedOnce,
    duplicates,
    missing,
    checks: [
      claim(`the burst exceeded the consumer's capacity (${peakProduceRate}/s acknowledged at the peak > ${m.capacityPerSecond}/s)`, peakProduceRate > m.capacityPerSecond),
      claim(
        `the producers were never refused or held to the consumer's pace (${m.batches.length - failed.length} of ${m.batches.length} batches acknowledged${firstError ? `, first failure: ${firstError}` : ''}; ` +
          `the burst acknowledged within ${burstAckedInMs.toFixed(0)} ms, while the consumer needs ${consumerNeedsMs.toFixed(0)} ms to store it; slowest acknowledgement ${slowestAckMs.toFixed(0)} ms)`,
        m.batches.length > 0 && failed.length === 0 && burstAckedInMs < consumerNeedsMs,
      ),
      claim(
        `the lag read from the log rose during the burst (to ${maxLag}) and drained to 0 afterwards (${finalLag})`,
        // Rose: to at least a quarter of what was sent, and before the end; drained: the last sample is 0.
        maxLag >= m.sentValues.length / 4 && peakAt >= 0 && peakAt < m.lagSamples.length - 1 && finalLag === 0,
      ),
      claim(
        `the store holds every message exactly once (${storedOnce} of ${m.sentValues.length}; ${duplicates} more than once, ${missing} missing, ${strays} unknown)`,
        m.sentValues.length > 0 && storedOnce === m.sentValues.length && strays === 0,
      ),
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// duplicates

/** What a producer run against slow acknowledgements left in the log (measured by reading it back). */
export interface RetryFigures {
  readonly idempotent: boolean;
  readonly sent: number;
  readonly retried: number;
  readonly duplicatedValues: number;
  readonly missing: number;
}

/** A row of a consumer's charge store: which payment, charged for which record. */
export interface ChargeRow {
  readonly paymentId: string;
  readonly partition: number;
  readonly offset: number;
}

export interface RedeliveryMeasurements {
  /** The payment ids produced. */
  readonly payments: readonly string[];
  /** Every record handed to the processing code, in order (redeliveries included). */
  readonly deliveries: readonly ChargeRow[];
  /** The rows each consumer wrote to its store. */
  readonly naiveStore: readonly ChargeRow[];
  readonly idempotentStore: readonly ChargeRow[];
}

export interface RedeliveryFigures {
  readonly redelivered: number;
  /** Payments the idempotent store holds exactly once, more than once, not at all. */
  readonly idempotentOnce: number;
  readonly idempotentTwice: number;
  readonly idempotentMissing: number;
  /** Payments the naive store holds more than once. */
  readonly naiveTwice: number;
}

export function measureRedelivery(m: RedeliveryMeasurements): RedeliveryFigures {
  const seen = new Set<string>();
  let redelivered = 0;
  for (const d of m.deliveries) {
    const id = `${d.partition}@${d.offset}`;
    if (seen.has(id)) redelivered++;
    seen.add(id);
  }
  const rowsPer = (rows: readonly ChargeRow[]) => {
    const n = new Map<string, number>();
    for (const r of rows) n.set(r.paymentId, (n.get(r.paymentId) ?? 0) + 1);
    return n;
  };
  const idem = rowsPer(m.idempotentStore);
  const naive = rowsPer(m.naiveStore);
  return {
    redelivered,
    idempotentOnce: m.payments.filter((p) => idem.get(p) === 1).length,
    idempotentTwice: [...idem.values()].filter((n) => n > 1).length,
    idempotentMissing: m.payments.filter((p) => !idem.has(p)).length,
    naiveTwice: [...naive.values()].filter((n) => n > 1).length,
  };
}

export function judgeDuplicates(plain: RetryFigures, idempotent: RetryFigures, redelivery: RedeliveryMeasurements): CheckedClaim[] {
  const r = measureRedelivery(redelivery);
  const strays = redelivery.idempotentStore.filter((row) => !redelivery.payments.includes(row.paymentId)).length;
  return [
    claim(`without idempotence, retries left duplicates in the log (${plain.duplicatedValues} values)`, plain.duplicatedValues > 0),
    claim(`both producers retried (${plain.retried} and ${idempotent.retried} records acknowledged later than the request timeout)`, plain.retried > 0 && idempotent.retried > 0),
    claim(
      `with idempotence, no duplicates (${idempotent.duplicatedValues}) and nothing missing (${idempotent.missing})`,
      idempotent.duplicatedValues === 0 && idempotent.missing === 0 && idempotent.sent > 0,
    ),
    claim(`the crash before the commit redelivered processed records (${r.redelivered} records delivered twice)`, r.redelivered > 0),
    claim(
      `the idempotent consumer's store holds each payment once (${r.idempotentOnce} of ${redelivery.payments.length}; ${r.idempotentTwice} more than once, ${r.idempotentMissing} missing)`,
      redelivery.payments.length > 0 && r.idempotentOnce === redelivery.payments.length && r.idempotentTwice === 0 && strays === 0,
    ),
    claim(`the naive consumer's store holds redelivered payments twice (${r.naiveTwice} payments)`, r.naiveTwice > 0),
  ];
}

// ---------------------------------------------------------------------------------------------
// decoupling

export interface DecouplingMeasurements {
  /** Every event A published and had acknowledged. */
  readonly published: readonly string[];
  /** The whole log, read back at the end. */
  readonly log: readonly string[];
  /** Distinct events each always-up group (B, C) and the late group (E) processed. */
  readonly b: ReadonlySet<string>;
  readonly c: ReadonlySet<string>;
  readonly e: ReadonlySet<string>;
  /** Events A had acknowledged while D was down, and how much the log grew meanwhile (high watermarks). */
  readonly whileDown: { readonly acknowledged: number; readonly logGrowth: number };
  /** D: events it processed before the crash but had not committed. */
  readonly dUncommitted: readonly string[];
  /** D: the log from its committed offsets at the crash to the log end when it restarted. */
  readonly dOwed: readonly string[];
  /** D: what it processed after the restart, in order. */
  readonly dAfterRestart: readonly string[];
}

export interface DecouplingJudgement {
  readonly checks: CheckedClaim[];
  readonly dMissed: number;
  readonly dRecovered: number;
  readonly dRedelivered: number;
}

export function judgeDecoupling(m: DecouplingMeasurements): DecouplingJudgement {
  const all = (seen: ReadonlySet<string>) => m.published.every((v) => seen.has(v));
  const after = new Set(m.dAfterRestart);
  const owed = new Set(m.dOwed);
  const dRecovered = m.dOwed.filter((v) => after.has(v)).length;
  // Processed after the restart but not owed: D resumed before its commit, or read something twice.
  const unowed = [...after].filter((v) => !owed.has(v)).length;
  const dRedelivered = m.dUncommitted.filter((v) => after.has(v)).length;
  const logSet = new Set(m.log);
  const total = m.published.length;
  return {
    dMissed: m.dOwed.length,
    dRecovered,
    dRedelivered,
    checks: [
      claim(`B and C each received all ${total} events (${m.b.size} and ${m.c.size})`, total > 0 && all(m.b) && all(m.c)),
      claim(
        `while D was down, A published and had acknowledged ${m.whileDown.acknowledged} events; the log grew by ${m.whileDown.logGrowth}`,
        m.whileDown.acknowledged > 0 && m.whileDown.logGrowth === m.whileDown.acknowledged,
      ),
      claim(
        `D had missed ${m.dOwed.length} events in the log past its commit (${m.whileDown.logGrowth} of them published while it was down) and recovered all of them (${dRecovered}; ${unowed} read from before its commit)`,
        m.dOwed.length >= m.whileDown.logGrowth && m.whileDown.logGrowth > 0 && dRecovered === m.dOwed.length && unowed === 0,
      ),
      claim(
        `what D had processed but not committed came again (${dRedelivered} of ${m.dUncommitted.length})`,
        m.dUncommitted.length > 0 && dRedelivered === m.dUncommitted.length,
      ),
      claim(
        `E, joining late, read the whole log (${m.e.size} of ${m.log.length} events)`,
        m.log.length >= total && m.log.every((v) => m.e.has(v)) && [...m.e].every((v) => logSet.has(v)),
      ),
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// loss

/** The partition as the cluster reported it around the fault. */
export interface ElectionObservation {
  readonly leaderBefore: number;
  readonly epochBefore: number;
  /** The ISR of the last status that still showed the old leader leading (undefined if none was seen). */
  readonly isrBefore: readonly number[] | undefined;
  readonly newLeader: number;
  readonly epochAfter: number;
  /** The topic's unclean.leader.election.enable as the cluster describes it; undefined if unknown. */
  readonly uncleanAllowed: boolean | undefined;
  /**
   * What the controller's own event says of the election that made `newLeader` leader
   * (`leader-elected` is clean, `unclean-leader-elected` is not); undefined when no event was found.
   */
  readonly reportedByController?: 'clean' | 'unclean';
}

export type ElectionKind = 'clean' | 'unclean' | 'unknown';

/** Clean when the new leader was in the ISR the cluster last showed under the old leader. */
/**
 * Clean or unclean: the controller's event decides, since it chose the leader from the ISR it had;
 * without one, the ISR last seen under the old leader.
 */
export function classifyElection(e: ElectionObservation): ElectionKind {
  if (e.reportedByController !== undefined) return e.reportedByController;
  if (e.isrBefore === undefined || e.newLeader < 0 || e.newLeader === e.leaderBefore) return 'unknown';
  return e.isrBefore.includes(e.newLeader) ? 'clean' : 'unclean';
}

export interface LossFigures {
  readonly acks: 1 | 'all';
  /** Sends made while the followers were paused and the leader was killed. */
  readonly sentDuringFault: number;
  readonly acknowledgedDuringFault: number;
  /** The first errors of sends during the fault that were not acknowledged. */
  readonly failuresDuringFault: readonly string[];
  readonly acknowledged: number;
  readonly lost: number;
  readonly election: ElectionObservation;
}

export function judgeLoss(acksOne: LossFigures, acksAll: LossFigures): CheckedClaim[] {
  const elected = (r: LossFigures) => r.election.newLeader >= 0 && r.election.newLeader !== r.election.leaderBefore && r.election.epochAfter > r.election.epochBefore;
  const why = acksAll.failuresDuringFault.length > 0 ? `; not acknowledged: ${acksAll.failuresDuringFault.slice(0, 2).join(', ')}` : '';
  return [
    claim(
      `a new leader was elected both times (acks=1: node ${acksOne.election.newLeader}, epoch ${acksOne.election.epochBefore}→${acksOne.election.epochAfter}; acks=all: node ${acksAll.election.newLeader}, epoch ${acksAll.election.epochBefore}→${acksAll.election.epochAfter})`,
      elected(acksOne) && elected(acksAll),
    ),
    claim(`acks=1 lost acknowledged writes (${acksOne.lost} lost)`, acksOne.lost > 0),
    claim(
      `acks=all acknowledged every send made during the fault (${acksAll.acknowledgedDuringFault} of ${acksAll.sentDuringFault}${why})`,
      acksAll.sentDuringFault > 0 && acksAll.acknowledgedDuringFault === acksAll.sentDuringFault,
    ),
    claim(`acks=all with min.insync.replicas=2 lost none (${acksAll.lost} lost)`, acksAll.lost === 0 && acksAll.acknowledged > 0),
  ];
}

// ---------------------------------------------------------------------------------------------
// ordering

export interface OrderingMeasurements {
  readonly keyed: OrderReport & { readonly sent: number; readonly acknowledged: number; readonly missing: number };
  readonly keyless: OrderReport;
  readonly sharedPool: OrderReport;
  readonly workerPerPartition: OrderReport;
  readonly workerPerKey: OrderReport;
}

export function judgeOrdering(m: OrderingMeasurements): CheckedClaim[] {
  return [
    claim(
      `keyed events kept their order through the failover (${m.keyed.violations} violations, ${m.keyed.duplicates} duplicates, ${m.keyed.missing} acknowledged but missing)`,
      m.keyed.violations === 0 && m.keyed.duplicates === 0 && m.keyed.missing === 0 && m.keyed.acknowledged > 0,
    ),
    claim(`keyless events spread over partitions arrived out of order (${m.keyless.violations} violations)`, m.keyless.violations > 0),
    claim(`in the worker-pool model, a shared pool finished records out of order (${m.sharedPool.violations} violations)`, m.sharedPool.violations > 0),
    claim(
      `in the worker-pool model, one worker per partition and one worker per key kept per-key order (${m.workerPerPartition.violations} and ${m.workerPerKey.violations} violations)`,
      m.workerPerPartition.events > 0 && m.workerPerPartition.violations === 0 && m.workerPerKey.events > 0 && m.workerPerKey.violations === 0,
    ),
  ];
}

// ---------------------------------------------------------------------------------------------

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
