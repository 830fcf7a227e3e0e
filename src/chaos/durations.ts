/** Durations as people type them: `500ms`, `30s`, `2m`, or plain milliseconds; ranges as `2s..6s`. */

export class InvalidDurationError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidDurationError';
  }
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000 };

/** Whole milliseconds from `500ms`, `1.5s`, `2m` or `250`. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(text);
  if (!match) throw new InvalidDurationError(`expected a duration such as 500ms, 30s or 2m, got '${text}'`);
  const ms = Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 'ms']!);
  if (!Number.isSafeInteger(ms)) throw new InvalidDurationError(`duration '${text}' is too long`);
  return ms;
}

/** `[min, max]` from `2s..6s`, or `[d, d]` from a single duration. */
export function parseDurationRange(text: string): [number, number] {
  const parts = text.split('..');
  if (parts.length > 2) throw new InvalidDurationError(`expected a range such as 2s..6s, got '${text}'`);
  const min = parseDuration(parts[0]!);
  const max = parts.length === 2 ? parseDuration(parts[1]!) : min;
  if (max < min) throw new InvalidDurationError(`range '${text}' ends before it starts`);
  return [min, max];
}
