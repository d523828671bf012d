/* The CPU's fused elementwise interpreter (backend/fused.h): elements go in tiles, and each step
   runs over a whole tile, so the inner loops vectorize. Results are rounded to each step's dtype
   (float16/bfloat16) exactly as the unfused kernels round them. */
#include <math.h>
#include <string.h>

#include "backend/cpu/cpu_kernels.h"
#include "backend/fused.h"
#include "core/dtype_util.h"

#define TILE 256

static void load_tile(float *r, const weir__fused_step *s, int64_t base, int len) {
  if (s->a) { /* one element broadcast */
    float v = (float)weir__load_double(s->ptr, (weir_dtype)s->dtype, 0);
    for (int j = 0; j < len; j++) r[j] = v;
    return;
  }
  switch (s->dtype) {
  case WEIR_FLOAT32: memcpy(r, (const float *)s->ptr + base, (size_t)len * sizeof(float)); return;
  case WEIR_FLOAT16:
    for (int j = 0; j < len; j++) r[j] = weir__f16_to_f32(((const uint16_t *)s->ptr)[base + j]);
    return;
  default:
    for (int j = 0; j < len; j++) r[j] = weir__bf16_to_f32(((const uint16_t *)s->ptr)[base + j]);
    return;
  }
}

/* Rounds a computed tile to the step's dtype and stores it when the output is materialized. */
static void round_store_tile(float *r, const weir__fused_step *s, int64_t base, int len) {
  switch (s->dtype) {
  case WEIR_FLOAT32:
    if (s->ptr) memcpy((float *)s->ptr + base, r, (size_t)len * sizeof(float));
    return;
  case WEIR_FLOAT16:
    for (int j = 0; j < len; j++) {
      uint16_t h = weir__f32_to_f16(r[j]);
      if (s->ptr) ((uint16_t *)s->ptr)[base + j] = h;
      r[j] = weir__f16_to_f32(h);
    }
    return;
  default:
    for (int j = 0; j < len; j++) {
      uint16_t h = weir__f32_to_bf16(r[j]);
      if (s->ptr) ((uint16_t *)s->ptr)[base + j] = h;
      r[j] = weir__bf16_to_f32(h);
    }
    return;
  }
}

static void compute_tile(float *restrict o, const float *restrict a, const float *restrict b, int op, int len) {
  float t[TILE]; /* o may alias a or b */
  switch (op) {
  case WEIR__P_ADD: for (int j = 0; j < len; j++) t[j] = a[j] + b[j]; break;
  case WEIR__P_SUBTRACT: for (int j = 0; j < len; j++) t[j] = a[j] - b[j]; break;
  case WEIR__P_MULTIPLY: for (int j = 0; j < len; j++) t[j] = a[j] * b[j]; break;
  case WEIR__P_DIVIDE: for (int j = 0; j < len; j++) t[j] = a[j] / b[j]; break;
  case WEIR__P_MAXIMUM: /* exactly as the unfused kernels: NaN propagates, same signed zero */
    for (int j = 0; j < len; j++) t[j] = (a[j] != a[j] || a[j] > b[j]) ? a[j] : b[j];
    break;
  case WEIR__P_MINIMUM:
    for (int j = 0; j < len; j++) t[j] = (a[j] != a[j] || a[j] < b[j]) ? a[j] : b[j];
    break;
  case WEIR__P_NEGATIVE: for (int j = 0; j < len; j++) t[j] = -a[j]; break;
  case WEIR__P_ABS: for (int j = 0; j < len; j++) t[j] = fabsf(a[j]); break;
  case WEIR__P_SQUARE: for (int j = 0; j < len; j++) t[j] = a[j] * a[j]; break;
  default: for (int j = 0; j < len; j++) t[j] = NAN; break;
  }
  memcpy(o, t, (size_t)len * sizeof(float));
}

weir_status weir__cpu_fused_run_range(int64_t lo, int64_t hi, const weir__fused_step *steps, int nsteps) {
  static _Thread_local float regs[WEIR__FUSED_REGS][TILE];
  for (int64_t base = lo; base < hi; base += TILE) {
    int len = hi - base < TILE ? (int)(hi - base) : TILE;
    for (int k = 0; k < nsteps; k++) {
      const weir__fused_step *s = &steps[k];
      if (s->op == WEIR__FUSED_LOAD) {
        load_tile(regs[s->out], s, base, len);
        continue;
      }
      if (s->op == WEIR__FUSED_CONST) {
        for (int j = 0; j < len; j++) regs[s->out][j] = s->value;
        continue;
      }
      compute_tile(regs[s->out], regs[s->a], regs[s->b], s->op, len);
      round_store_tile(regs[s->out], s, base, len);
    }
  }
  return WEIR_OK;
}
