/**
 * A small, safe Python pickle virtual machine. It interprets the opcodes itself and never evaluates
 * anything: GLOBAL only yields a reference to one of an explicit allowlist of names, and REDUCE/BUILD
 * on those references are delegated to hooks (see numpy.ts) that accept a few fixed patterns.
 *
 * Robustness: every length read from the stream is checked against the bytes remaining before
 * anything is sliced or allocated; stack, memo, container items and output bytes are capped; the
 * machine and the final walk are iterative, so deep nesting cannot overflow the JS call stack.
 */
import { show } from '../limits.ts';
import { ModelFileError } from './errors.ts';
import type { NdArray } from './numpy.ts';

/** What a pickle decodes to. Tuples and lists both become arrays; bytes become Uint8Array. */
export type PyValue = null | boolean | number | string | Uint8Array | PyValue[] | { [key: string]: PyValue } | NdArray;

/** Intermediate objects that only exist while the machine runs (global references, half-built arrays...). */
export abstract class PyObject {
  abstract describe(): string;
}

/** The result of an allowed GLOBAL opcode: just a name, nothing is imported or looked up. */
export class GlobalRef extends PyObject {
  constructor(readonly module: string, readonly name: string) { super(); }
  is(module: string, name: string): boolean { return this.module === module && this.name === name; }
  describe(): string { return `global ${this.module}.${this.name}`; }
}

/**
 * A long unicode string kept as its UTF-8 bytes. numpy pickles raw array data as huge latin-1 strings
 * that are immediately re-encoded to bytes; keeping the UTF-8 lets that happen without a JS string.
 */
export class LongStr extends PyObject {
  private decoded: string | undefined;
  constructor(readonly utf8: Uint8Array, readonly offset: number) { super(); }
  text(): string {
    return (this.decoded ??= decodeUtf8(this.utf8, this.offset));
  }
  describe(): string { return `str of ${this.utf8.length} UTF-8 bytes`; }
}

export interface Dict { [key: string]: Value }
/** A value on the machine's stack. */
export type Value = null | boolean | number | string | Uint8Array | PyObject | Value[] | Dict;

/** What the hooks can do: fail with the current location, and account for allocations. */
export interface HookContext {
  fail(message: string): never;
  /** Call before allocating `n` bytes of output; throws once the total passes maxOutputBytes. */
  allocate(n: number): void;
}

export interface PickleHooks {
  /** The only `module name` pairs GLOBAL / STACK_GLOBAL may name. */
  readonly allowedGlobals: ReadonlyArray<readonly [string, string]>;
  /** REDUCE: call an allowed global with a tuple of arguments. */
  reduce(fn: GlobalRef, args: Value[], ctx: HookContext): Value;
  /** BUILD: set the state of an object returned by reduce. */
  build(target: Value, state: Value, ctx: HookContext): void;
  /** Turns an intermediate object left in the result into output, or fails. */
  finalize(obj: PyObject, ctx: HookContext): PyValue;
}

export interface UnpickleOptions {
  /** Named in error messages, e.g. "archive/data.pkl". */
  source?: string;
  maxOutputBytes?: number;
  maxStack?: number;
  maxMemo?: number;
  /** Containers created plus items put into them. */
  maxItems?: number;
}

const OPCODE_NAMES: Record<number, string> = {
  0x80: 'PROTO', 0x95: 'FRAME', 0x2e: 'STOP', 0x28: 'MARK', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP',
  0x4e: 'NONE', 0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x4a: 'BININT', 0x4b: 'BININT1', 0x4d: 'BININT2',
  0x8a: 'LONG1', 0x8b: 'LONG4', 0x47: 'BINFLOAT', 0x58: 'BINUNICODE', 0x8c: 'SHORT_BINUNICODE',
  0x8d: 'BINUNICODE8', 0x42: 'BINBYTES', 0x43: 'SHORT_BINBYTES', 0x8e: 'BINBYTES8', 0x7d: 'EMPTY_DICT',
  0x64: 'DICT', 0x5d: 'EMPTY_LIST', 0x6c: 'LIST', 0x29: 'EMPTY_TUPLE', 0x74: 'TUPLE', 0x85: 'TUPLE1',
  0x86: 'TUPLE2', 0x87: 'TUPLE3', 0x73: 'SETITEM', 0x75: 'SETITEMS', 0x61: 'APPEND', 0x65: 'APPENDS',
  0x71: 'BINPUT', 0x72: 'LONG_BINPUT', 0x94: 'MEMOIZE', 0x68: 'BINGET', 0x6a: 'LONG_BINGET',
  0x63: 'GLOBAL', 0x93: 'STACK_GLOBAL', 0x52: 'REDUCE', 0x62: 'BUILD',
};

/** Strings at least this long (in UTF-8 bytes) stay undecoded until something needs the text. */
const LONG_STR_BYTES = 256;
const MAX_GLOBAL_NAME = 256;

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Uint8Array, offset: number): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    throw new ModelFileError(`pickle: invalid UTF-8 in string at byte ${offset}`, offset);
  }
}

/** The text of a str value, or undefined when `v` is not a str. */
export function strOf(v: Value): string | undefined {
  return typeof v === 'string' ? v : v instanceof LongStr ? v.text() : undefined;
}

export function describeValue(v: Value): string {
  if (v === null) return 'None';
  if (typeof v !== 'object') return `${typeof v} ${show(v)}`;
  if (v instanceof PyObject) return v.describe();
  if (v instanceof Uint8Array) return `bytes of length ${v.length}`;
  if (Array.isArray(v)) return `tuple/list of length ${v.length}`;
  return 'dict';
}

function isDict(v: Value): v is Dict {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === null;
}

/** Runs the pickle in `data` and returns its value, with intermediate objects finalized by `hooks`. */
export function unpickle(data: Uint8Array, hooks: PickleHooks, options: UnpickleOptions = {}): PyValue {
  return new Machine(data, hooks, options).run();
}

class Machine implements HookContext {
  private pos = 0;
  /** Offset and opcode of the instruction being executed, for messages. */
  private opStart = 0;
  private op = 0;
  private stack: Value[] = [];
  /** Stack heights at each open MARK. */
  private marks: number[] = [];
  private memo = new Map<number, Value>();
  /** Python lists (mutable), as opposed to tuples; both are JS arrays. */
  private lists = new WeakSet<Value[]>();
  private items = 0;
  private outputBytes = 0;
  private readonly view: DataView;
  private readonly allowed: Set<string>;
  private readonly where: string;
  private readonly maxOutputBytes: number;
  private readonly maxStack: number;
  private readonly maxMemo: number;
  private readonly maxItems: number;

  constructor(private readonly data: Uint8Array, private readonly hooks: PickleHooks, o: UnpickleOptions) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.allowed = new Set(hooks.allowedGlobals.map(([m, n]) => `${m} ${n}`));
    this.where = o.source ? `pickle ${o.source}` : 'pickle';
    this.maxOutputBytes = o.maxOutputBytes ?? 64 * 1024 * 1024;
    this.maxStack = o.maxStack ?? 1 << 20;
    this.maxMemo = o.maxMemo ?? 1 << 20;
    this.maxItems = o.maxItems ?? 1 << 23;
  }

  fail(message: string): never {
    const name = OPCODE_NAMES[this.op] ?? `0x${this.op.toString(16)}`;
    throw new ModelFileError(`${this.where}: ${message} (at byte ${this.opStart}, opcode ${name})`, this.opStart);
  }

  allocate(n: number): void {
    this.outputBytes += n;
    if (this.outputBytes > this.maxOutputBytes) {
      this.fail(`output would exceed the ${this.maxOutputBytes}-byte limit`);
    }
  }

  // ---- reading the stream (every read checks the bytes remaining first) ----

  private need(n: number, what: string): void {
    const left = this.data.length - this.pos;
    if (n > left) this.fail(`${what} needs ${n} bytes but only ${left} remain (truncated or corrupt)`);
  }
  private u8(): number { this.need(1, 'argument'); return this.data[this.pos++]; }
  private u16(): number { this.need(2, 'argument'); const v = this.view.getUint16(this.pos, true); this.pos += 2; return v; }
  private u32(): number { this.need(4, 'argument'); const v = this.view.getUint32(this.pos, true); this.pos += 4; return v; }
  private i32(): number { this.need(4, 'argument'); const v = this.view.getInt32(this.pos, true); this.pos += 4; return v; }
  private u64(): number {
    this.need(8, 'argument');
    const lo = this.view.getUint32(this.pos, true), hi = this.view.getUint32(this.pos + 4, true);
    this.pos += 8;
    return hi * 2 ** 32 + lo; // only compared with the bytes remaining, so rounding above 2^53 is harmless
  }
  private bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const b = this.data.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  private line(what: string): string {
    // Search a bounded window: a missing newline must not cost a scan of the whole stream.
    const nl = this.data.subarray(this.pos, this.pos + MAX_GLOBAL_NAME + 1).indexOf(0x0a);
    const end = this.pos + nl;
    if (nl < 0) this.fail(`${what} is not a newline-terminated name of at most ${MAX_GLOBAL_NAME} bytes`);
    const s = decodeUtf8(this.data.subarray(this.pos, end), this.pos);
    this.pos = end + 1;
    return s;
  }

  // ---- stack, marks, memo ----

  private push(v: Value): void {
    if (this.stack.length >= this.maxStack) this.fail(`stack exceeds ${this.maxStack} items`);
    this.stack.push(v);
  }
  private pop(): Value {
    if (this.stack.length <= (this.marks.at(-1) ?? 0)) this.fail('stack underflow');
    return this.stack.pop() as Value;
  }
  private top(): Value {
    if (this.stack.length <= (this.marks.at(-1) ?? 0)) this.fail('stack underflow');
    return this.stack[this.stack.length - 1];
  }
  private popMark(): Value[] {
    const m = this.marks.pop();
    if (m === undefined) this.fail('no MARK on the stack');
    return this.stack.splice(m);
  }
  private count(n: number): void {
    this.items += n;
    if (this.items > this.maxItems) this.fail(`more than ${this.maxItems} container items`);
  }
  private put(key: number): void {
    if (!this.memo.has(key) && this.memo.size >= this.maxMemo) this.fail(`memo exceeds ${this.maxMemo} entries`);
    this.memo.set(key, this.top());
  }
  private get(key: number): void {
    if (!this.memo.has(key)) this.fail(`memo key ${key} was never stored`);
    this.push(this.memo.get(key) as Value);
  }

  // ---- containers ----

  private newList(items: Value[]): Value[] {
    this.count(1 + items.length);
    this.lists.add(items);
    return items;
  }
  private newTuple(items: Value[]): Value[] {
    this.count(1 + items.length);
    return items;
  }
  private newDict(): Dict {
    this.count(1);
    return Object.create(null) as Dict;
  }
  private appendTo(list: Value, items: Value[]): void {
    if (!Array.isArray(list) || !this.lists.has(list)) this.fail(`cannot append to ${describeValue(list)}`);
    this.count(items.length);
    for (const v of items) list.push(v);
  }
  private setItems(dict: Value, kv: Value[]): void {
    if (!isDict(dict)) this.fail(`cannot set items on ${describeValue(dict)}`);
    if (kv.length % 2) this.fail('odd number of items for a dict');
    this.count(kv.length / 2);
    for (let i = 0; i < kv.length; i += 2) dict[this.dictKey(kv[i])] = kv[i + 1];
  }
  /** Keys must be str or int (ints are stringified); "__ndarray" is reserved so a dict can never pass for an NdArray. */
  private dictKey(k: Value): string {
    const s = typeof k === 'number' && Number.isInteger(k) ? String(k) : strOf(k);
    if (s === undefined) this.fail(`dict key must be a str or an int, got ${describeValue(k)}`);
    if (s === '__ndarray') this.fail('dict key "__ndarray" is reserved');
    return s;
  }

  private str(b: Uint8Array, at: number): Value {
    return b.length >= LONG_STR_BYTES ? new LongStr(b, at) : decodeUtf8(b, at);
  }

  private bytesValue(b: Uint8Array): Uint8Array {
    this.allocate(b.length);
    return b.slice(); // a copy, so the result never aliases the caller's buffer
  }

  /** LONG1/LONG4: little-endian two's complement; must fit a JS number exactly. */
  private long(b: Uint8Array): number {
    let n = b.length;
    if (n === 0) return 0;
    const neg = (b[n - 1] & 0x80) !== 0;
    // Drop redundant sign-extension bytes, so the size check below is about the value, not its encoding.
    while (n > 1 && b[n - 1] === (neg ? 0xff : 0) && ((b[n - 2] & 0x80) !== 0) === neg) n--;
    if (n > 7) this.fail('integer does not fit in a JS number');
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (neg) v -= 1n << BigInt(8 * n);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) this.fail('integer does not fit in a JS number');
    return Number(v);
  }

  private global(module: string, name: string): void {
    if (!this.allowed.has(`${module} ${name}`)) {
      const ok = this.hooks.allowedGlobals.map(([m, n]) => `${m}.${n}`).join(', ');
      this.fail(`refusing global ${show(`${module}.${name}`)}: only ${ok} are allowed`);
    }
    this.push(new GlobalRef(module, name));
  }

  run(): PyValue {
    const len = this.data.length;
    while (this.pos < len) {
      this.opStart = this.pos;
      this.op = this.data[this.pos++];
      switch (this.op) {
        case 0x80: { const v = this.u8(); if (v > 5) this.fail(`unsupported pickle protocol ${v}`); break; } // PROTO
        case 0x95: { const n = this.u64(); this.need(n, 'frame'); break; } // FRAME: the whole stream is in memory already
        case 0x2e: return this.stop(); // STOP
        case 0x28: // MARK
          if (this.marks.length >= this.maxStack) this.fail(`more than ${this.maxStack} open MARKs`);
          this.marks.push(this.stack.length);
          break;
        case 0x30: this.pop(); break; // POP
        case 0x31: this.popMark(); break; // POP_MARK
        case 0x32: this.push(this.top()); break; // DUP
        case 0x4e: this.push(null); break; // NONE
        case 0x88: this.push(true); break; // NEWTRUE
        case 0x89: this.push(false); break; // NEWFALSE
        case 0x4a: this.push(this.i32()); break; // BININT
        case 0x4b: this.push(this.u8()); break; // BININT1
        case 0x4d: this.push(this.u16()); break; // BININT2
        case 0x8a: this.push(this.long(this.bytes(this.u8(), 'LONG1 value'))); break;
        case 0x8b: this.push(this.long(this.bytes(this.u32(), 'LONG4 value'))); break;
        case 0x47: { // BINFLOAT: big-endian double
          this.need(8, 'float');
          this.push(this.view.getFloat64(this.pos, false));
          this.pos += 8;
          break;
        }
        case 0x58: { const at = this.pos; this.push(this.str(this.bytes(this.u32(), 'string'), at)); break; } // BINUNICODE
        case 0x8c: { const at = this.pos; this.push(this.str(this.bytes(this.u8(), 'string'), at)); break; } // SHORT_BINUNICODE
        case 0x8d: { const at = this.pos; this.push(this.str(this.bytes(this.u64(), 'string'), at)); break; } // BINUNICODE8
        case 0x42: this.push(this.bytesValue(this.bytes(this.u32(), 'bytes'))); break; // BINBYTES
        case 0x43: this.push(this.bytesValue(this.bytes(this.u8(), 'bytes'))); break; // SHORT_BINBYTES
        case 0x8e: this.push(this.bytesValue(this.bytes(this.u64(), 'bytes'))); break; // BINBYTES8
        case 0x7d: this.push(this.newDict()); break; // EMPTY_DICT
        case 0x64: { const kv = this.popMark(); const d = this.newDict(); this.setItems(d, kv); this.push(d); break; } // DICT
        case 0x5d: this.push(this.newList([])); break; // EMPTY_LIST
        case 0x6c: this.push(this.newList(this.popMark())); break; // LIST
        case 0x29: this.push(this.newTuple([])); break; // EMPTY_TUPLE
        case 0x74: this.push(this.newTuple(this.popMark())); break; // TUPLE
        case 0x85: { const a = this.pop(); this.push(this.newTuple([a])); break; } // TUPLE1
        case 0x86: { const b = this.pop(), a = this.pop(); this.push(this.newTuple([a, b])); break; } // TUPLE2
        case 0x87: { const c = this.pop(), b = this.pop(), a = this.pop(); this.push(this.newTuple([a, b, c])); break; } // TUPLE3
        case 0x73: { const v = this.pop(), k = this.pop(); this.setItems(this.top(), [k, v]); break; } // SETITEM
        case 0x75: { const kv = this.popMark(); this.setItems(this.top(), kv); break; } // SETITEMS
        case 0x61: { const v = this.pop(); this.appendTo(this.top(), [v]); break; } // APPEND
        case 0x65: { const items = this.popMark(); this.appendTo(this.top(), items); break; } // APPENDS
        case 0x71: this.put(this.u8()); break; // BINPUT
        case 0x72: this.put(this.u32()); break; // LONG_BINPUT
        case 0x94: this.put(this.memo.size); break; // MEMOIZE
        case 0x68: this.get(this.u8()); break; // BINGET
        case 0x6a: this.get(this.u32()); break; // LONG_BINGET
        case 0x63: { const m = this.line('GLOBAL module'); this.global(m, this.line('GLOBAL name')); break; } // GLOBAL
        case 0x93: { // STACK_GLOBAL
          const n = strOf(this.pop()), m = strOf(this.pop());
          if (m === undefined || n === undefined) this.fail('STACK_GLOBAL needs two strings');
          this.global(m, n);
          break;
        }
        case 0x52: { // REDUCE
          const args = this.pop(), fn = this.pop();
          if (!(fn instanceof GlobalRef)) this.fail(`cannot call ${describeValue(fn)}`);
          if (!Array.isArray(args) || this.lists.has(args)) this.fail(`arguments of ${fn.describe()} must be a tuple, got ${describeValue(args)}`);
          this.push(this.hooks.reduce(fn, args, this));
          break;
        }
        case 0x62: { const state = this.pop(); this.hooks.build(this.top(), state, this); break; } // BUILD
        default:
          this.fail(`unknown or unsupported opcode 0x${this.op.toString(16).padStart(2, '0')}`);
      }
    }
    this.opStart = this.pos;
    this.op = -1;
    throw new ModelFileError(`${this.where}: ended at byte ${len} without a STOP opcode (truncated?)`, len);
  }

  private stop(): PyValue {
    if (this.marks.length) this.fail('STOP with an unclosed MARK');
    if (this.stack.length !== 1) this.fail(`STOP with ${this.stack.length} values on the stack, expected 1`);
    return this.finalize(this.stack[0]);
  }

  /**
   * Replaces intermediate objects (long strings, half-built arrays) in the result by output values.
   * Iterative with a visited set: the memo can make shared or even cyclic structures.
   */
  private finalize(root: Value): PyValue {
    const done = new Map<PyObject, PyValue>();
    const convert = (v: Value): Value => {
      if (!(v instanceof PyObject)) return v;
      let out = done.get(v);
      if (out === undefined) {
        out = v instanceof LongStr ? v.text() : this.hooks.finalize(v, this);
        done.set(v, out);
      }
      return out as Value;
    };
    const top = convert(root);
    const seen = new Set<object>();
    const todo: Value[] = [top];
    while (todo.length) {
      const c = todo.pop() as Value;
      if (typeof c !== 'object' || c === null || c instanceof Uint8Array || seen.has(c)) continue;
      if (!Array.isArray(c) && !isDict(c)) continue; // a finished NdArray
      seen.add(c);
      if (Array.isArray(c)) {
        for (let i = 0; i < c.length; i++) todo.push((c[i] = convert(c[i])));
      } else {
        for (const k of Object.keys(c)) todo.push((c[k] = convert(c[k])));
      }
    }
    return top as PyValue;
  }
}
