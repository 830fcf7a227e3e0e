/**
 * Child processes for the interop suites (kcat, the kafka-python driver): every run is bounded,
 * every process is tracked and killed by `stopAll()` (call it in afterAll and in finally blocks),
 * and output is collected so a test can wait for a line or show what the tool said when it fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The process outlived its time limit and was SIGKILLed. */
  timedOut: boolean;
}

export interface RunOptions {
  /** Written to stdin, which is then closed. Without it stdin is closed at once. */
  input?: string;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

const live = new Set<LiveProcess>();

/** Runs a command to its end, or SIGKILLs it after `timeoutMs`; never rejects for a non-zero exit. */
export async function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const p = new LiveProcess(command, args, options.env);
  try {
    p.end(options.input);
    const exit = await p.exited(options.timeoutMs);
    return { ...exit, stdout: p.stdout, stderr: p.stderr };
  } finally {
    await p.stop();
  }
}

/** A long-running child: its output accumulates; tests wait on it with bounded waits. */
export class LiveProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exitPromise: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly command: string,
    readonly args: readonly string[],
    env?: NodeJS.ProcessEnv,
  ) {
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: env ?? process.env });
    live.add(this);
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    // A tool that exits before reading its input must not crash the test with EPIPE.
    this.child.stdin!.on('error', () => {});
    this.exitPromise = new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null): void => {
        this.exit ??= { code, signal };
        live.delete(this);
        resolve(this.exit);
      };
      this.child.on('exit', done);
      this.child.on('error', (e) => {
        this.stderr += `\n[spawn failed: ${e.message}]`;
        done(null, null);
      });
    });
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Writes to stdin (if the process still reads it). */
  write(text: string): void {
    if (this.running && this.child.stdin!.writable) this.child.stdin!.write(text);
  }

  /** Writes the last input, if any, and closes stdin. */
  end(text?: string): void {
    if (!this.child.stdin!.writable) return;
    if (text !== undefined) this.child.stdin!.end(text);
    else this.child.stdin!.end();
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** Waits for the exit; after `timeoutMs` the process is SIGKILLed and `timedOut` is true. */
  async exited(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; timedOut: boolean }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    try {
      const outcome = await Promise.race([this.exitPromise, timeout]);
      if (outcome !== 'timeout') return { ...outcome, timedOut: false };
      this.signal('SIGKILL');
      return { ...(await this.exitPromise), timedOut: true };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits until `probe` (given stdout and stderr so far) is truthy; fails on timeout or early exit. */
  async waitFor<T>(probe: (stdout: string, stderr: string) => T | undefined | false | null, timeoutMs: number, description: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = probe(this.stdout, this.stderr);
      if (found !== undefined && found !== false && found !== null) return found;
      if (!this.running) throw new Error(`${this.describe()} exited (${JSON.stringify(this.exit)}) before ${description}\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description} from ${this.describe()}\n${this.tail()}`);
      await sleep(50);
    }
  }

  /** Ends the process politely (SIGTERM), then SIGKILL after `graceMs`. Safe to call twice. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.running) return;
    this.end();
    this.signal('SIGTERM');
    await this.exited(graceMs);
  }

  describe(): string {
    return `${this.command} ${this.args.join(' ')}`;
  }

  /** The end of the output, for failure messages. */
  tail(chars = 3_000): string {
    return `--- stdout (end) ---\n${this.stdout.slice(-chars)}\n--- stderr (end) ---\n${this.stderr.slice(-chars)}`;
  }
}

/** SIGKILLs every process these helpers started that is still running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop(1_000)));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `done` every 50 ms; throws with `describe()` once `timeoutMs` has passed. */
export async function waitUntil(done: () => boolean | Promise<boolean>, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await sleep(50);
  }
}

/** Rejects with `description` if `promise` has not settled within `timeoutMs`. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, description: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms: ${description}`)), timeoutMs))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
