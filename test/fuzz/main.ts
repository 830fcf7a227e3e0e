/**
 * `npm run fuzz`: fuzzes the Kafka listener's decoders and dispatch path (see kafka-fuzz.ts).
 *
 *   node dist/test/fuzz/main.js [--iterations N] [--seed S] [--socket-fraction F]
 *   node dist/test/fuzz/main.js --replay <hex of header + body>
 *
 * Prints progress, inputs/s, crash count and peak RSS; exits 1 on any crash, printing each
 * distinct crash with the seed, its iteration and its input in hex (replay it with --replay, or
 * rerun the same seed to replay the whole sequence).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fuzz, replay, type FuzzResult } from './kafka-fuzz.js';

interface Args {
  iterations: number;
  seed: number;
  socketFraction: number;
  replay?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { iterations: 1_000_000, seed: (Date.now() ^ (process.pid << 16)) >>> 0, socketFraction: 0.02 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const integer = (): number => {
      const v = value();
      const n = Number(v.replace(/_/g, ''));
      if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${flag}: ${v} is not a non-negative integer`);
      return n;
    };
    switch (flag) {
      case '--iterations':
        args.iterations = integer();
        break;
      case '--seed':
        args.seed = integer() >>> 0;
        break;
      case '--socket-fraction':
        args.socketFraction = Number(value());
        break;
      case '--replay':
        args.replay = value().replace(/\s+/g, '');
        break;
      case '--help':
      case '-h':
        console.log('usage: fuzz [--iterations N] [--seed S] [--socket-fraction F] | --replay HEX');
        process.exit(0);
        break;
      default:
        throw new Error(`unknown flag ${flag}`);
    }
  }
  return args;
}

const mib = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(0)} MiB`;

/** A garbage collection for the heap growth check (the flag can be set at run time). */
function exposeGc(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

function printResult(r: FuzzResult): void {
  console.log('');
  console.log(`seed ${r.seed}: ${r.iterations} inputs in ${(r.elapsedMs / 1000).toFixed(1)} s (${r.inputsPerSecond} inputs/s)`);
  console.log(`direct: ${r.direct.answered} answered, ${r.direct.noAnswer} without answer (acks=0), ${r.direct.rejected} refused (ProtocolError)`);
  console.log(`socket: ${r.socket.inputs} inputs, ${r.socket.answered} answered, ${r.socket.closed} closed by the listener, ${r.socket.stalled} stalled (raw streams)`);
  console.log(`inputs: ${[...r.inputsByHow].map(([how, n]) => `${n} ${how}`).join(', ')}`);
  const byApi = new Map<string, { answered: number; noAnswer: number; rejected: number }>();
  for (const [target, c] of r.perTarget) {
    const api = target.replace(/ v(\d+|\?)$/, '');
    const a = byApi.get(api) ?? { answered: 0, noAnswer: 0, rejected: 0 };
    a.answered += c.answered;
    a.noAnswer += c.noAnswer;
    a.rejected += c.rejected;
    byApi.set(api, a);
  }
  console.log('per API named in the header (answered / refused):');
  for (const [api, c] of [...byApi].sort()) console.log(`  ${api.padEnd(22)} ${String(c.answered + c.noAnswer).padStart(8)} / ${String(c.rejected).padStart(8)}`);
  console.log(`peak RSS ${mib(r.peakRssBytes)}, peak heap ${mib(r.peakHeapUsedBytes)}${r.heapAfterGcBytes.length > 0 ? `, heap after GC ${mib(r.heapAfterGcBytes[0]!)} .. ${mib(Math.max(...r.heapAfterGcBytes))} (last ${mib(r.heapAfterGcBytes.at(-1)!)})` : ''}`);
  console.log(`crashes: ${r.crashCount} (${r.crashes.length} distinct)`);
  for (const c of r.crashes) {
    console.log('');
    console.log(`CRASH ${c.kind} x${c.count} — seed ${r.seed}, iteration ${c.iteration}, lane ${c.lane}, ${c.target} (${c.how})`);
    if (c.inputHex) console.log(`  input (header + body, hex): ${c.inputHex}`);
    console.log(`  ${c.error.split('\n').join('\n  ')}`);
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.replay !== undefined) {
    console.log(await replay(args.replay));
    return;
  }
  console.log(`fuzzing the Kafka listener: ${args.iterations} inputs, seed ${args.seed}, ${(args.socketFraction * 100).toFixed(1)}% over a socket`);
  const gc = exposeGc();
  if (!gc) console.log('(no gc available: the heap growth check is off)');
  const result = await fuzz({
    iterations: args.iterations,
    seed: args.seed,
    socketFraction: args.socketFraction,
    ...(gc ? { gc } : {}),
    progressEvery: Math.max(1000, Math.min(50_000, Math.floor(args.iterations / 20))),
    onProgress: (p) =>
      console.log(
        `${String(p.done).padStart(9)}/${p.total}  ${String(p.inputsPerSecond).padStart(6)} inputs/s  crashes ${p.crashes}  rss ${mib(p.rssBytes)} (peak ${mib(p.peakRssBytes)})  heap ${mib(p.heapUsedBytes)}  ${(p.elapsedMs / 1000).toFixed(0)} s`,
      ),
  });
  printResult(result);
  process.exitCode = result.crashCount > 0 ? 1 : 0;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 2;
});
