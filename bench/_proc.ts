/**
 * Per-process CPU and memory from Linux's /proc, for benchmarks that judge what node processes
 * cost at rest. Reading /proc costs nothing in the processes observed, unlike asking them.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of utime/stime in /proc/<pid>/stat; 100 on every common Linux. */
const CLOCK_TICKS = ((): number => {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) the process has used so far. */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may contain spaces; count fields after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 (utime) and 15 (stime), counted from 1 with pid and comm as fields 1 and 2.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Resident set size in MB (VmRSS of /proc/<pid>/status). */
export function rssMbOf(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status (is the process gone?)`);
  return Number(match[1]) / 1024;
}

/**
 * Each process's CPU use over a window of `seconds`, in percent of one core (100 = one core
 * busy the whole window), as the kernel accounts it.
 */
export async function sampleCpuPercent(pids: readonly number[], seconds: number): Promise<number[]> {
  const before = pids.map(cpuSecondsOf);
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const elapsed = (performance.now() - started) / 1000;
  return pids.map((pid, i) => ((cpuSecondsOf(pid) - before[i]!) / elapsed) * 100);
}
