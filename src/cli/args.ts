// Command-line flags: every command declares its flags (type, default, help); parsing checks
// them and reports the first problem as a UsageError naming the command and the flag.

export class UsageError extends Error {
  override name = 'UsageError';
}

/** A number in decimal notation: Number() alone would also take '0x2', '0b1' and surrounding spaces. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export type FlagType = 'string' | 'number' | 'integer' | 'boolean' | 'list';

export interface FlagSpec {
  type: FlagType;
  help: string;
  default?: string | number | boolean;
  /** Allowed values of a string flag. */
  choices?: readonly string[];
  /** Smallest allowed value of a number flag. */
  min?: number;
  /** Shown in help instead of the type ('FILE', 'DIR', ...). */
  placeholder?: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** Extra help text (examples). */
  details?: string;
  flags: Record<string, FlagSpec>;
}

export type FlagValue = string | number | boolean | string[] | undefined;
export type ParsedFlags = Record<string, FlagValue>;

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Help text of a command. */
export function formatHelp(command: CommandSpec): string {
  const rows = Object.entries(command.flags).map(([name, spec]) => {
    const value = spec.type === 'boolean' ? '' : ` <${spec.placeholder ?? (spec.choices ? spec.choices.join('|') : spec.type)}>`;
    const fallback = spec.default !== undefined && spec.type !== 'boolean' ? ` (default ${spec.default})` : '';
    return [`  --${kebab(name)}${value}`, `${spec.help}${fallback}`] as const;
  });
  rows.push(['  --help', 'show this help'] as const);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return [
    `usage: adtn ${command.name} [flags]`,
    '',
    command.summary,
    '',
    'flags:',
    ...rows.map(([left, right]) => left.padEnd(width) + right),
    ...(command.details ? ['', command.details] : []),
  ].join('\n');
}

/**
 * Parses `--flag value`, `--flag=value` and boolean `--flag` / `--no-flag`. Returns null when
 * --help was asked for.
 */
export function parseFlags(command: CommandSpec, argv: readonly string[]): { flags: ParsedFlags; given: Set<string> } | null {
  const byKebab = new Map(Object.entries(command.flags).map(([name, spec]) => [kebab(name), [name, spec] as const]));
  const out: ParsedFlags = {};
  const given = new Set<string>();
  const where = `adtn ${command.name}`;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return null;
    if (!arg.startsWith('--')) throw new UsageError(`${where}: unexpected argument ${JSON.stringify(arg)} (flags start with --; see adtn ${command.name} --help)`);
    let key = arg.slice(2);
    let inline: string | undefined;
    const eq = key.indexOf('=');
    if (eq >= 0) {
      inline = key.slice(eq + 1);
      key = key.slice(0, eq);
    }
    let negated = false;
    if (!byKebab.has(key) && key.startsWith('no-') && byKebab.get(key.slice(3))?.[1].type === 'boolean') {
      negated = true;
      key = key.slice(3);
    }
    const entry = byKebab.get(key);
    if (entry === undefined) {
      const known = [...byKebab.keys()].map((k) => `--${k}`).join(', ');
      throw new UsageError(`${where}: unknown flag --${key} (known flags: ${known})`);
    }
    const [name, spec] = entry;
    given.add(name);
    if (spec.type === 'boolean') {
      if (inline !== undefined && inline !== 'true' && inline !== 'false') throw new UsageError(`${where}: --${key} takes no value or true/false, got ${JSON.stringify(inline)}`);
      out[name] = negated ? false : inline !== 'false';
      continue;
    }
    const raw = inline ?? argv[++i];
    if (raw === undefined || (inline === undefined && raw.startsWith('--'))) throw new UsageError(`${where}: --${key} needs a value`);
    out[name] = convert(where, key, spec, raw);
  }
  for (const [name, spec] of Object.entries(command.flags)) {
    if (out[name] === undefined && spec.default !== undefined) out[name] = spec.type === 'list' ? String(spec.default).split(',') : spec.default;
  }
  return { flags: out, given };
}

function convert(where: string, key: string, spec: FlagSpec, raw: string): FlagValue {
  switch (spec.type) {
    case 'string':
      if (spec.choices && !spec.choices.includes(raw)) throw new UsageError(`${where}: --${key} must be one of ${spec.choices.join(', ')}, got ${JSON.stringify(raw)}`);
      if (raw === '') throw new UsageError(`${where}: --${key} needs a non-empty value`);
      return raw;
    case 'list': {
      const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
      if (items.length === 0) throw new UsageError(`${where}: --${key} needs a comma-separated list, got ${JSON.stringify(raw)}`);
      if (spec.choices) {
        const bad = items.find((s) => !spec.choices!.includes(s));
        if (bad !== undefined) throw new UsageError(`${where}: --${key} items must be among ${spec.choices.join(', ')}, got ${JSON.stringify(bad)}`);
      }
      return items;
    }
    case 'number':
    case 'integer': {
      const value = DECIMAL.test(raw) ? Number(raw) : NaN;
      if (!Number.isFinite(value)) throw new UsageError(`${where}: --${key} must be a number, got ${JSON.stringify(raw)}`);
      if (spec.type === 'integer' && !Number.isInteger(value)) throw new UsageError(`${where}: --${key} must be an integer, got ${JSON.stringify(raw)}`);
      if (spec.min !== undefined && value < spec.min) throw new UsageError(`${where}: --${key} must be at least ${spec.min}, got ${value}`);
      return value;
    }
    default:
      throw new UsageError(`${where}: --${key}: unsupported flag type`);
  }
}
