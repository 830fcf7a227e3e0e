/**
 * `npm run soak -- --runs 100`: many seeded chaos runs on real processes, one fresh 3-node
 * cluster each, every nemesis kind, acks=all with the idempotent producer; prints one line per
 * run and the totals (runs, faults, records, lost, duplicated, anomalies, worst unavailability).
 * Runs whose guarantees did not hold keep their chaos-<seed>/ directory (replay with
 * `brokerlab chaos --replay DIR`); the others are removed.
 *
 *   node dist/test/soak/main.js [--runs N] [--duration 30s] [--seed S] [--out DIR]
 *
 * Exits 1 when any run failed. Not part of `npm test`: 100 runs take about an hour.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDuration } from '../../src/chaos/durations.js';
import { runChaos } from '../../src/chaos/run-chaos.js';
import { NEMESIS_KINDS } from '../../src/chaos/schedule.js';

interface Args {
  runs: number;
  durationMs: number;
  seed: number;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { runs: 100, durationMs: 30_000, seed: (Date.now() ^ (process.pid << 8)) & 0x3fffffff, out: 'soak' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    switch (flag) {
      case '--runs':
      case '--seed': {
        const n = Number(value);
        if (!Number.isSafeInteger(n) || n < (flag === '--runs' ? 1 : 0)) throw new Error(`${flag}: ${value} is not a whole number${flag === '--runs' ? ' >= 1' : ''}`);
        if (flag === '--runs') args.runs = n;
        else args.seed = n;
        break;
      }
      case '--duration':
        args.durationMs = parseDuration(value);
        break;
      case '--out':
        args.out = value;
        break;
      default:
        throw new Error(`unknown flag ${flag} (known: --runs, --duration, --seed, --out)`);
    }
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const out = resolve(args.out);
  mkdirSync(out, { recursive: true });
  console.log(`soak: ${args.runs} chaos runs of ${args.durationMs} ms from seed ${args.seed}, every nemesis kind, acks=all, idempotent; failing runs kept in ${out}`);
  const totals = { runs: 0, failed: 0, faults: 0, skipped: 0, acknowledged: 0, lost: 0, duplicated: 0, anomalies: 0, worstUnavailableMs: 0, worstSeed: -1 };
  const failedSeeds: number[] = [];
  const started = performance.now();
  for (let i = 0; i < args.runs; i++) {
    const seed = args.seed + i;
    const result = await runChaos({
      seed,
      durationMs: args.durationMs,
      nemesis: NEMESIS_KINDS,
      intervalMs: [2_000, 6_000],
      faultMs: [1_000, 4_000],
      settings: { workload: 'queue', acks: 'all', idempotent: true, minInsync: 2, ratePerSecond: 1_000 },
      outDir: out,
    });
    const report = result.report!;
    const worst = Math.round(Math.max(0, ...(result.availability ?? []).map((p) => p.maxMs)));
    totals.runs++;
    totals.faults += result.nemesis.injected;
    totals.skipped += result.nemesis.skipped.length;
    totals.acknowledged += report.stats.acknowledgedValues;
    totals.lost += report.lostWrites.length;
    totals.duplicated += report.duplicates.length;
    totals.anomalies += result.verdict!.violations.length;
    if (worst > totals.worstUnavailableMs) {
      totals.worstUnavailableMs = worst;
      totals.worstSeed = seed;
    }
    const ok = result.exitCode === 0;
    if (!ok) {
      totals.failed++;
      failedSeeds.push(seed);
    } else {
      rmSync(result.runDir, { recursive: true, force: true });
    }
    console.log(
      `run ${String(i + 1).padStart(3)} seed ${seed}: ${ok ? 'ok  ' : 'FAIL'} faults ${result.nemesis.injected}, acknowledged ${report.stats.acknowledgedValues}, ` +
        `lost ${report.lostWrites.length}, duplicated ${report.duplicates.length}, longest unavailability ${worst} ms` +
        (ok ? '' : `; ${result.verdict!.violations.join('; ')}; kept ${result.runDir}`),
    );
  }
  const minutes = ((performance.now() - started) / 60_000).toFixed(1);
  console.log(`\nsoak totals after ${minutes} min`);
  console.log(`  runs                    ${totals.runs} (${totals.failed} failed${failedSeeds.length > 0 ? `: seeds ${failedSeeds.join(', ')}` : ''})`);
  console.log(`  faults injected         ${totals.faults}${totals.skipped > 0 ? ` (${totals.skipped} skipped)` : ''}`);
  console.log(`  values acknowledged     ${totals.acknowledged}`);
  console.log(`  lost                    ${totals.lost}`);
  console.log(`  duplicated              ${totals.duplicated}`);
  console.log(`  anomaly classes         ${totals.anomalies}`);
  console.log(`  worst unavailability    ${totals.worstUnavailableMs} ms (seed ${totals.worstSeed})`);
  process.exitCode = totals.failed > 0 ? 1 : 0;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(2);
});
