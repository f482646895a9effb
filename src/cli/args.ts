/** Command-line parsing shared by every verb: one clear sentence on bad input. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError } from '../engine/input-error.ts';
import { checkBudget } from '../engine/limits.ts';

export class UsageError extends InputError {
  override name = 'UsageError';
}

/** The command ran and failed as it can (training diverged, no scheme fits the budget): said as is, not as a bug. */
export class CommandFailure extends Error {
  override name = 'CommandFailure';
}

export type Options = Record<string, string | boolean | undefined>;

const COMMON: NonNullable<ParseArgsConfig['options']> = {
  json: { type: 'boolean' },
  model: { type: 'string' },
  resolution: { type: 'string' },
  classes: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export function parseVerbArgs(argv: string[], extra: NonNullable<ParseArgsConfig['options']> = {}): Options {
  try {
    return parseArgs({ args: argv, options: { ...COMMON, ...extra }, allowPositionals: false, strict: true }).values as Options;
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify.*$/s, ''));
  }
}

export function intOption(opts: Options, name: string, fallback: number, min: number, max: number): number {
  const raw = opts[name];
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return v;
}

export function numOption(opts: Options, name: string, fallback: number, min: number, max: number): number {
  const raw = opts[name];
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}, got "${raw}"`);
  return v;
}

/** A memory budget: "256KB", "1MB", "320kb", "262144" -> bytes (KB = 1024 bytes, as the paper counts), within limits.ts's range. */
export function bytesOption(opts: Options, name: string, fallback: number): number {
  const raw = opts[name];
  if (raw === undefined) return fallback;
  const m = /^\s*(\d{1,12}(?:\.\d{1,6})?)\s*(b|kb|kib|k|mb|mib|m)?\s*$/i.exec(String(raw));
  if (!m) throw new UsageError(`--${name} must be a size such as 256KB or 1MB, got "${raw}"`);
  const unit = (m[2] ?? 'b').toLowerCase();
  const mult = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1;
  try {
    return checkBudget(`--${name}`, Number(m[1]) * mult);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/**
 * An output path: a file or folder to write. "-" (stdout) is refused: every verb writes files or a
 * folder, and a folder named "-" is never what was meant.
 */
export function outputOption(opts: Options, name: string): string {
  const v = requireOption(opts, name);
  if (v === '-') throw new UsageError(`--${name} - is not supported: this verb writes files, give a folder or file name`);
  return v;
}

export function requireOption(opts: Options, name: string): string {
  const v = opts[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}
