/**
 * A reader of Prometheus's text exposition format (version 0.0.4, what prom-client serves):
 * `# HELP` and `# TYPE` lines, and samples `name{label="value",...} value [timestamp]` with the
 * format's escapes (`\\`, `\"`, `\n`) and special values (`NaN`, `+Inf`, `-Inf`, any case). prom-client
 * writes this format but does not read it; `brokerlab metrics` and the tests need to.
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timestampMs?: number;
}

export interface Exposition {
  readonly samples: readonly Sample[];
  /** Metric family name -> counter, gauge, histogram, summary or untyped. */
  readonly types: ReadonlyMap<string, string>;
  readonly help: ReadonlyMap<string, string>;
}

export class ExpositionParseError extends Error {
  constructor(lineNumber: number, line: string, reason: string) {
    super(`line ${lineNumber}: ${reason}: ${line.length > 120 ? `${line.slice(0, 120)}…` : line}`);
    this.name = 'ExpositionParseError';
  }
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    if (line.startsWith('#')) {
      const meta = /^#\s*(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\s+(.*))?$/.exec(line);
      if (meta?.[1] === 'TYPE') types.set(meta[2]!, (meta[3] ?? 'untyped').trim());
      else if (meta?.[1] === 'HELP') help.set(meta[2]!, unescapeHelp(meta[3] ?? ''));
      return; // any other comment is ignored, as the format says
    }
    samples.push(parseSample(line, index + 1));
  });
  return { samples, types, help };
}

function parseSample(line: string, lineNumber: number): Sample {
  const name = NAME.exec(line)?.[0];
  if (!name) throw new ExpositionParseError(lineNumber, line, 'expected a metric name');
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    for (;;) {
      rest = rest.trimStart();
      if (rest.startsWith('}')) {
        rest = rest.slice(1);
        break;
      }
      const labelName = LABEL_NAME.exec(rest)?.[0];
      if (!labelName) throw new ExpositionParseError(lineNumber, line, 'expected a label name');
      rest = rest.slice(labelName.length).trimStart();
      if (!rest.startsWith('="') && !rest.startsWith('=')) throw new ExpositionParseError(lineNumber, line, `expected = after label ${labelName}`);
      rest = rest.slice(1).trimStart();
      if (!rest.startsWith('"')) throw new ExpositionParseError(lineNumber, line, `expected a quoted value for label ${labelName}`);
      const { value, length } = readQuoted(rest, lineNumber, line);
      labels[labelName] = value;
      rest = rest.slice(length).trimStart();
      if (rest.startsWith(',')) rest = rest.slice(1);
      else if (!rest.startsWith('}')) throw new ExpositionParseError(lineNumber, line, 'expected , or } after a label');
    }
  }
  const fields = rest.trim().split(/\s+/);
  if (fields.length < 1 || fields[0] === '' || fields.length > 2) throw new ExpositionParseError(lineNumber, line, 'expected a value and an optional timestamp');
  const value = parseValue(fields[0]!);
  if (value === undefined) throw new ExpositionParseError(lineNumber, line, `bad value ${fields[0]}`);
  if (fields.length === 2) {
    const timestampMs = Number(fields[1]);
    if (!Number.isInteger(timestampMs)) throw new ExpositionParseError(lineNumber, line, `bad timestamp ${fields[1]}`);
    return { name, labels, value, timestampMs };
  }
  return { name, labels, value };
}

/** A label value from its opening quote: the unescaped text and how many characters it spanned. */
function readQuoted(text: string, lineNumber: number, line: string): { value: string; length: number } {
  let value = '';
  for (let i = 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') return { value, length: i + 1 };
    if (c === '\\') {
      const next = text[++i];
      if (next === 'n') value += '\n';
      else if (next === '\\' || next === '"') value += next;
      else throw new ExpositionParseError(lineNumber, line, `bad escape \\${next ?? ''}`);
    } else value += c;
  }
  throw new ExpositionParseError(lineNumber, line, 'unterminated label value');
}

/** As Prometheus reads them (Go's ParseFloat): NaN and Inf in any case; prom-client writes `Nan`. */
function parseValue(text: string): number | undefined {
  const word = text.toLowerCase();
  if (word === 'nan') return Number.NaN;
  if (word === '+inf' || word === 'inf') return Number.POSITIVE_INFINITY;
  if (word === '-inf') return Number.NEGATIVE_INFINITY;
  const value = Number(text);
  return text !== '' && !Number.isNaN(value) ? value : undefined;
}

function unescapeHelp(text: string): string {
  return text.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
}
