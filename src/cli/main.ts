#!/usr/bin/env node
// The adtn command line: adtn <command> [flags]. Usage errors (bad flags, bad paths) exit with
// code 2, failures with 1.

import { AdtnError } from '../errors.js';
import { initEngine } from '../backend/engine.js';
import { formatHelp, parseFlags, UsageError, type CommandSpec, type ParsedFlags } from './args.js';
import { rerunWithRelaxedSimd } from './relaxed-simd.js';
import type { CommandContext } from './commands/context.js';
import { TRAIN, runTrain } from './commands/train.js';
import { COMPRESS, runCompress } from './commands/compress.js';
import { EVAL, runEval } from './commands/eval.js';
import { REPORT, runReport } from './commands/report.js';
import { COMPARE, runCompare } from './commands/compare.js';

const COMMANDS: [CommandSpec, (flags: ParsedFlags, context: CommandContext) => Promise<void>][] = [
  [COMPARE, runCompare], [TRAIN, runTrain], [COMPRESS, runCompress], [EVAL, runEval], [REPORT, runReport],
];

function overview(): string {
  const width = Math.max(...COMMANDS.map(([c]) => c.name.length)) + 2;
  return [
    'usage: adtn <command> [flags]      (adtn <command> --help for its flags)',
    '',
    'Compress neural networks with automatically differentiable tensor networks (ADTN).',
    '',
    'commands:',
    ...COMMANDS.map(([c]) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'environment: ADTN_BUILD=simd runs the plain-SIMD kernels instead of relaxed SIMD.',
  ].join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    // Asked for: help on stdout, exit 0. No command at all is a usage error: stderr, exit 2.
    (name === undefined ? process.stderr : process.stdout).write(overview() + '\n');
    return name === undefined ? 2 : 0;
  }
  const entry = COMMANDS.find(([c]) => c.name === name);
  try {
    if (entry === undefined) throw new UsageError(`unknown command ${JSON.stringify(name)}; commands: ${COMMANDS.map(([c]) => c.name).join(', ')}`);
    const [spec, run] = entry;
    const parsed = parseFlags(spec, rest);
    if (parsed === null) {
      process.stdout.write(formatHelp(spec) + '\n');
      return 0;
    }
    const build = process.env.ADTN_BUILD === 'simd' ? 'simd' : 'auto';
    const engine = await initEngine({ build });
    const context: CommandContext = {
      log: (line) => process.stdout.write(line + '\n'),
      build: `${engine.build === 'relaxed' ? 'relaxed SIMD (fused multiply-add)' : 'SIMD'}, ${engine.threads} thread${engine.threads === 1 ? '' : 's'}`,
      given: parsed.given,
    };
    await run(parsed.flags, context);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      const where = entry === undefined ? 'adtn' : `adtn ${name}`;
      process.stderr.write(`${error.message.startsWith('adtn') ? error.message : `${where}: ${error.message}`}\n`);
      return 2;
    }
    const fileProblem = fileSystemProblem(error);
    if (fileProblem !== null) {
      process.stderr.write(`adtn ${name}: ${fileProblem}\n`);
      return 2;
    }
    if (error instanceof AdtnError) {
      process.stderr.write(`adtn ${name}: ${error.message.replace(new RegExp(`^${name}: `), '')}\n`);
      return 1;
    }
    process.stderr.write(`adtn ${name}: unexpected failure: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}

const FILE_SYSTEM_CODES: Record<string, string> = {
  ENOENT: 'no such file or folder', EISDIR: 'is a folder, a file was expected', ENOTDIR: 'a part of the path is not a folder',
  EEXIST: 'exists already', EACCES: 'permission denied', EPERM: 'operation not permitted', EROFS: 'read-only file system', ENOSPC: 'no space left on the device',
};

/** A clear message for a file-system error from Node (bad paths are the user's to fix), else null. */
function fileSystemProblem(error: unknown): string | null {
  const { code, path } = error as { code?: unknown; path?: unknown };
  if (typeof code !== 'string' || !(code in FILE_SYSTEM_CODES)) return null;
  return `${typeof path === 'string' ? `${path}: ` : ''}${FILE_SYSTEM_CODES[code]} (${code})`;
}

const rerun = rerunWithRelaxedSimd();
if (rerun !== null) process.exitCode = rerun;
else process.exitCode = await main(process.argv.slice(2));
