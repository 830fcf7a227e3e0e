/**
 * The user's own command (`brokerlab chaos -- npm test`), run against the cluster while the
 * nemesis runs. It gets the cluster's addresses in its environment: KAFKA_BOOTSTRAP_SERVERS (the
 * Kafka listeners, for any Kafka client) and BROKERLAB_BOOTSTRAP_SERVERS (the gRPC addresses, for
 * brokerlab's own client). It inherits the terminal, runs in its own process group so everything
 * it starts can be stopped with it, and is stopped (SIGTERM, then SIGKILL) if it outlives its
 * time limit.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface UserCommandOptions {
  readonly argv: readonly string[];
  readonly kafkaBootstrap: readonly string[];
  readonly brokerlabBootstrap: readonly string[];
  readonly timeoutMs: number;
  /** How long after SIGTERM before SIGKILL. */
  readonly killGraceMs?: number;
}

export interface UserCommandResult {
  /** The exit code; null when it died of a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  /** Set when it could not be started at all. */
  readonly error?: string;
}

export class UserCommand {
  readonly done: Promise<UserCommandResult>;
  private readonly child: ChildProcess;

  constructor(options: UserCommandOptions) {
    const [file, ...args] = options.argv;
    if (!file) throw new RangeError('no command given after --');
    const env = {
      ...process.env,
      KAFKA_BOOTSTRAP_SERVERS: options.kafkaBootstrap.join(','),
      BROKERLAB_BOOTSTRAP_SERVERS: options.brokerlabBootstrap.join(','),
    };
    this.child = spawn(file, args, { stdio: 'inherit', env, detached: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.signalGroup('SIGTERM');
      setTimeout(() => this.signalGroup('SIGKILL'), options.killGraceMs ?? 5_000).unref();
    }, options.timeoutMs);
    this.done = new Promise((resolve) => {
      this.child.once('error', (e) => {
        clearTimeout(timer);
        resolve({ code: null, signal: null, timedOut: false, error: e.message });
      });
      this.child.once('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, timedOut });
      });
    });
  }

  /** Stops the command and everything it started (when the chaos run itself is interrupted). */
  stop(): void {
    this.signalGroup('SIGTERM');
  }

  private signalGroup(signal: NodeJS.Signals): void {
    if (this.child.pid === undefined || this.child.exitCode !== null) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // Already gone.
    }
  }
}

export function describeCommandResult(argv: readonly string[], result: UserCommandResult): string {
  const command = argv.join(' ');
  if (result.error) return `could not run '${command}': ${result.error}`;
  if (result.timedOut) return `'${command}' ran past its time limit and was stopped`;
  if (result.code === null) return `'${command}' was killed by ${result.signal}`;
  return `'${command}' exited with code ${result.code}`;
}
