/**
 * The generated training step (tt_step.c / tt_step.h): one static arena sized by the memory plan and
 * one kernel call per kernel of the training program, in order, each tensor at its planned offset
 * (the root buffer of its alias chain, as the arena executor views it). Host builds with TT_DEBUG
 * print a hash of every tensor a kernel writes and of every trained parameter after each step, so a
 * test can compare them with the TypeScript runtime.
 */
import type { Node } from '../ir/graph.ts';
import { numel } from '../ir/tensor.ts';
import { rootOf } from '../memory/lifetimes.ts';
import { addGradScales } from '../ops/add.ts';
import { isDepthwise } from '../ops/conv2d.ts';
import type { TrainingProgram } from '../program/compile.ts';
import type { Kernel, ProgramTensor } from '../program/types.ts';
import type { Hyper } from '../runtime/kernels.ts';
import { chainLayout } from '../schedule/fuse-rows.ts';
import { cIdent, cString, f32Lit, safeName } from './c-format.ts';
import { roundingIdLit, type ConvSymbols, type ParamSymbols } from './c-params.ts';
import { stepWorkspaces, TILE } from '../firmware/static-objects.ts';
import { workspaceId } from '../firmware/workspaces.ts';


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
  const nodes = new Map(g.nodes.map((n) => [n.name, n]));
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
  const q = (tensor: string) => g.tensors[tensor].q!;
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
  const body: string[] = [];

  program.kernels.forEach((k, index) => {
    const node = nodes.get(k.node)!;
    const call = (s: string) => body.push(`  ${s}`);
    body.push(`  /* ${index}: ${k.op}:${safeName(k.node)} */`);
    switch (k.op) {
      case 'conv2d': {
        const c = conv(k.node);
        const x = k.inputs[0], y = k.outputs[0];
        const { mask, scratch } = k.attrs;
        call(`tt_conv2d(${ptr(x)}, ${q(node.inputs[0]).zeroPoint}, &${c.weight}, ${c.bias}, ${c.eff}, ${ptr(y)}, ${q(node.outputs[0]).zeroPoint}, ` +
          `&${c.geomSym}, ${mask ? ptr(mask) : 'NULL'}, ${scratch ? ptr(scratch) : 'NULL'}, &tt_ws, ${wk(index)});`);
        break;
      }
      case 'conv_chain': {
        const names = k.attrs.convs;
        const cs = names.map(conv);
        const layout = chainLayout(g, cs.map((c) => c.node), !!k.attrs.add);
        const sym = `CH_${cIdent(names[0])}`;
        const stages = cs.map((c) => `{ &${c.geomSym}, &${c.weight}, ${c.bias}, ${c.eff}, ${q(c.node.inputs[0]).zeroPoint}, ${q(c.node.outputs[0]).zeroPoint} }`);
        const rings = layout.rings;
        const add = k.attrs.add ? (nodes.get(k.attrs.add) as Node<'add'>) : null;
        const [qa, qb, qy] = add ? [q(add.inputs[0]), q(add.inputs[1]), q(add.outputs[0])] : [null, null, null];
        if (cs.length > 16) throw new Error(`export: conv chain ${names.join(', ')} is longer than 16 convs`);
        statics.push(`static const tt_stage ${sym}_st[${cs.length}] = {\n  ${stages.join(',\n  ')}\n};`);
        statics.push(`static const int ${sym}_ro[${Math.max(1, rings.length)}] = { ${rings.map((r) => r.offset).join(', ') || '0'} };`);
        statics.push(`static const int ${sym}_rr[${Math.max(1, rings.length)}] = { ${rings.map((r) => r.rows).join(', ') || '0'} };`);
        statics.push(`static const tt_chain ${sym} = { ${cs.length}, ${sym}_st, ${sym}_ro, ${sym}_rr, ${layout.addRow}, ` +
          `${f32Lit(qa?.scale ?? 0)}, ${f32Lit(qb?.scale ?? 0)}, ${f32Lit(qy?.scale ?? 1)}, ${qa?.zeroPoint ?? 0}, ${qb?.zeroPoint ?? 0}, ${qy?.zeroPoint ?? 0}, ` +
          `${k.attrs.inputRows ?? 0} };`);
        // A streamed input (schedule/stream-input.ts) is read row by row from tt_in_src into its ring.
        const input = k.attrs.ring ? `NULL, &tt_in_src, ${ptr(k.attrs.ring)}` : `${ptr(k.inputs[0])}, NULL, NULL`;
        call(`tt_conv_chain(&${sym}, ${input}, ${ptr(k.outputs[0])}, ${ptr(k.attrs.scratch)}, ${wk(index)});`);
        break;
      }
      case 'add': {
        const [qa, qb, qy] = [q(node.inputs[0]), q(node.inputs[1]), q(node.outputs[0])];
        const mask = k.attrs.mask;
        call(`tt_add(${ptr(k.inputs[0])}, ${f32Lit(qa.scale)}, ${qa.zeroPoint}, ${ptr(k.inputs[1])}, ${f32Lit(qb.scale)}, ${qb.zeroPoint}, ` +
          `${ptr(k.outputs[0])}, ${f32Lit(qy.scale)}, ${qy.zeroPoint}, ${mask ? ptr(mask) : 'NULL'}, ${n(k.outputs[0])});`);
        break;
      }
      case 'avgpool': {
        const [c, h, w] = g.tensors[node.inputs[0]].shape;
        call(`tt_avgpool(${ptr(k.inputs[0])}, ${c}, ${h * w}, ${ptr(k.outputs[0])});`);
        break;
      }
      case 'linear': {
        const qx = q(node.inputs[0]);
        const [classes, c] = g.tensors[node.inputs[1]].shape;
        call(`tt_linear(${ptr(k.inputs[0])}, ${f32Lit(qx.scale)}, ${qx.zeroPoint}, ${p(node.inputs[1])}, ${p(node.inputs[2])}, ${classes}, ${c}, ${ptr(k.outputs[0])});`);
        break;
      }
      case 'save_slice':
        call(`tt_save_slice(${ptr(k.inputs[0])}, ${ptr(k.outputs[0])}, ${n(k.outputs[0])});`);
        break;
      case 'softmax_ce_bwd': {
        const logits = k.inputs[0];
        const classes = n(logits);
        const lq = g.tensors[node.inputs[0]].q;
        if (t(logits).dtype === 'float32') {
          call(`tt_softmax_ce_bwd_f32(${ptr(logits)}, ${classes}, ${ptr(k.inputs[1])}[0], ${ptr(k.outputs[0])}, ${ptr(k.outputs[1])}, tt_probs);`);
        } else {
          call(`tt_softmax_ce_bwd_i8(${ptr(logits)}, ${f32Lit(lq!.scale)}, ${lq!.zeroPoint}, ${classes}, ${ptr(k.inputs[1])}[0], ` +
            `${ptr(k.outputs[0])}, ${ptr(k.outputs[1])}, tt_probs);`);
        }
        break;
      }
      case 'linear_bwd':
        call(`tt_linear_bwd(${ptr(k.inputs[0])}, ${p(k.params[0])}, ${n(k.inputs[0])}, ${n(k.outputs[0])}, ${f32Lit(k.attrs.xScale)}, ${ptr(k.outputs[0])});`);
        break;
      case 'linear_update':
        call(`tt_linear_update(${ptr(k.inputs[0])}, ${f32Lit(k.attrs.xScale)}, ${k.attrs.xZero}, ${ptr(k.inputs[1])}, ` +
          `${p(k.params[0])}, ${p(k.params[1])}, ${n(k.inputs[1])}, ${n(k.inputs[0])}, &tt_sgd_head, ${p(k.params[2])}, ${p(k.params[3])});`);
        break;
      case 'avgpool_bwd': {
        const [, h, w] = g.tensors[node.inputs[0]].shape;
        call(`tt_avgpool_bwd(${ptr(k.inputs[0])}, ${n(k.inputs[0])}, ${h * w}, ${ptr(k.outputs[0])});`);
        break;
      }
      case 'mask':
        call(`tt_mask(${ptr(k.inputs[0])}, ${ptr(k.inputs[1])}, ${ptr(k.outputs[0])}, ${n(k.inputs[0])});`);
        break;
      case 'channel_scale': {
        const c = conv(k.node);
        call(`tt_channel_scale(${ptr(k.inputs[0])}, ${c.eff}, ${c.geom.cout}, ${n(k.inputs[0]) / c.geom.cout}, ${ptr(k.outputs[0])});`);
        break;
      }
      case 'conv_bwd_x': {
        const c = conv(k.node);
        const inPlace = isDepthwise(c.geom) && sameBuffer(k.inputs[0], k.outputs[0]);
        call(`tt_conv_bwd_x(${ptr(k.inputs[0])}, &${c.weight}, &${c.geomSym}, ${ptr(k.outputs[0])}, ${inPlace ? 'tt_fwork' : 'NULL'});`);
        break;
      }
      case 'add_bwd': {
        const [sa, sb] = addGradScales(q(node.inputs[0]).scale, q(node.inputs[1]).scale, q(node.outputs[0]).scale);
        const gin = k.inputs[0];
        if (k.attrs.ga) call(`tt_scale_into(${ptr(gin)}, ${f32Lit(sa)}, ${ptr(k.attrs.ga)}, ${n(gin)});`);
        if (k.attrs.gb) call(`tt_scale_into(${ptr(gin)}, ${f32Lit(sb)}, ${ptr(k.attrs.gb)}, ${n(gin)});`);
        break;
      }
      case 'grad_acc':
        call(`tt_grad_acc(${ptr(k.inputs[0])}, ${ptr(k.inputs[1])}, ${ptr(k.outputs[0])}, ${n(k.inputs[0])});`);
        break;
      case 'conv_update_w': {
        const c = conv(k.node);
        const ch = k.attrs.channels;
        call(`tt_conv_update_w(${ptr(k.inputs[0])}, ${k.attrs.xZero}, ${ptr(k.inputs[1])}, &${c.geomSym}, ${ch}, &${c.weight}, ` +
          `${c.scales}, &tt_sgd_weight, ${p(k.params[2])}, tt_row);`);
        break;
      }
      case 'conv_grad_w': {
        const c = conv(k.node);
        call(`tt_conv_grad_w(${ptr(k.inputs[0])}, ${k.attrs.xZero}, ${ptr(k.inputs[1])}, &${c.geomSym}, ${k.attrs.channels}, ${ptr(k.outputs[0])});`);
        break;
      }
      case 'apply_update_w': {
        const c = conv(k.node);
        call(`tt_apply_update_w(${ptr(k.inputs[0])}, &${c.geomSym}, ${k.attrs.channels}, &${c.weight}, ${c.scales}, &tt_sgd_weight, ${p(k.params[2])});`);
        break;
      }
      case 'conv_update_b': {
        const c = conv(k.node);
        call(`tt_conv_update_b(${ptr(k.inputs[0])}, ${c.bias}, ${roundingIdLit(k.params[0])}, ${c.geom.cout}, ${n(k.inputs[0]) / c.geom.cout}, ${c.scales}, ` +
          `${f32Lit(k.attrs.xScale)}, &tt_sgd_bias, ${p(k.params[2])});`);
        break;
      }
      case 'conv_grad_b': {
        const c = conv(k.node);
        call(`tt_conv_grad_b(${ptr(k.inputs[0])}, ${c.geom.cout}, ${n(k.inputs[0]) / c.geom.cout}, ${ptr(k.outputs[0])});`);
        break;
      }
      case 'apply_update_b': {
        const c = conv(k.node);
        call(`tt_apply_update_b(${ptr(k.inputs[0])}, ${c.bias}, ${roundingIdLit(k.params[0])}, ${c.geom.cout}, ${c.scales}, ${f32Lit(k.attrs.xScale)}, &tt_sgd_bias, ${p(k.params[2])});`);
        break;
      }
      case 'dw_pw_bwd': {
        const pw = conv(k.node), dw = conv(k.attrs.dw);
        const ch = k.attrs.channels;
        const saved = ch > 0 ? ptr(k.inputs[2]) : 'NULL';
        const gx = k.attrs.inputGrad ? ptr(k.outputs[0]) : 'NULL';
        const scratch = ptr(k.attrs.scratch);
        call(`tt_dw_pw_bwd(${ptr(k.inputs[0])}, ${ptr(k.inputs[1])}, ${saved}, ${gx}, ${scratch}, &${dw.weight}, &${dw.geomSym}, ` +
          `&${pw.weight}, &${pw.geomSym}, ${k.attrs.bias ? pw.bias : 'NULL'}, ${pw.scales}, ${pw.eff}, ${ch}, ${k.attrs.bias ? 1 : 0}, ` +
          `${k.attrs.xZero}, ${f32Lit(k.attrs.xScale)}, &tt_sgd_weight, &tt_sgd_bias, ` +
          `${p(k.attrs.weightMomentum)}, ${p(k.attrs.biasMomentum)}, ${wk(index)});`);
        break;
      }
      case 'block_bwd': {
        const a = k.attrs;
        const dw = conv(k.node), pw2 = conv(a.pw2);
        const pw = a.pw1 ? conv(a.pw1) : null;
        const tensor = (name: string | null) => (name ? ptr(name) : 'NULL');
        const dwCh = a.dwChannels, ch = a.channels;
        const gx = k.outputs.length > 1 ? ptr(k.outputs[0]) : 'NULL';
        const scratch = ptr(a.scratch);
        const pwArgs = pw
          ? `${tensor(a.pwMask)}, ${ch > 0 ? tensor(a.pwSaved) : 'NULL'}, ${gx}, &${pw.weight}, &${pw.geomSym}, ${a.bias ? pw.bias : 'NULL'}, ` +
            `${pw.scales}, ${pw.eff}, ${ch}, ${a.bias ? 1 : 0}, ${a.xZero}, ${f32Lit(a.xScale)}, ` +
            `${p(a.weightMomentum)}, ${p(a.biasMomentum)}`
          : `NULL, NULL, ${gx}, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0.0f, NULL, NULL`;
        call(`tt_block_bwd(${ptr(k.inputs[0])}, &${pw2.weight}, &${pw2.geomSym}, ` +
          `${tensor(a.dwMask)}, ${dwCh > 0 ? tensor(a.dwSaved) : 'NULL'}, &${dw.weight}, &${dw.geomSym}, ${a.dwBias ? dw.bias : 'NULL'}, ` +
          `${dw.scales}, ${dw.eff}, ${dwCh}, ${a.dwBias ? 1 : 0}, ${a.dwInputGrad ? 1 : 0}, ${a.dwXZero}, ${f32Lit(a.dwXScale)}, ` +
          `${p(a.dwWeightMomentum)}, ${p(a.dwBiasMomentum)}, ` +
          `${pwArgs}, &tt_sgd_weight, &tt_sgd_bias, ${scratch}, ${wk(index)});`);
        break;
      }
      default: {
        // Every op has a case: a new op that lacks one does not compile.
        const missing: never = k;
        throw new Error(`export: kernel op "${(missing as Kernel).op}" has no C implementation`);
      }
    }
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
    const convSym = [...syms.convs.values()].find((c) => c.node.inputs[1] === tp.param);
    const data = convSym ? `tr_${cIdent(convSym.node.name)}` : syms.byName.get(tp.param)!;
    rows.push(`  tt_trace_param(${cString(tp.param)}, ${convSym ? `${convSym.weight}.tr` : data}, ${tp.bytes});`);
    if (tp.optimizer) rows.push(`  tt_trace_param(${cString(tp.optimizer)}, ${syms.byName.get(tp.optimizer)}, ${tp.elements * 4});`);
    return rows;
  });
  const workspaceBytes = TILE * 4 + wsI8 + 4 * (wsF32 + wsRow + probs);

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
/* The logits of the last step (float32; dequantized for an int8 head). */
void tt_logits(float *out);
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
static const tt_work tt_ws = { tt_tile, ${TILE}, tt_wgather, tt_fwork, tt_row };

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

float tt_step(const int8_t *input, int32_t label) {
#ifdef TT_PROFILE
  tt_prof_t0 = tt_platform_ticks();
#endif
#ifdef TT_DEBUG
  tt_step_no++;
#endif
${streamed ? `  tt_in_src.read = input ? tt_image_rows : tt_camera_rows;
  tt_in_src.image = input;` : `  if (input) memcpy(${ptr(g.input)}, input, ${inputT.bytes});`}
  ${ptr(g.label!)}[0] = label;
${stochastic ? `  tt_sgd_weight.key = tt_sgd_bias.key = tt_round_key(${stochastic.seed >>> 0}u, tt_updates++);\n` : ''}${body.join('\n')}
  return ${ptr(g.loss!)}[0];
}

${streamed ? '' : `int8_t *tt_input(void) {
  return ${ptr(g.input)};
}
`}
void tt_logits(float *out) {
  for (int i = 0; i < TT_CLASSES; i++) out[i] = ${lq ? `(float)(${ptr(g.logits)}[i] - ${lq.zeroPoint}) * ${f32Lit(lq.scale)}` : `${ptr(g.logits)}[i]`};
}
`;
  return { header, source, workspaceBytes };
}
