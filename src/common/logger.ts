/**
 * Structured logs with pino: one root logger per process carrying `{node}`, child loggers for
 * `{topic, partition}` or `{peer}`. Cores receive a `Logger` and never create their own.
 */
import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';

export type Logger = PinoLogger;

export interface LoggerOptions {
  node?: number | string;
  level?: string;
  /** Where to write; defaults to stdout. A file path is opened in append mode. */
  destination?: string | DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env['BROKERLAB_LOG_LEVEL'] ?? 'info';
  const base = options.node === undefined ? {} : { node: options.node };
  const dest =
    typeof options.destination === 'string'
      ? pino.destination({ dest: options.destination, append: true, mkdir: true, sync: false })
      : options.destination;
  return dest ? pino({ level, base }, dest) : pino({ level, base });
}

/** A logger that drops everything: for tests and the simulation unless asked otherwise. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
