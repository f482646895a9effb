/**
 * The generated training step (tt_step.c / tt_step.h): one static arena sized by the memory plan and
 * one kernel call per kernel of the training program, in order, each tensor at its planned offset
 * (the root buffer of its alias chain, as the arena executor views it). Host builds with TT_DEBUG
 * print a hash of every tensor a kernel writes and of every trained parameter after each step, so a
 * test can compare them with the TypeScript runtime.
 */
import { numel } from '../ir/tensor.ts';
import type { CEmit, ConvSymbols, Hyper } from '../kernels/def.ts';
import { KERNEL_DEFS } from '../kernels/index.ts';
import { rootOf } from '../memory/lifetimes.ts';
import type { TrainingProgram } from '../program/compile.ts';
import { forwardKernelCount, type Kernel, type KernelOp, type ProgramKernelOf, type ProgramTensor } from '../program/types.ts';
import { cIdent, cString, f32Lit, safeName } from './c-format.ts';
import { roundingIdLit, type ParamSymbols } from './c-params.ts';
import { stepWorkspaces, TILE } from '../firmware/static-objects.ts';
import { workspaceId } from '../firmware/workspaces.ts';


/** A kernel's C statements, from its op's definition (kernels/). */
function emitCall<O extends KernelOp>(k: ProgramKernelOf<O>, e: CEmit): string[] {
  return KERNEL_DEFS[k.op].c.emit(k, e);
}

export interface StepSources { header: string; source: string; workspaceBytes: number }

/** Tensors of the arena the debug trace hashes after the kernel that writes them. */
export function tracedOutputs(program: TrainingProgram, k: Kernel): string[] {
  return k.outputs.filter((o) => program.tensors[o] && program.tensors[o].category !== 'scratch');
}

/**
 * The step's source. The kernels' workspaces: at its step, each kernel that takes one gets the largest
 * free stretch of the arena, which holds the one-step workspace buffer the planner placed for it
 * (firmware/workspaces.ts); the small fixed ones are sized by firmware/static-objects.ts.
 */
export function stepSources(program: TrainingProgram, syms: ParamSymbols, hyper: Hyper): StepSources {
  const g = program.graph;
  const offsets = new Map(program.buffers.map((b) => [b.id, b.offset]));
  const t = (name: string): ProgramTensor => {
    const v = program.tensors[name];
    if (!v) throw new Error(`export: kernel tensor "${name}" is not in the program`);
    return v;
  };
  const off = (name: string): number => {
    const o = offsets.get(rootOf(program.tensors, name));
    if (o === undefined) throw new Error(`export: tensor "${name}" has no arena offset`);
    return o;
  };
  const ptr = (name: string): string => {
    const ty = t(name).dtype;
    const m = ty === 'int8' ? 'A_I8' : ty === 'int32' ? 'A_I32' : ty === 'float32' ? 'A_F32' : 'A_U8';
    return `${m}(${off(name)})`;
  };
  const n = (name: string) => numel(t(name).shape);
  const conv = (name: string): ConvSymbols => {
    const s = syms.convs.get(name);
    if (!s) throw new Error(`export: "${name}" is not a conv`);
    return s;
  };
  const p = (name: string | undefined | null): string => {
    if (!name) return 'NULL';
    const s = syms.byName.get(name);
    if (!s) throw new Error(`export: parameter "${name}" has no C symbol`);
    return s;
  };
  const sameBuffer = (a: string, b: string) => rootOf(program.tensors, a) === rootOf(program.tensors, b);

  /** The largest free stretch of the arena while kernel `i` runs (8-aligned), its own workspace buffer counted as free. */
  const freeGap = (i: number): { off: number; bytes: number } => {
    const own = workspaceId(program.kernels[i]);
    const live = program.buffers.filter((b) => b.start <= i && i <= b.end && b.id !== own).map((b) => [b.offset, b.offset + b.bytes]).sort((a, b) => a[0] - b[0]);
    let best = { off: 0, bytes: 0 }, at = 0;
    for (const [s0, e0] of [...live, [program.arenaBytes, program.arenaBytes]]) {
      const start = Math.ceil(at / 8) * 8;
      if (s0 - start > best.bytes) best = { off: start, bytes: s0 - start };
      at = Math.max(at, e0);
    }
    return best;
  };
  const wk = (i: number) => {
    const f = freeGap(i);
    return f.bytes >= 64 ? `A_U8(${f.off}), ${f.bytes}` : 'NULL, 0';
  };

  const { i8: wsI8, f32: wsF32, row: wsRow, probs } = stepWorkspaces(program);
  const statics: string[] = [];
  // The forward kernels (to the logits) are a function of their own: the start of every step, and
  // the whole of tt_predict; the rest of the step (loss, backward, updates) follows in tt_step.
  const nForward = forwardKernelCount(program.kernels, g.logits);
  const forwardBody: string[] = [];
  const trainBody: string[] = [];

  program.kernels.forEach((k, index) => {
    const body = index < nForward ? forwardBody : trainBody;
    const call = (s: string) => body.push(`  ${s}`);
    body.push(`  /* ${index}: ${k.op}:${safeName(k.node)} */`);
    const emit: CEmit = {
      ptr, n, tensor: t, p, conv, sameBuffer, wk: wk(index), declare: (d) => statics.push(d), f32: f32Lit, ident: cIdent, roundingId: roundingIdLit,
    };
    for (const line of emitCall(k, emit)) call(line);
    body.push(`  TT_PROF(${index});`);
    for (const o of tracedOutputs(program, k)) {
      const tt = t(o);
      const bytes = tt.dtype === 'bit' ? Math.ceil(numel(tt.shape) / 8) : tt.bytes;
      const rem = numel(tt.shape) % 8;
      const last = tt.dtype === 'bit' && rem ? (1 << rem) - 1 : 0xff;
      body.push(`  TT_TRACE(${cString(o)}, ${ptr(o)}, ${bytes}, 0x${last.toString(16)});`);
    }
  });

  const stochastic = hyper.rounding?.mode === 'stochastic' ? hyper.rounding : null;
  const sgd = (c: Hyper['weight'], rounds: boolean) => `{ ${f32Lit(c.lr)}, ${f32Lit(c.momentum)}, ${c.qas ? 1 : 0}, ${rounds && stochastic ? 1 : 0}, 0 }`;
  const inputT = t(g.input);
  const streamed = !!program.inputStream;
  const [inC, inH, inW] = inputT.shape;
  const trainedDump = program.trainable.flatMap((tp) => {
    const rows = [];
    const convSym = [...syms.convs.values()].find((c) => c.conv.weight === tp.param);
    const data = convSym ? `tr_${cIdent(convSym.conv.node)}` : syms.byName.get(tp.param)!;
    rows.push(`  tt_trace_param(${cString(tp.param)}, ${convSym ? `${convSym.weight}.tr` : data}, ${tp.bytes});`);
    if (tp.optimizer) rows.push(`  tt_trace_param(${cString(tp.optimizer)}, ${syms.byName.get(tp.optimizer)}, ${tp.elements * 4});`);
    return rows;
  });
  const workspaceBytes = TILE * 4 + wsI8 + 4 * (wsF32 + wsRow + probs);

  const logitsInt8 = g.tensors[g.logits].dtype === 'int8';
  const header = `/* tt_step.h: the training step of ${safeName(g.name)} (generated by TinyTrain Studio). */
#ifndef TT_STEP_H
#define TT_STEP_H
#include <stdint.h>

#define TT_ARENA_BYTES ${program.arenaBytes}
#define TT_INPUT_BYTES ${inputT.bytes}
#define TT_CLASSES ${numel(g.tensors[g.logits].shape)}
${streamed ? `/* The image is streamed: never whole in SRAM (no tt_input()). */
#define TT_INPUT_STREAMED 1

/* One training step (forward, backward, in-place updates) on one int8 image (C x H x W); returns the
 * loss. The first fused block reads the image row by row, as it needs them, into a ${program.inputStream!.rows}-row ring in
 * the arena. input: the image where it already is (a const sample in Flash, a frame buffer; only
 * read). input NULL: the rows come from tt_platform_read_row (the camera's line hook). */
float tt_step(const int8_t *input, int32_t label);` : `/* One training step (forward, backward, in-place updates) on one int8 image (C x H x W); returns the
 * loss. input NULL: the image is already in tt_input() (a sensor may write it there directly). */
float tt_step(const int8_t *input, int32_t label);
/* The arena's input tensor (TT_INPUT_BYTES bytes). */
int8_t *tt_input(void);`}
/* The forward pass alone (the step's first ${nForward} kernels, in the same arena: nothing is trained) on one
 * image, as tt_step takes it; returns the class of the largest logit (the first of equal ones). */
int32_t tt_predict(const int8_t *input);
/* The logits of the last step or prediction (float32; dequantized for an int8 head). */
void tt_logits(float *out);
/* The same logits as the head wrote them: TT_CLASSES ${logitsInt8 ? 'int8 values (TT_LOGITS_INT8)' : 'float32 values'}. */
${logitsInt8 ? '#define TT_LOGITS_INT8 1\n' : ''}const void *tt_logits_raw(void);
#ifdef TT_DEBUG
/* Debug builds: prints a hash of every trained parameter (and momentum buffer). */
void tt_dump_params(void);
#endif
#ifdef TT_PROFILE
/* Profiling builds: prints the ticks each kernel took, summed over the steps. */
void tt_profile(void);
#endif
#endif
`;
  const lq = g.tensors[g.logits].q;
  const source = `/* tt_step.c: the training step of ${safeName(g.name)} (generated by TinyTrain Studio).
 * ${program.kernels.length} kernels over one ${program.arenaBytes}-byte arena at the planned offsets. */
#include <string.h>
#include "tt_kernels.h"
#include "tt_params.h"
#include "tt_step.h"

static uint8_t tt_arena[TT_ARENA_BYTES] __attribute__((aligned(8)));
#define A_I8(o) ((int8_t *)(void *)(tt_arena + (o)))
#define A_U8(o) (tt_arena + (o))
#define A_I32(o) ((int32_t *)(void *)(tt_arena + (o)))
#define A_F32(o) ((float *)(void *)(tt_arena + (o)))

/* Small kernel workspaces (outside the arena: ${workspaceBytes} bytes; the large ones are arena buffers). */
static int32_t tt_tile[${TILE}];
static int8_t tt_wgather[${wsI8}];
static float tt_fwork[${wsF32}];
static float tt_row[${wsRow}];
static float tt_probs[${probs}];
static const tt_work tt_ws __attribute__((unused)) = { tt_tile, ${TILE}, tt_wgather, tt_fwork, tt_row };

/* SGD with quantization-aware scaling: learning rate, momentum, QAS on/off, ${stochastic ? `stochastic rounding (seed ${stochastic.seed >>> 0}; the key: tt_step sets it)` : 'rounding to nearest'}. */
static ${stochastic ? '' : 'const '}tt_sgd tt_sgd_weight __attribute__((unused)) = ${sgd(hyper.weight, true)};
static ${stochastic ? '' : 'const '}tt_sgd tt_sgd_bias __attribute__((unused)) = ${sgd(hyper.bias, true)};
static const tt_sgd tt_sgd_head __attribute__((unused)) = ${sgd(hyper.head, false)};
${stochastic ? '/* Steps run so far: the update number of the rounding draws (the TypeScript executors count the same). */\nstatic uint32_t tt_updates;\n' : ''}
${streamed ? `/* Where the streamed image's rows come from (tt_step sets it). */
#include "tt_platform.h"
static void tt_camera_rows(const tt_row_src *src, int y, int8_t *dst, int cstride) {
  (void)src;
  tt_platform_read_row(y, dst, cstride);
}
static tt_row_src tt_in_src = { tt_image_rows, NULL, ${inC}, ${inH}, ${inW} };
` : ''}
${statics.join('\n')}

#ifdef TT_DEBUG
#include "tt_platform.h"
static int tt_step_no = -1;
static uint32_t tt_fnv(const uint8_t *p, int n, uint32_t last) {
  uint32_t h = 0x811c9dc5u;
  for (int i = 0; i < n; i++) {
    h ^= (i == n - 1) ? (p[i] & last) : p[i];
    h *= 0x01000193u;
  }
  return h;
}
/* "<kind> <step> <name> <hash>": through the platform's output, so the target can trace too. */
static void tt_trace_line(char kind, const char *name, const void *p, int n, uint32_t last) {
  char line[192], *q = line;
  uint32_t h = tt_fnv((const uint8_t *)p, n, last), s = (uint32_t)tt_step_no;
  char digits[10];
  int nd = 0;
  *q++ = kind;
  *q++ = ' ';
  do {
    digits[nd++] = (char)('0' + s % 10u);
    s /= 10u;
  } while (s);
  while (nd) *q++ = digits[--nd];
  *q++ = ' ';
  for (const char *c = name; *c && q < line + 170; c++) *q++ = *c;
  *q++ = ' ';
  for (int i = 7; i >= 0; i--) *q++ = "0123456789abcdef"[(h >> (4 * i)) & 0xFu];
  *q++ = '\\n';
  *q = 0;
  tt_platform_puts(line);
}
#define TT_TRACE(name, p, n, last) tt_trace_line('T', name, p, n, last)
static void tt_trace_param(const char *name, const void *p, int n) {
  tt_trace_line('P', name, p, n, 0xffu);
}
void tt_dump_params(void) {
${trainedDump.join('\n')}
}
#else
#define TT_TRACE(name, p, n, last) ((void)0)
#endif

#ifdef TT_PROFILE
/* Ticks per kernel (tt_platform_ticks), summed over the steps; tt_profile() prints them. */
#include "tt_platform.h"
static const char *const tt_kernel_names[${program.kernels.length}] = {
${program.kernels.map((k) => `  ${cString(k.name)},`).join('\n')}
};
static uint32_t tt_prof[${program.kernels.length}], tt_prof_t0;
#define TT_PROF(i) do { const uint32_t t = tt_platform_ticks(); tt_prof[i] += t - tt_prof_t0; tt_prof_t0 = t; } while (0)
void tt_profile(void) {
  for (int i = 0; i < ${program.kernels.length}; i++) {
    char line[160], *q = line + sizeof line - 1;
    uint32_t v = tt_prof[i];
    *q = 0;
    *--q = '\\n';
    do {
      *--q = (char)('0' + v % 10u);
      v /= 10u;
    } while (v);
    *--q = ' ';
    tt_platform_puts("K ");
    tt_platform_puts(tt_kernel_names[i]);
    tt_platform_puts(q);
  }
}
#else
#define TT_PROF(i) ((void)0)
#endif

/* Where the image comes from: the caller's array, or (NULL) ${streamed ? 'the camera\'s line hook' : 'already in tt_input()'}. */
static void tt_load(const int8_t *input) {
${streamed ? `  tt_in_src.read = input ? tt_image_rows : tt_camera_rows;
  tt_in_src.image = input;` : `  if (input) memcpy(${ptr(g.input)}, input, ${inputT.bytes});`}
}

/* The forward pass to the logits: kernels 0 to ${nForward - 1}. */
static void tt_forward(void) {
${forwardBody.join('\n')}
}

float tt_step(const int8_t *input, int32_t label) {
#ifdef TT_PROFILE
  tt_prof_t0 = tt_platform_ticks();
#endif
#ifdef TT_DEBUG
  tt_step_no++;
#endif
  tt_load(input);
  ${ptr(g.label!)}[0] = label;
${stochastic ? `  tt_sgd_weight.key = tt_sgd_bias.key = tt_round_key(${stochastic.seed >>> 0}u, tt_updates++);\n` : ''}  tt_forward();
${trainBody.join('\n')}
  return ${ptr(g.loss!)}[0];
}

int32_t tt_predict(const int8_t *input) {
#ifdef TT_PROFILE
  tt_prof_t0 = tt_platform_ticks();
#endif
  tt_load(input);
  tt_forward();
  float logits[TT_CLASSES];
  tt_logits(logits);
  int32_t best = 0;
  for (int32_t k = 1; k < TT_CLASSES; k++) if (logits[k] > logits[best]) best = k;
  return best;
}

${streamed ? '' : `int8_t *tt_input(void) {
  return ${ptr(g.input)};
}
`}
const void *tt_logits_raw(void) {
  return ${ptr(g.logits)};
}

void tt_logits(float *out) {
  for (int i = 0; i < TT_CLASSES; i++) out[i] = ${lq ? `(float)(${ptr(g.logits)}[i] - ${lq.zeroPoint}) * ${f32Lit(lq.scale)}` : `${ptr(g.logits)}[i]`};
}
`;
  return { header, source, workspaceBytes };
}
