/* CONCAT on the CPU: out viewed as (outer, W) with W = out.shape[axis] * inner; input k fills the
   columns [start_k, start_k + w_k) of every row, w_k = in[k].shape[axis] * inner. */
#include <string.h>

#include "backend/cpu/cpu_kernels.h"

weir_status weir__cpu_concat(weir__kernel_call *c) {
  if (c->nin < 1 || !c->params || c->params->concat.axis < 0 || c->params->concat.axis >= c->out.ndim)
    return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "concatenate: malformed call");
  int axis = c->params->concat.axis;
  int64_t outer = 1, inner = 1, along = 0, es = weir__cpu_dsize(c->out.dtype);
  for (int d = 0; d < axis; d++) outer *= c->out.shape[d];
  for (int d = axis + 1; d < c->out.ndim; d++) inner *= c->out.shape[d];
  for (int k = 0; k < c->nin; k++) {
    const weir__tensor *t = &c->in[k];
    if (!t->contiguous || t->dtype != c->out.dtype || t->ndim != c->out.ndim)
      return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "concatenate: input %d does not match the output", k);
    along += t->shape[axis];
  }
  if (along != c->out.shape[axis])
    return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "concatenate: the inputs' axis lengths do not add up");
  int64_t W = along * inner, start = 0;
  char *out = c->out.data;
  for (int k = 0; k < c->nin; k++) {
    int64_t w = c->in[k].shape[axis] * inner;
    const char *src = c->in[k].data;
    if (w > 0)
      for (int64_t o = 0; o < outer; o++) memcpy(out + (o * W + start) * es, src + o * w * es, (size_t)(w * es));
    start += w;
  }
  return WEIR_OK;
}
