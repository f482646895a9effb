/**
 * Parameter arrays of the generated firmware (tt_params.c / tt_params.h). Frozen parameters are const
 * (Flash). Trained slices are plain initialized arrays (SRAM, .data, their initial values copied from
 * Flash at reset): a partially trained conv weight is split into a trained [Cout][n][k][k] array and a
 * frozen [Cout][Cin-n][k][k] const array (depthwise: the first n channels, then the rest), which the
 * kernels read through `tt_wrow`. Momentum buffers are zeroed arrays (.bss). Effective scales
 * (x_scale * w_scale / y_scale in float32) are precomputed exactly as the runtime computes them.
 */
import type { ParamStore } from '../ir/graph.ts';
import { effScalesOf, multipliersOf } from '../kernels/conv-binding.ts';
import { multiplierPairs } from '../quant/tflite-int.ts';
import type { ConvSymbols } from '../kernels/def.ts';
import { isDepthwise, taps, type ConvGeom } from '../ops/conv2d.ts';
import type { TrainingProgram } from '../program/compile.ts';
import { roundingId } from '../quant/stochastic-round.ts';
import { cArrayBody, cIdent, f32Lit, hex32, i32Lit, safeName } from './c-format.ts';

/** A parameter's stochastic rounding id as a C literal. */
export const roundingIdLit = (name: string) => `0x${hex32(roundingId(name))}u`;

export interface ParamSymbols {
  convs: Map<string, ConvSymbols>;
  /** Any parameter or momentum buffer name -> its C array symbol (convs: the weight -> its tt_weight). */
  byName: Map<string, string>;
}

export function paramSymbols(program: TrainingProgram): ParamSymbols {
  const g = program.graph;
  const trained = new Map(program.trainable.map((t) => [t.param, t]));
  const convs = new Map<string, ConvSymbols>();
  const byName = new Map<string, string>();
  for (const n of g.nodes) {
    if (n.op === 'conv2d') {
      const conv = program.convs[n.name];
      const { geom, weight: w, bias: b, wScales: s } = conv;
      const kk = taps(geom);
      const t = trained.get(w);
      const channels = t ? (isDepthwise(geom) ? t.elements / kk : t.elements / (geom.cout * kk)) : 0;
      const id = cIdent(n.name);
      const sym: ConvSymbols = {
        conv, trained: channels, weight: `W_${id}`, bias: `B_${id}`, scales: `S_${id}`, eff: `E_${id}`, geomSym: `G_${id}`,
        biasTrained: trained.has(b),
      };
      convs.set(n.name, sym);
      byName.set(w, sym.weight);
      byName.set(b, sym.bias);
      byName.set(s, sym.scales);
    } else if (n.op === 'linear') {
      for (const p of n.inputs.slice(1)) byName.set(p, `P_${cIdent(p)}`);
    }
  }
  for (const t of program.trainable) if (t.optimizer) byName.set(t.optimizer, `M_${cIdent(t.param)}`);
  return { convs, byName };
}

const i8 = (v: number) => String(v);
const i32 = (v: number) => i32Lit(v);
const f32 = (v: number) => f32Lit(v);

function array(qual: string, type: string, sym: string, values: ArrayLike<number>, fmt: (v: number) => string): string {
  if (values.length === 0) return '';
  return `${qual}${type} ${sym}[${values.length}] = {\n${cArrayBody(values, fmt)}\n};\n`;
}

/** Splits a conv weight into its trained and frozen parts (see tt_kernels.h). */
export function splitWeight(w: Int8Array, geom: ConvGeom, n: number): { trained: Int8Array; frozen: Int8Array } {
  const kk = taps(geom);
  if (isDepthwise(geom)) return { trained: w.slice(0, n * kk), frozen: w.slice(n * kk) };
  const trained = new Int8Array(geom.cout * n * kk), frozen = new Int8Array(geom.cout * (geom.cpg - n) * kk);
  for (let oc = 0; oc < geom.cout; oc++) {
    trained.set(w.subarray(oc * geom.cpg * kk, (oc * geom.cpg + n) * kk), oc * n * kk);
    frozen.set(w.subarray((oc * geom.cpg + n) * kk, (oc + 1) * geom.cpg * kk), oc * (geom.cpg - n) * kk);
  }
  return { trained, frozen };
}

export function paramSources(program: TrainingProgram, params: ParamStore, syms: ParamSymbols): { header: string; source: string } {
  const g = program.graph;
  const h: string[] = [];
  const c: string[] = [];
  for (const s of syms.convs.values()) {
    const { geom, weight: w, bias: b, wScales: sc, node } = s.conv;
    const id = cIdent(node);
    const { trained, frozen } = splitWeight(params[w] as Int8Array, geom, s.trained);
    c.push(`/* ${safeName(node)}: ${geom.cout}x${geom.cpg}x${geom.kh}x${geom.kw}, ${s.trained ? `${s.trained} ${isDepthwise(geom) ? 'channels' : 'input channels'} trained` : 'frozen'} */`);
    c.push(array('static const ', 'int8_t', `fz_${id}`, frozen, i8));
    c.push(array('static ', 'int8_t', `tr_${id}`, trained, i8));
    c.push(`const tt_weight ${s.weight} = { ${frozen.length ? `fz_${id}` : 'NULL'}, ${trained.length ? `tr_${id}` : 'NULL'}, ${s.trained}, ` +
      `${roundingIdLit(w)}, ${roundingIdLit(b)} };`);
    c.push(array(s.biasTrained ? '' : 'const ', 'int32_t', s.bias, params[b], i32));
    c.push(array('const ', 'float', s.scales, params[sc], f32));
    c.push(array('const ', 'float', s.eff, effScalesOf(s.conv, params[sc] as Float32Array), f32));
    // TFLite's arithmetic: each output channel's multiplier and shift, made from the same scales (tt_geom.rq).
    const rq = multipliersOf(s.conv, params[sc] as Float32Array);
    if (rq) c.push(array('static const ', 'int32_t', `RQ_${id}`, multiplierPairs(rq), i32));
    c.push(`const tt_geom ${s.geomSym} = { ${[geom.cin, geom.h, geom.w, geom.cout, geom.ho, geom.wo, geom.cpg, geom.kh, geom.kw, geom.stride, geom.ph, geom.pw, geom.groups, isDepthwise(geom) ? 1 : 0, rq ? `RQ_${id}` : 'NULL'].join(', ')} };\n`);
    h.push(`extern const tt_weight ${s.weight};`, `extern ${s.biasTrained ? '' : 'const '}int32_t ${s.bias}[${geom.cout}];`,
      `extern const float ${s.scales}[${geom.cout}];`, `extern const float ${s.eff}[${geom.cout}];`, `extern const tt_geom ${s.geomSym};`);
  }
  for (const n of g.nodes) {
    if (n.op !== 'linear') continue;
    for (const p of n.inputs.slice(1)) {
      const sym = syms.byName.get(p)!;
      c.push(array('', 'float', sym, params[p], f32));
      h.push(`extern float ${sym}[${params[p].length}];`);
    }
  }
  for (const t of program.trainable) {
    if (!t.optimizer) continue;
    const sym = syms.byName.get(t.optimizer)!;
    c.push(`float ${sym}[${t.elements}];`);
    h.push(`extern float ${sym}[${t.elements}];`);
  }
  const header = `/* tt_params.h: parameters (generated by TinyTrain Studio). */
#ifndef TT_PARAMS_H
#define TT_PARAMS_H
#include "tt_kernels.h"
${h.join('\n')}
#endif
`;
  const source = `/* tt_params.c: parameters of ${safeName(g.name)} (generated by TinyTrain Studio).
 * const arrays stay in Flash; trained slices (non-const) live in SRAM. */
#include <stddef.h>
#include "tt_params.h"

${c.filter(Boolean).join('\n')}
`;
  return { header, source };
}
