/*
 * Runs one C kernel on operands read from stdin and writes its outputs to stdout, so that
 * tests/c-kernels.test.ts can hold each kernel to its TypeScript twin on random operands (a wrong
 * kernel is named, not only a wrong training hash). Usage: harness <kernel> < operands > outputs.
 * Operands and outputs are little-endian arrays in the order each case below reads and writes them;
 * sizes come first as int32 values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../tt_kernels.h"

static void *take(size_t bytes) {
  void *p = calloc(bytes ? bytes : 1, 1);
  if (!p || fread(p, 1, bytes, stdin) != bytes) {
    fprintf(stderr, "harness: short input\n");
    exit(2);
  }
  return p;
}
static int32_t int_(void) {
  int32_t v;
  memcpy(&v, take(4), 4);
  return v;
}
static float float_(void) {
  float v;
  memcpy(&v, take(4), 4);
  return v;
}
static void *zeros(size_t bytes) {
  void *p = calloc(bytes ? bytes : 1, 1);
  if (!p) exit(2);
  return p;
}
static void put(const void *p, size_t bytes) {
  fwrite(p, 1, bytes, stdout);
}
/* cin h w cout ho wo cpg kh kw stride ph pw groups */
static tt_geom geom(void) {
  tt_geom g;
  g.cin = int_(), g.h = int_(), g.w = int_(), g.cout = int_(), g.ho = int_(), g.wo = int_();
  g.cpg = int_(), g.kh = int_(), g.kw = int_(), g.stride = int_(), g.ph = int_(), g.pw = int_(), g.groups = int_();
  g.dw = g.groups > 1 && g.groups == g.cin && g.cout == g.cin;
  g.rq = NULL;
  return g;
}

/* lr momentum (floats), qas stochastic key (int32) */
static tt_sgd sgd(void) {
  tt_sgd c;
  c.lr = float_(), c.momentum = float_();
  c.qas = int_(), c.stochastic = int_(), c.key = (uint32_t)int_();
  return c;
}
/* A conv weight split as the generated parameter file splits it: n trained, the rest frozen. */
static tt_weight weight(const tt_geom *g, int n, uint32_t id, uint32_t bias_id) {
  const int kk = tt_taps(g);
  const int tr = (g->dw ? n : g->cout * n) * kk, fz = (g->dw ? g->cout - n : g->cout * (g->cpg - n)) * kk;
  int8_t *trained = take(tr);
  const int8_t *frozen = take(fz);
  const tt_weight w = { frozen, trained, n, id, bias_id };
  return w;
}
static int trained_bytes(const tt_geom *g, int n) {
  return (g->dw ? n : g->cout * n) * tt_taps(g);
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  const char *k = argv[1];
  if (!strcmp(k, "conv2d") || !strcmp(k, "conv2d_q") || !strcmp(k, "conv2d_inplace")) {
    /* geometry, xz, yz, workspace bytes for the fast paths (0: the plain loops), x, w, bias, eff
     * (conv2d_q: then each channel's multiplier and shift) -> y, mask. conv2d_inplace: y over x (a
     * pointwise conv with cout <= cin). */
    tt_geom g = geom();
    const int32_t xz = int_(), yz = int_(), wk_bytes = int_();
    const int nx = g.cin * g.h * g.w, ny = g.cout * g.ho * g.wo, nw = g.cout * g.cpg * tt_taps(&g);
    int8_t *x = take(nx), *w = take(nw);
    int32_t *bias = take(4 * g.cout);
    float *eff = take(4 * g.cout);
    if (!strcmp(k, "conv2d_q")) g.rq = take(8 * g.cout);
    int8_t *y = strcmp(k, "conv2d_inplace") ? zeros(ny) : x;
    uint8_t *mask = zeros((ny + 7) / 8);
    int32_t tile[64];
    const tt_work ws = { tile, 64, zeros(g.cpg), zeros(4 * g.h * g.w), zeros(4 * tt_taps(&g) * g.cpg) };
    const tt_weight wt = { w, NULL, 0, 0, 0 };
    tt_conv2d(x, xz, &wt, bias, eff, y, yz, &g, mask, NULL, &ws, wk_bytes ? zeros(wk_bytes) : NULL, wk_bytes);
    put(y, ny);
    put(mask, (ny + 7) / 8);
  } else if (!strcmp(k, "add")) {
    const int n = int_();
    const float sa = float_(); const int32_t za = int_();
    const float sb = float_(); const int32_t zb = int_();
    const float sy = float_(); const int32_t zy = int_();
    int8_t *a = take(n), *b = take(n), *y = zeros(n);
    uint8_t *mask = zeros((n + 7) / 8);
    tt_add(a, sa, za, b, sb, zb, y, sy, zy, mask, n);
    put(y, n);
    put(mask, (n + 7) / 8);
  } else if (!strcmp(k, "add_q")) {
    /* n, za, zb, zy, the six multiplier words, a, b -> y, mask */
    const int n = int_();
    const int32_t za = int_(), zb = int_(), zy = int_();
    const int32_t *rq = take(24);
    int8_t *a = take(n), *b = take(n), *y = zeros(n);
    uint8_t *mask = zeros((n + 7) / 8);
    tt_add_q(a, za, b, zb, y, zy, rq, mask, n);
    put(y, n);
    put(mask, (n + 7) / 8);
  } else if (!strcmp(k, "avgpool")) {
    const int c = int_(), hw = int_();
    int8_t *x = take(c * hw), *y = zeros(c);
    tt_avgpool(x, c, hw, y);
    put(y, c);
  } else if (!strcmp(k, "avgpool_bwd")) {
    const int c = int_(), hw = int_();
    float *g = take(4 * c), *gx = zeros(4 * c * hw);
    tt_avgpool_bwd(g, c, hw, hw, gx);
    put(gx, 4 * c * hw);
  } else if (!strcmp(k, "mask")) {
    const int n = int_();
    float *g = take(4 * n);
    uint8_t *m = take((n + 7) / 8);
    float *out = zeros(4 * n);
    tt_mask(g, m, out, n);
    put(out, 4 * n);
  } else if (!strcmp(k, "channel_scale")) {
    const int c = int_(), per = int_();
    float *g = take(4 * c * per), *s = take(4 * c), *out = zeros(4 * c * per);
    tt_channel_scale(g, s, c, per, out);
    put(out, 4 * c * per);
  } else if (!strcmp(k, "grad_acc")) {
    const int n = int_();
    float *a = take(4 * n), *b = take(4 * n), *out = zeros(4 * n);
    tt_grad_acc(a, b, out, n);
    put(out, 4 * n);
  } else if (!strcmp(k, "scale_into")) {
    const int n = int_();
    const float alpha = float_();
    float *g = take(4 * n), *out = zeros(4 * n);
    tt_scale_into(g, alpha, out, n);
    put(out, 4 * n);
  } else if (!strcmp(k, "conv_bwd_x")) {
    /* geometry, acc, w, g, [gx to add onto (acc)] -> gx */
    const tt_geom g = geom();
    const int acc = int_();
    int8_t *w = take(g.cout * g.cpg * tt_taps(&g));
    float *gy = take(4 * g.cout * g.ho * g.wo), *gx = acc ? take(4 * g.cin * g.h * g.w) : zeros(4 * g.cin * g.h * g.w);
    const tt_weight wt = { w, NULL, 0, 0, 0 };
    tt_conv_bwd_x(gy, &wt, &g, gx, NULL, acc);
    put(gx, 4 * g.cin * g.h * g.w);
  } else if (!strcmp(k, "conv_grad_w")) {
    /* geometry, xz, n (trained channels), x, g -> the gradient of the trained slice */
    const tt_geom g = geom();
    const int32_t xz = int_(), n = int_();
    int8_t *x = take(g.cin * g.h * g.w);
    float *gy = take(4 * g.cout * g.ho * g.wo);
    const int count = (g.dw ? n : g.cout * n) * tt_taps(&g);
    float *out = zeros(4 * count);
    tt_conv_grad_w(x, xz, gy, &g, n, out);
    put(out, 4 * count);
  } else if (!strcmp(k, "conv_grad_b")) {
    const int cout = int_(), howo = int_();
    float *g = take(4 * cout * howo), *out = zeros(4 * cout);
    tt_conv_grad_b(g, cout, howo, out);
    put(out, 4 * cout);
  } else if (!strcmp(k, "linear_bwd")) {
    const int n = int_(), c = int_();
    const float xs = float_();
    float *g = take(4 * n), *w = take(4 * n * c), *gx = zeros(4 * c);
    tt_linear_bwd(g, w, n, c, xs, gx);
    put(gx, 4 * c);
  } else if (!strcmp(k, "softmax_ce_bwd_f32")) {
    const int n = int_(), label = int_();
    float *z = take(4 * n), loss = 0, *g = zeros(4 * n), *probs = zeros(4 * n);
    tt_softmax_ce_bwd_f32(z, n, label, &loss, g, probs);
    put(&loss, 4);
    put(g, 4 * n);
  } else if (!strcmp(k, "linear")) {
    const int n = int_(), c = int_();
    const float xs = float_();
    const int32_t xz = int_();
    int8_t *x = take(c);
    float *w = take(4 * n * c), *b = take(4 * n), *y = zeros(4 * n);
    tt_linear(x, xs, xz, w, b, n, c, y);
    put(y, 4 * n);
  } else if (!strcmp(k, "save_slice")) {
    const int n = int_(), keep = int_();
    int8_t *x = take(n), *y = zeros(keep);
    tt_save_slice(x, y, keep);
    put(y, keep);
  } else if (!strcmp(k, "concat")) {
    /* count, each input's size, then the inputs: the output is their concatenation */
    const int count = int_();
    int sizes[8], total = 0;
    for (int i = 0; i < count; i++) total += (sizes[i] = int_());
    int8_t *y = zeros(total);
    for (int i = 0, off = 0; i < count; off += sizes[i], i++) tt_concat(take(sizes[i]), sizes[i], y + off);
    put(y, total);
  } else if (!strcmp(k, "pad")) {
    /* channels, h, w, top, left, bottom, right, zero, then x */
    const int c = int_(), h = int_(), w = int_(), t = int_(), l = int_(), b = int_(), r = int_(), zero = int_();
    const int n = c * (t + h + b) * (l + w + r);
    int8_t *x = take((size_t)(c * h * w)), *y = zeros((size_t)n);
    tt_pad(x, c, h, w, t, l, b, r, zero, y);
    put(y, (size_t)n);
  } else if (!strcmp(k, "crop")) {
    /* channels, h, w, top, left, bottom, right, then gy */
    const int c = int_(), h = int_(), w = int_(), t = int_(), l = int_(), b = int_(), r = int_();
    float *gy = take(4 * (size_t)(c * (t + h + b) * (l + w + r))), *gx = zeros(4 * (size_t)(c * h * w));
    tt_crop(gy, c, h, w, t, l, b, r, gx);
    put(gx, 4 * (size_t)(c * h * w));
  } else if (!strcmp(k, "split")) {
    const int total = int_(), offset = int_(), n = int_();
    float *gy = take(4 * total), *gx = zeros(4 * n);
    tt_split(gy + offset, n, gx);
    put(gx, 4 * n);
  } else if (!strcmp(k, "softmax_ce_bwd_i8")) {
    const int n = int_(), label = int_();
    const float scale = float_();
    const int32_t zero = int_();
    int8_t *z = take(n);
    float loss = 0, *g = zeros(4 * n), *probs = zeros(4 * n);
    tt_softmax_ce_bwd_i8(z, scale, zero, n, label, &loss, g, probs);
    put(&loss, 4);
    put(g, 4 * n);
  } else if (!strcmp(k, "linear_update")) {
    /* n c xs xz sgd, x, g, w, b, vw, vb -> w, b, vw, vb */
    const int n = int_(), c = int_();
    const float xs = float_();
    const int32_t xz = int_();
    const tt_sgd cfg = sgd();
    int8_t *x = take(c);
    float *g = take(4 * n), *w = take(4 * n * c), *b = take(4 * n), *vw = take(4 * n * c), *vb = take(4 * n);
    tt_linear_update(x, xs, xz, g, w, b, n, c, &cfg, vw, vb);
    put(w, 4 * n * c);
    put(b, 4 * n);
    put(vw, 4 * n * c);
    put(vb, 4 * n);
  } else if (!strcmp(k, "conv_update_w") || !strcmp(k, "apply_update_w")) {
    /* geometry, xz, n, id, sgd, x and g (conv_update_w) or the whole gradient (apply_update_w), weight (trained, frozen), sw, vel
     * -> the trained weight, vel */
    const tt_geom g = geom();
    const int32_t xz = int_(), n = int_();
    const uint32_t id = (uint32_t)int_();
    const tt_sgd cfg = sgd();
    const int nt = trained_bytes(&g, n);
    const int update = !strcmp(k, "conv_update_w");
    int8_t *x = update ? take(g.cin * g.h * g.w) : NULL;
    float *gy = update ? take(4 * g.cout * g.ho * g.wo) : take(4 * nt);
    const tt_weight w = weight(&g, n, id, 0);
    float *sw = take(4 * g.cout), *vel = take(4 * nt);
    if (update) tt_conv_update_w(x, xz, gy, &g, n, &w, sw, &cfg, vel, zeros(4 * g.cpg * tt_taps(&g)));
    else tt_apply_update_w(gy, &g, n, &w, sw, &cfg, vel);
    put(w.tr, nt);
    put(vel, 4 * nt);
  } else if (!strcmp(k, "conv_update_b") || !strcmp(k, "apply_update_b") || !strcmp(k, "conv_update_b_masked")) {
    /* cout howo id xs sgd, g (cout x howo, or cout for apply_update_b and conv_update_b_masked), [mask (masked)], b, sw, vel -> b, vel */
    const int cout = int_(), howo = int_();
    const uint32_t id = (uint32_t)int_();
    const float xs = float_();
    const tt_sgd cfg = sgd();
    const int update = !strcmp(k, "conv_update_b"), masked = !strcmp(k, "conv_update_b_masked");
    float *gy = take(4 * (update ? cout * howo : cout));
    const uint8_t *mask = masked ? take((cout * howo + 7) / 8) : NULL;
    int32_t *b = take(4 * cout);
    float *sw = take(4 * cout), *vel = take(4 * cout);
    if (update) tt_conv_update_b(gy, b, id, cout, howo, sw, xs, &cfg, vel);
    else if (masked) tt_conv_update_b_masked(gy, mask, b, id, cout, howo, sw, xs, &cfg, vel);
    else tt_apply_update_b(gy, b, id, cout, sw, xs, &cfg, vel);
    put(b, 4 * cout);
    put(vel, 4 * cout);
  } else if (!strcmp(k, "round_key")) {
    const uint32_t seed = (uint32_t)int_(), update = (uint32_t)int_();
    const uint32_t key = tt_round_key(seed, update);
    put(&key, 4);
  } else if (!strcmp(k, "conv_chain") || !strcmp(k, "conv_chain_q")) {
    /* stages, then per stage: geometry, xz, yz, w, bias, eff (conv_chain_q: and its multipliers and shifts);
     * ring offsets, rows and spares; adds, per add: stage skip sa za sb zb sy zy (conv_chain_q: and its six
     * multiplier words); add_row; in_rows (0: whole input); scratch bytes; workspace bytes; in place (the
     * output written over the input); the input -> the output */
    const int q = !strcmp(k, "conv_chain_q");
    const int n = int_();
    tt_stage *st = zeros(sizeof(tt_stage) * (size_t)n);
    for (int i = 0; i < n; i++) {
      tt_geom *g = zeros(sizeof(tt_geom));
      *g = geom();
      st[i].g = g;
      st[i].xz = int_(), st[i].yz = int_();
      tt_weight *w = zeros(sizeof(tt_weight));
      w->fz = take(g->cout * g->cpg * tt_taps(g));
      st[i].w = w;
      st[i].bias = take(4 * g->cout);
      st[i].eff = take(4 * g->cout);
      if (q) g->rq = take(8 * g->cout);
    }
    int *ro = zeros(4 * (size_t)n), *rr = zeros(4 * (size_t)n), *rs = zeros(4 * (size_t)n);
    for (int i = 0; i + 1 < n; i++) ro[i] = int_(), rr[i] = int_(), rs[i] = int_();
    const int n_add = int_();
    tt_chain_add *adds = zeros(sizeof(tt_chain_add) * (size_t)(n_add + 1));
    for (int i = 0; i < n_add; i++) {
      adds[i].stage = int_(), adds[i].skip = int_();
      adds[i].sa = float_(), adds[i].za = int_(), adds[i].sb = float_(), adds[i].zb = int_(), adds[i].sy = float_(), adds[i].zy = int_();
      if (q) adds[i].rq = take(24);
    }
    tt_chain c = { n, st, ro, rr, n_add, adds, 0, 0, rs };
    c.add_row = int_();
    c.in_rows = int_();
    const int scratch_bytes = int_(), wk_bytes = int_(), in_place = int_();
    const tt_geom *g0 = st[0].g, *last = st[n - 1].g;
    int8_t *in = take(g0->cin * g0->h * g0->w);
    int8_t *out = in_place ? in : zeros(last->cout * last->ho * last->wo), *scratch = zeros(scratch_bytes);
    if (c.in_rows) {
      const tt_row_src src = { tt_image_rows, in, g0->cin, g0->h, g0->w };
      tt_conv_chain(&c, NULL, &src, zeros(g0->cin * c.in_rows * g0->w), out, scratch, wk_bytes ? zeros(wk_bytes) : NULL, wk_bytes);
    } else {
      tt_conv_chain(&c, in, NULL, NULL, out, scratch, wk_bytes ? zeros(wk_bytes) : NULL, wk_bytes);
    }
    put(out, last->cout * last->ho * last->wo);
  } else if (!strcmp(k, "maxpool")) {
    const int c = int_(), h = int_(), w = int_(), kk = int_(), stride = int_(), pad = int_(), ho = int_(), wo = int_();
    int8_t *x = take(c * h * w), *y = zeros(c * ho * wo);
    tt_maxpool(x, c, h, w, kk, stride, pad, ho, wo, y);
    put(y, c * ho * wo);
  } else if (!strcmp(k, "mean_stages")) {
    const int c = int_(), h = int_(), w = int_(), zero = int_(), stages = int_();
    int8_t *x = take(c * h * w), *y = zeros(c);
    tt_mean_stages(x, c, h, w, zero, stages, y);
    put(y, c);
  } else if (!strcmp(k, "maxpool_bwd")) {
    const int c = int_(), h = int_(), w = int_(), kk = int_(), stride = int_(), pad = int_(), ho = int_(), wo = int_();
    float *gy = take(4 * c * ho * wo);
    int8_t *x = take(c * h * w);
    float *gx = take(4 * c * h * w); /* garbage in: the kernel zeroes it */
    tt_maxpool_bwd(gy, x, c, h, w, kk, stride, pad, ho, wo, gx);
    put(gx, 4 * c * h * w);
  } else if (!strcmp(k, "dw_pw_bwd")) {
    /* dw geometry, pw1 geometry, n bias input_grad xz xs id bias_id sgd(weights) sgd(biases) wk_bytes acc,
     * gD, mask, saved (n > 0), wD, wP (trained, frozen), bP, sP, eff, velW, velB, [gx to add onto (acc)]
     * -> gx (input_grad), wP trained, bP, velW, velB */
    const tt_geom dg = geom(), pg = geom();
    const int32_t n = int_(), bias = int_(), input_grad = int_(), xz = int_();
    const float xs = float_();
    const uint32_t id = (uint32_t)int_(), bias_id = (uint32_t)int_();
    const tt_sgd cw = sgd(), cb = sgd();
    const int wk_bytes = int_(), acc = int_();
    const int hw = pg.ho * pg.wo;
    float *gD = take(4 * dg.cout * dg.ho * dg.wo);
    uint8_t *mask = take((pg.cout * hw + 7) / 8);
    int8_t *saved = n > 0 ? take(pg.cin * hw) : NULL;
    const tt_weight wD = weight(&dg, 0, 0, 0), wP = weight(&pg, n, id, bias_id);
    int32_t *bP = take(4 * pg.cout);
    float *sP = take(4 * pg.cout), *eff = take(4 * pg.cout), *velW = take(4 * pg.cout * n), *velB = take(4 * pg.cout);
    float *gx = input_grad ? (acc ? take(4 * pg.cin * hw) : zeros(4 * pg.cin * hw)) : NULL, *scratch = zeros(4 * (hw + n));
    tt_dw_pw_bwd(gD, mask, saved, gx, acc, scratch, &wD, &dg, &wP, &pg, bP, sP, eff, n, bias, xz, xs, &cw, &cb, velW, velB,
      wk_bytes ? zeros(wk_bytes) : NULL, wk_bytes);
    if (gx) put(gx, 4 * pg.cin * hw);
    put(wP.tr, trained_bytes(&pg, n));
    put(bP, 4 * pg.cout);
    put(velW, 4 * pg.cout * n);
    put(velB, 4 * pg.cout);
  } else if (!strcmp(k, "block_bwd")) {
    /* dw geometry, pw2 geometry, has_pw1 [pw1 geometry], nD dBias dInputGrad dxz dxs idD idDB, n bias input_grad xz xs idP idPB,
     * sgd(weights) sgd(biases) wk_bytes acc per_channel; g2 (per channel: cout values, then their mask), w2, dMask, dSaved (nD > 0), wD (trained, frozen), bD, sD, effD, dVelW, dVelB,
     * [pMask, pSaved (n > 0), wP (trained, frozen), bP, sP, effP, velW, velB], [gx to add onto (acc)]
     * -> gx (if any), wD trained, bD, dVelW, dVelB, [wP trained, bP, velW, velB] */
    const tt_geom dg = geom(), g2g = geom();
    const int has_pw1 = int_();
    tt_geom pg;
    memset(&pg, 0, sizeof pg);
    if (has_pw1) pg = geom();
    const int32_t nD = int_(), dBias = int_(), dInputGrad = int_(), dxz = int_();
    const float dxs = float_();
    const uint32_t idD = (uint32_t)int_(), idDB = (uint32_t)int_();
    const int32_t n = int_(), bias = int_(), input_grad = int_(), xz = int_();
    const float xs = float_();
    const uint32_t idP = (uint32_t)int_(), idPB = (uint32_t)int_();
    const tt_sgd cw = sgd(), cb = sgd();
    const int wk_bytes = int_(), acc = int_(), per_channel = int_();
    const int hwo = dg.ho * dg.wo, hwi = dg.h * dg.w, kk = tt_taps(&dg);
    float *g2 = take(4 * g2g.cout * (per_channel ? 1 : hwo));
    const uint8_t *g2Mask = per_channel ? take((g2g.cout * hwo + 7) / 8) : NULL;
    const tt_weight w2 = weight(&g2g, 0, 0, 0);
    uint8_t *dMask = take((dg.cout * hwo + 7) / 8);
    int8_t *dSaved = nD > 0 ? take(dg.cin * hwi) : NULL;
    const tt_weight wD = weight(&dg, nD, idD, idDB);
    int32_t *bD = take(4 * dg.cout);
    float *sD = take(4 * dg.cout), *effD = take(4 * dg.cout), *dVelW = take(4 * nD * kk), *dVelB = take(4 * dg.cout);
    uint8_t *pMask = NULL;
    int8_t *pSaved = NULL;
    tt_weight wP = { NULL, NULL, 0, 0, 0 };
    int32_t *bP = NULL;
    float *sP = NULL, *effP = NULL, *velW = NULL, *velB = NULL;
    if (has_pw1) {
      pMask = take((pg.cout * hwi + 7) / 8);
      pSaved = n > 0 ? take(pg.cin * hwi) : NULL;
      wP = weight(&pg, n, idP, idPB);
      bP = take(4 * pg.cout);
      sP = take(4 * pg.cout), effP = take(4 * pg.cout), velW = take(4 * pg.cout * n), velB = take(4 * pg.cout);
    }
    const int ngx = has_pw1 ? (input_grad ? pg.cin * hwi : 0) : (dInputGrad ? dg.cin * hwi : 0);
    float *gx = ngx ? (acc ? take(4 * ngx) : zeros(4 * ngx)) : NULL;
    float *scratch = zeros(4 * (hwo + hwi + (kk > n ? kk : n)));
    tt_block_bwd(g2, g2Mask, &w2, &g2g, dMask, dSaved, &wD, &dg, bD, sD, effD, nD, dBias, dInputGrad, dxz, dxs, dVelW, dVelB,
      pMask, pSaved, gx, acc, has_pw1 ? &wP : NULL, has_pw1 ? &pg : NULL, bP, sP, effP, n, bias, xz, xs, velW, velB,
      &cw, &cb, scratch, wk_bytes ? zeros(wk_bytes) : NULL, wk_bytes);
    if (gx) put(gx, 4 * ngx);
    put(wD.tr, trained_bytes(&dg, nD));
    put(bD, 4 * dg.cout);
    put(dVelW, 4 * nD * kk);
    put(dVelB, 4 * dg.cout);
    if (has_pw1) {
      put(wP.tr, trained_bytes(&pg, n));
      put(bP, 4 * pg.cout);
      put(velW, 4 * pg.cout * n);
      put(velB, 4 * pg.cout);
    }
  } else {
    fprintf(stderr, "harness: unknown kernel %s\n", k);
    return 2;
  }
  return 0;
}
