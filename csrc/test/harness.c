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
/* cin h w cout ho wo cpg k stride pad groups */
static tt_geom geom(void) {
  tt_geom g;
  g.cin = int_(), g.h = int_(), g.w = int_(), g.cout = int_(), g.ho = int_(), g.wo = int_();
  g.cpg = int_(), g.k = int_(), g.stride = int_(), g.pad = int_(), g.groups = int_();
  g.dw = g.groups > 1 && g.groups == g.cin && g.cout == g.cin;
  return g;
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  const char *k = argv[1];
  if (!strcmp(k, "conv2d")) {
    /* geometry, xz, yz, workspace bytes for the fast paths (0: the plain loops), x, w, bias, eff -> y, mask */
    const tt_geom g = geom();
    const int32_t xz = int_(), yz = int_(), wk_bytes = int_();
    const int nx = g.cin * g.h * g.w, ny = g.cout * g.ho * g.wo, nw = g.cout * g.cpg * g.k * g.k;
    int8_t *x = take(nx), *w = take(nw);
    int32_t *bias = take(4 * g.cout);
    float *eff = take(4 * g.cout);
    int8_t *y = zeros(ny);
    uint8_t *mask = zeros((ny + 7) / 8);
    int32_t tile[64];
    const tt_work ws = { tile, 64, zeros(g.cpg), zeros(4 * g.h * g.w), zeros(4 * g.k * g.k * g.cpg) };
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
  } else if (!strcmp(k, "avgpool")) {
    const int c = int_(), hw = int_();
    int8_t *x = take(c * hw), *y = zeros(c);
    tt_avgpool(x, c, hw, y);
    put(y, c);
  } else if (!strcmp(k, "avgpool_bwd")) {
    const int c = int_(), hw = int_();
    float *g = take(4 * c), *gx = zeros(4 * c * hw);
    tt_avgpool_bwd(g, c, hw, gx);
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
    /* geometry, w, g -> gx */
    const tt_geom g = geom();
    int8_t *w = take(g.cout * g.cpg * g.k * g.k);
    float *gy = take(4 * g.cout * g.ho * g.wo), *gx = zeros(4 * g.cin * g.h * g.w);
    const tt_weight wt = { w, NULL, 0, 0, 0 };
    tt_conv_bwd_x(gy, &wt, &g, gx, NULL);
    put(gx, 4 * g.cin * g.h * g.w);
  } else if (!strcmp(k, "conv_grad_w")) {
    /* geometry, xz, n (trained channels), x, g -> the gradient of the trained slice */
    const tt_geom g = geom();
    const int32_t xz = int_(), n = int_();
    int8_t *x = take(g.cin * g.h * g.w);
    float *gy = take(4 * g.cout * g.ho * g.wo);
    const int count = (g.dw ? n : g.cout * n) * g.k * g.k;
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
  } else {
    fprintf(stderr, "harness: unknown kernel %s\n", k);
    return 2;
  }
  return 0;
}
