/**
 * Raft over real processes: three voters (dist/src/node/raft-process.js) on loopback with file
 * storage and the fast timing profile (tick 25 ms, election 12 ticks, heartbeat 2 ticks).
 *
 * - throughput: a pipelined client keeps `--window` 200-byte proposals in flight on the leader's
 *   Propose stream; committed-and-applied proposals per second and per-proposal commit latency.
 *   That latency is the window divided by the throughput (Little's law): it says how deep the
 *   queue was, not how fast a commit is.
 * - commit latency at a fixed rate (`--rate`, 5,000 proposals/s by default; 0 skips it): proposals
 *   sent as they fall due, each one on its own, as the produce benchmark's fixed rate does;
 *   p50/p99 from send to committed-and-applied.
 * - failover: SIGKILL the leader, then probe the survivors until one commits a proposal; the time
 *   from the kill to that commit. The killed node is restarted and caught up between runs.
 *
 *   npm run bench -- raft [--runs 3] [--failovers 5] [--seconds 3] [--window 256] [--rate 5000]
 */
import { errors, isBrokerError } from '../src/common/errors.js';
import type { NodeId } from '../src/raft/types.js';
import { FAST_TIMING, RaftProcessCluster } from '../test/support/raft-harness.js';
import { describeMachine, machineFigures, measureMachine, percentOf } from './_machine.js';
import { median, percentile, printResult, round } from './_stats.js';

const ENTRY_BYTES = 200;
const MAX_DISTURBED_RUNS = 5;
/** Starting Node processes takes well under a second on an idle machine, far longer on a busy one. */
const STARTUP_MS = 60_000;

interface Args {
  runs: number;
  failovers: number;
  seconds: number;
  window: number;
  rate: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { runs: 3, failovers: 5, seconds: 3, window: 256, rate: 5_000 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, '') as keyof Args;
    const value = Number(argv[i + 1]);
    // --failovers 0 measures throughput alone (and leaves the leader alive for a CPU profile).
    const least = key === 'failovers' || key === 'rate' ? 0 : 1;
    if (!(key in args) || !Number.isFinite(value) || value < least) throw errors.invalidConfig(`bad argument ${argv[i]} ${argv[i + 1]}`);
    args[key] = value;
  }
  return args;
}

interface ThroughputRun {
  perSecond: number;
  latenciesMs: number[];
}

/**
 * Keeps `window` proposals in flight on the leader for `seconds`, after a warm-up long enough for
 * the three processes' hot paths to be optimized (it takes longer when the machine is busy).
 */
async function measureThroughput(cluster: RaftProcessCluster, leader: NodeId, seconds: number, window: number): Promise<ThroughputRun> {
  const client = cluster.client(leader);
  const payload = new Uint8Array(ENTRY_BYTES).fill(0x61);
  const warmupMs = 3_000;
  const started = performance.now();
  const measureFrom = started + warmupMs;
  const stopAt = measureFrom + seconds * 1000;
  const latenciesMs: number[] = [];
  const worker = async (): Promise<void> => {
    while (performance.now() < stopAt) {
      const sent = performance.now();
      await client.propose(payload);
      const done = performance.now();
      if (sent >= measureFrom && done <= stopAt) latenciesMs.push(done - sent);
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  return { perSecond: latenciesMs.length / seconds, latenciesMs };
}

/** Proposes at `rate` per second for `seconds` after the same warm-up; each proposal's commit latency. */
async function measureFixedRate(cluster: RaftProcessCluster, leader: NodeId, seconds: number, rate: number): Promise<number[]> {
  const client = cluster.client(leader);
  const payload = new Uint8Array(ENTRY_BYTES).fill(0x63);
  const started = performance.now();
  const measureFrom = started + 3_000;
  const stopAt = measureFrom + seconds * 1000;
  const latenciesMs: number[] = [];
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  while (performance.now() < stopAt) {
    const due = Math.floor(((performance.now() - started) * rate) / 1000);
    for (; sent < due; sent++) {
      const sentAt = performance.now();
      const proposal = client.propose(payload).then(() => {
        const done = performance.now();
        if (sentAt >= measureFrom && done <= stopAt) latenciesMs.push(done - sentAt);
        inFlight.delete(proposal);
      });
      inFlight.add(proposal);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inFlight);
  return latenciesMs;
}

/** SIGKILLs the leader and returns the ms until a survivor commits a proposal. */
async function measureFailover(cluster: RaftProcessCluster, leader: NodeId): Promise<number> {
  const survivors = cluster.ids().filter((id) => id !== leader);
  for (const id of survivors) await cluster.client(id).connect();
  const payload = new Uint8Array(ENTRY_BYTES).fill(0x62);
  const killedAt = performance.now();
  await cluster.killNode(leader, 'SIGKILL');
  const deadline = killedAt + 15_000;
  let committedAt: number | undefined;
  const probe = async (id: NodeId): Promise<void> => {
    while (committedAt === undefined && performance.now() < deadline) {
      try {
        await cluster.client(id).propose(payload);
        committedAt ??= performance.now();
      } catch (error) {
        if (!isBrokerError(error, 'NOT_CONTROLLER')) throw error;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  };
  await Promise.all(survivors.map(probe));
  if (committedAt === undefined) throw errors.requestTimedOut('no commit within 15 s of killing the leader');
  return committedAt - killedAt;
}

/**
 * `count` runs of `measure` on the current leader, each printed with `describe`. A run a leader
 * change interrupts (the machine stalled a heartbeat) measured the election, not the quorum: it is
 * run again, at most MAX_DISTURBED_RUNS times over the whole benchmark (`disturbed` counts them).
 */
async function measuredRuns<T>(
  cluster: RaftProcessCluster,
  count: number,
  label: string,
  disturbed: { runs: number },
  measure: (leader: NodeId) => Promise<T>,
  describe: (result: T) => string,
): Promise<T[]> {
  const results: T[] = [];
  while (results.length < count) {
    const leader = await cluster.waitForLeader(STARTUP_MS);
    try {
      results.push(await measure(leader));
    } catch (error) {
      if (!isBrokerError(error, 'NOT_CONTROLLER') || ++disturbed.runs > MAX_DISTURBED_RUNS) throw error;
      process.stdout.write(`${label} run ${results.length + 1} disturbed by a leader change; running it again\n`);
      continue;
    }
    process.stdout.write(`${label} run ${results.length}: ${describe(results[results.length - 1]!)}\n`);
  }
  return results;
}

function latencyFigures(latenciesMs: readonly number[]): string {
  return `p50 ${round(percentile(latenciesMs, 50), 2)} ms, p99 ${round(percentile(latenciesMs, 99), 2)} ms`;
}

async function waitUntilCaughtUp(cluster: RaftProcessCluster): Promise<void> {
  await cluster.waitFor(async () => {
    const statuses = await Promise.all(cluster.ids().map((id) => cluster.status(id)));
    if (statuses.some((s) => s === undefined)) return undefined;
    const target = Math.max(...statuses.map((s) => s!.commitIndex));
    return statuses.every((s) => s!.appliedIndex >= target) ? true : undefined;
  }, STARTUP_MS, 50);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // Before the voters start, so their processes do not compete with the measurement.
  const machine = await measureMachine();
  const cluster = await RaftProcessCluster.start(3, FAST_TIMING);
  const onSignal = (): void => void cluster.destroy().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  try {
    const disturbed = { runs: 0 };
    const throughput = await measuredRuns(
      cluster,
      args.runs,
      'throughput',
      disturbed,
      (leader) => measureThroughput(cluster, leader, args.seconds, args.window),
      (r) => `${Math.round(r.perSecond)} proposals/s, ${latencyFigures(r.latenciesMs)}`,
    );
    const fixedRate = await measuredRuns(
      cluster,
      args.rate > 0 ? args.runs : 0,
      `${args.rate}/s`,
      disturbed,
      (leader) => measureFixedRate(cluster, leader, args.seconds, args.rate),
      (latencies) => `${Math.round(latencies.length / args.seconds)} proposals/s committed, ${latencyFigures(latencies)}`,
    );
    const failovers: number[] = [];
    for (let run = 0; run < args.failovers; run++) {
      const leader = await cluster.waitForLeader(STARTUP_MS);
      await waitUntilCaughtUp(cluster);
      const ms = await measureFailover(cluster, leader);
      failovers.push(ms);
      process.stdout.write(`failover run ${run + 1}: leader ${leader} killed, next commit after ${Math.round(ms)} ms\n`);
      cluster.startNode(leader);
      await waitUntilCaughtUp(cluster);
    }
    // Committed payload bytes: each goes to two followers over loopback and into every voter's log.
    const committedMBps = (median(throughput.map((t) => t.perSecond)) * ENTRY_BYTES) / 1e6;
    process.stdout.write(
      `${describeMachine(machine)}; committed proposals ${round(committedMBps, 2)} MB/s are ${percentOf(committedMBps, machine.loopbackTcp)} of loopback TCP ` +
        `and ${percentOf(committedMBps, machine.diskWrite)} of sequential disk write\n`,
    );
    printResult('raft', {
      ...machineFigures(machine),
      committedMBps: round(committedMBps, 2),
      voters: 3,
      entryBytes: ENTRY_BYTES,
      window: args.window,
      tickMs: FAST_TIMING.tickMs,
      electionTicks: FAST_TIMING.electionTicks,
      heartbeatTicks: FAST_TIMING.heartbeatTicks,
      proposalsPerSec: Math.round(median(throughput.map((t) => t.perSecond))),
      commitP50Ms: round(median(throughput.map((t) => percentile(t.latenciesMs, 50))), 2),
      commitP99Ms: round(median(throughput.map((t) => percentile(t.latenciesMs, 99))), 2),
      ...(fixedRate.length > 0
        ? {
            fixedRate: args.rate,
            fixedRateP50Ms: round(median(fixedRate.map((l) => percentile(l, 50))), 2),
            fixedRateP99Ms: round(median(fixedRate.map((l) => percentile(l, 99))), 2),
          }
        : {}),
      ...(failovers.length > 0 ? { failoverMs: Math.round(median(failovers)), failoverMaxMs: Math.round(Math.max(...failovers)) } : {}),
      runs: args.runs,
      failoverRuns: args.failovers,
      disturbedRuns: disturbed.runs,
    });
  } finally {
    process.off('SIGINT', onSignal);
    await cluster.destroy();
  }
}

await main();
