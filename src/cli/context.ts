/** What every verb needs first: the run directory (--dir, $BROKERLAB_DIR, ./.brokerlab) and its cluster. */
import type { Command } from 'commander';
import { defaultRunDir, Supervisor, type SupervisorOptions } from '../../cluster/index.js';

export function runDirOf(command: Command): string {
  const dir = (command.optsWithGlobals() as { dir?: string }).dir;
  return defaultRunDir(dir);
}

/**
 * How the CLI starts nodes: in their own session (they outlive the CLI and miss the terminal's
 * Ctrl-C). BROKERLAB_NODE_ENTRY runs another node build instead of dist/src/node/main.js.
 */
export function cliSupervisorOptions(killOnExit: boolean): SupervisorOptions {
  const options: SupervisorOptions = { detached: true, killOnExit };
  const entry = process.env['BROKERLAB_NODE_ENTRY'];
  if (entry) options.nodeEntryPoint = entry;
  return options;
}

/** The cluster in the run directory; NoClusterError (a clear message) when there is none. */
export function openCluster(command: Command, options: SupervisorOptions = cliSupervisorOptions(false)): Supervisor {
  return Supervisor.open(runDirOf(command), options);
}

/** Runs `body` with the cluster open and always releases its gRPC channels. */
export async function withCluster<T>(command: Command, body: (supervisor: Supervisor) => Promise<T>): Promise<T> {
  const supervisor = openCluster(command);
  try {
    return await body(supervisor);
  } finally {
    supervisor.close();
  }
}

/** `--dir X` to repeat in suggested commands, when the run directory is not the default. */
export function dirFlagFor(dir: string): string {
  return dir === defaultRunDir(undefined, {}) ? '' : ` --dir ${dir}`;
}

export function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}
