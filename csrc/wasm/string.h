/* string.h of the WebAssembly build (scripts/build-wasm.mjs): built with bulk memory, so the compiler
 * turns every memcpy / memmove / memset into memory.copy / memory.fill; nothing links against a libc. */
#ifndef TT_WASM_STRING_H
#define TT_WASM_STRING_H
#include <stddef.h>
#define memcpy(d, s, n) __builtin_memcpy(d, s, n)
#define memset(d, c, n) __builtin_memset(d, c, n)
#define memmove(d, s, n) __builtin_memmove(d, s, n)
#endif
