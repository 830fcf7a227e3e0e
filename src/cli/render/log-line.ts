/**
 * A node's pino JSON log line made readable: time, level, node, topic-partition, message, then
 * the remaining fields as key=value. Lines that are not JSON (a crash's output) pass through.
 */
import { createStyle, type Style } from './style.js';

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** Fields shown in their own place, or not at all (pid, hostname: the same on every line). */
const PLACED_FIELDS = new Set(['time', 'level', 'node', 'topic', 'partition', 'msg', 'pid', 'hostname', 'v']);

export function levelNumber(name: string): number | undefined {
  const entry = Object.entries(LEVEL_NAMES).find(([, n]) => n === name.toUpperCase());
  return entry ? Number(entry[0]) : undefined;
}

export interface ParsedLogLine {
  time?: number;
  level?: number;
  record?: Record<string, unknown>;
  raw: string;
}

export function parseLogLine(raw: string): ParsedLogLine {
  if (!raw.startsWith('{')) return { raw };
  try {
    const record = JSON.parse(raw) as Record<string, unknown>;
    const parsed: ParsedLogLine = { raw, record };
    if (typeof record['time'] === 'number') parsed.time = record['time'];
    if (typeof record['level'] === 'number') parsed.level = record['level'];
    return parsed;
  } catch {
    return { raw };
  }
}

export function formatLogLine(raw: string, options: { colour: boolean; nodeFallback?: number }): string {
  const parsed = parseLogLine(raw);
  const style = createStyle(options.colour);
  if (!parsed.record) return raw;
  const r = parsed.record;
  const parts: string[] = [];
  parts.push(style.dim(formatTime(parsed.time)));
  parts.push(levelLabel(parsed.level, style));
  const node = r['node'] ?? options.nodeFallback;
  if (node !== undefined) parts.push(style.cyan(`node ${String(node)}`));
  if (r['topic'] !== undefined) parts.push(style.magenta(r['partition'] !== undefined ? `${String(r['topic'])}-${String(r['partition'])}` : String(r['topic'])));
  parts.push(typeof r['msg'] === 'string' ? r['msg'] : '');
  const extras = Object.entries(r)
    .filter(([key]) => !PLACED_FIELDS.has(key))
    .map(([key, value]) => style.dim(`${key}=`) + formatValue(value));
  let line = [...parts, ...extras].filter((p) => p !== '').join(' ');
  const stack = (r['err'] as { stack?: unknown } | undefined)?.stack;
  if (typeof stack === 'string') line += `\n${style.dim(indent(stack))}`;
  return line;
}

function levelLabel(level: number | undefined, style: Style): string {
  const name = (level !== undefined ? LEVEL_NAMES[level] : undefined) ?? String(level ?? '?');
  const padded = name.padEnd(5);
  if (level === undefined) return padded;
  if (level >= 50) return style.red(padded);
  if (level >= 40) return style.yellow(padded);
  if (level >= 30) return style.green(padded);
  return style.dim(padded);
}

/** Local wall-clock time with milliseconds: what a reader lines up against a terminal. */
function formatTime(ms: number | undefined): string {
  if (ms === undefined) return '--:--:--.---';
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  if (value && typeof value === 'object' && 'message' in value) return JSON.stringify((value as { message: unknown }).message);
  return JSON.stringify(value);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}
