/* tt_wasm.c: what the WebAssembly build of the library (scripts/build-wasm.mjs) adds for its JavaScript
 * caller, src/engine/wasm/. JavaScript cannot name a C function pointer, so a streamed chain input's
 * reader is set here. */
#include "../tt_kernels.h"

void tt_wasm_image_src(tt_row_src *s, const int8_t *image, int channels, int h, int w) {
  s->read = tt_image_rows;
  s->image = image;
  s->channels = channels;
  s->h = h;
  s->w = w;
}
