/* math.h of the WebAssembly build (scripts/build-wasm.mjs): there is no libc, so the few functions the
 * kernels use are the instructions themselves, with libm's semantics. exp and log (the loss) are not in
 * the module: a call to them fails the link. */
#ifndef TT_WASM_MATH_H
#define TT_WASM_MATH_H
/* f32.nearest / f64.floor: round half to even in the default mode, as rintf; floor. */
static inline float rintf(float x) { return __builtin_rintf(x); }
static inline double floor(double x) { return __builtin_floor(x); }
/* libm's fminf / fmaxf return the other operand when one is NaN (wasm's f32.min / f32.max return NaN). */
static inline float fminf(float a, float b) { return a != a ? b : b != b ? a : a < b ? a : b; }
static inline float fmaxf(float a, float b) { return a != a ? b : b != b ? a : a > b ? a : b; }
#define INFINITY __builtin_inff()
double exp(double x);
double log(double x);
#endif
