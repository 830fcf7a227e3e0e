/**
 * How the CLI fails: one clear line on stderr and a non-zero exit, never a stack trace (unless
 * BROKERLAB_DEBUG is set). Errors the supervisor and client raise for bad input or an unreachable
 * cluster already carry a message written for the user; anything else is an internal error.
 */
import { BrokerError } from '../common/errors.js';

/** A failure the CLI reports as is; `exitCode` 2 marks bad usage, 1 a failed operation. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, 2);
}

/** Errors whose message is meant for the user. */
const USER_FACING = new Set([
  'CliError',
  'NoClusterError',
  'CorruptStateError',
  'InvalidClusterOptionError',
  'UnknownNodeError',
  'ClusterNotReadyError',
  'NodeNotBuiltError',
  'NodeUnreachableError',
  'PortUnavailableError',
  'WaitTimeoutError',
  'RangeError',
  'TypeError',
]);

export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof Error && (error.name === 'InvalidClusterOptionError' || error.name === 'UnknownNodeError')) return 2;
  return 1;
}

export function messageOf(error: unknown): string {
  if (error instanceof BrokerError) return error.message;
  if (error instanceof Error) {
    if (USER_FACING.has(error.name)) return error.message;
    return `internal error: ${error.message} (set BROKERLAB_DEBUG=1 for details)`;
  }
  return `internal error: ${String(error)}`;
}

export function reportAndExit(error: unknown): void {
  process.stderr.write(`brokerlab: ${messageOf(error)}\n`);
  if (process.env['BROKERLAB_DEBUG'] && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  exitAfterOutput(exitCodeOf(error));
}

/**
 * Exits once everything written to stdout and stderr has left the process. When they are pipes
 * (a script reading our output) writes are asynchronous, and a bare process.exit cuts them off.
 */
export function exitAfterOutput(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}
