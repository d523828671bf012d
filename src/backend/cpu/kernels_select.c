/* WHERE (3-input elementwise select) and GATHER (take / take_along_axis) on the CPU, over output
   element ranges [lo, hi) like the other splittable kernels. Both only move elements, so they
   work by element size, whatever the dtype. */
#include <string.h>

#include "backend/cpu/cpu_kernels.h"
#include "backend/select_math.h"

/* ---- WHERE ---- */

/* n outputs of one innermost run: o[i] = c[i * sc] ? x[i * sx] : y[i * sy]. */
#define WHERE_ROW(name, T)                                                                         \
  static void name(int64_t n, void *restrict o_, const uint8_t *restrict c, int64_t sc,            \
                   const void *restrict x_, int64_t sx, const void *restrict y_, int64_t sy) {     \
    T *o = o_;                                                                                     \
    const T *x = x_, *y = y_;                                                                      \
    if (sc == 1 && sx == 1 && sy == 1) {                                                           \
      for (int64_t i = 0; i < n; i++) o[i] = c[i] ? x[i] : y[i];                                   \
    } else {                                                                                       \
      for (int64_t i = 0; i < n; i++) o[i] = c[i * sc] ? x[i * sx] : y[i * sy];                    \
    }                                                                                              \
  }
WHERE_ROW(where_1, uint8_t)
WHERE_ROW(where_2, uint16_t)
WHERE_ROW(where_4, uint32_t)
WHERE_ROW(where_8, uint64_t)

typedef void (*where_row_fn)(int64_t n, void *o, const uint8_t *c, int64_t sc, const void *x, int64_t sx,
                             const void *y, int64_t sy);

static weir_status where_kernel(weir__kernel_call *c, int64_t lo, int64_t hi) {
  weir_status st = weir__cpu_check_elementwise(c, 3);
  if (st != WEIR_OK) return st;
  if (c->in[0].dtype != WEIR_BOOL || c->in[1].dtype != c->out.dtype || c->in[2].dtype != c->out.dtype)
    return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "where: inputs %s, %s, %s for output %s",
                          weir_dtype_name(c->in[0].dtype), weir_dtype_name(c->in[1].dtype),
                          weir_dtype_name(c->in[2].dtype), weir_dtype_name(c->out.dtype));
  if (lo >= hi) return WEIR_OK;
  int64_t es = weir__cpu_dsize(c->out.dtype);
  where_row_fn fn = es == 1 ? where_1 : es == 2 ? where_2 : es == 4 ? where_4 : where_8;
  int nd = c->out.ndim;
  if (nd == 0) {
    fn(1, c->out.data, c->in[0].data, 0, c->in[1].data, 0, c->in[2].data, 0);
    return WEIR_OK;
  }
  /* Counter over out's axes positioned at lo; one call per (part of an) innermost row. */
  int64_t idx[WEIR_MAX_NDIM], off[3] = {0, 0, 0}, rem = lo;
  for (int d = nd - 1; d >= 0; d--) {
    idx[d] = rem % c->out.shape[d];
    rem /= c->out.shape[d];
    for (int k = 0; k < 3; k++) off[k] += idx[d] * c->in[k].strides[d];
  }
  int64_t inner = c->out.shape[nd - 1];
  for (int64_t pos = lo; pos < hi;) {
    int64_t n = inner - idx[nd - 1];
    if (n > hi - pos) n = hi - pos;
    fn(n, (char *)c->out.data + pos * es, (const uint8_t *)c->in[0].data + off[0], c->in[0].strides[nd - 1],
       (const char *)c->in[1].data + off[1] * es, c->in[1].strides[nd - 1],
       (const char *)c->in[2].data + off[2] * es, c->in[2].strides[nd - 1]);
    pos += n;
    idx[nd - 1] += n;
    for (int k = 0; k < 3; k++) off[k] += n * c->in[k].strides[nd - 1];
    for (int d = nd - 1; d > 0 && idx[d] == c->out.shape[d]; d--) {
      idx[d] = 0;
      idx[d - 1]++;
      for (int k = 0; k < 3; k++) off[k] += c->in[k].strides[d - 1] - c->out.shape[d] * c->in[k].strides[d];
    }
  }
  return WEIR_OK;
}

/* ---- GATHER ---- */

static void copy_elem(char *o, const char *src, int64_t es) {
  switch (es) {
  case 1: *o = *src; break;
  case 2: memcpy(o, src, 2); break;
  case 4: memcpy(o, src, 4); break;
  default: memcpy(o, src, 8); break;
  }
}

/* take: out (p, j, q) = a[p, index j, q]; runs of q are contiguous in both. */
static void take_range(weir__kernel_call *c, int axis, int64_t lo, int64_t hi) {
  const weir__tensor *a = &c->in[0], *ix = &c->in[1];
  int64_t es = weir__cpu_dsize(a->dtype), inner = 1, n = a->shape[axis], m = ix->size;
  for (int d = axis + 1; d < a->ndim; d++) inner *= a->shape[d];
  char *out = c->out.data;
  const char *src = a->data;
  for (int64_t pos = lo; pos < hi;) {
    int64_t r = pos / inner, q = pos % inner, cnt = inner - q;
    if (cnt > hi - pos) cnt = hi - pos;
    int64_t p = r / m, j = r % m, k = weir__gather_index(ix->data, ix->dtype, j, n);
    memcpy(out + pos * es, src + ((p * n + k) * inner + q) * es, (size_t)(cnt * es));
    pos += cnt;
  }
}

/* take_along_axis: out[c] = a[c with c[axis] = index at c]; a and the indices broadcast (dims
   of 1) off the axis. */
static void along_range(weir__kernel_call *c, int axis, int64_t lo, int64_t hi) {
  const weir__tensor *a = &c->in[0], *ix = &c->in[1];
  int nd = c->out.ndim;
  int64_t es = weir__cpu_dsize(a->dtype), n = a->shape[axis];
  int64_t sa[WEIR_MAX_NDIM], si[WEIR_MAX_NDIM], idx[WEIR_MAX_NDIM], oa = 0, oi = 0, rem = lo;
  /* element strides, 0 on broadcast dims; a's stride along the axis is applied per element */
  for (int d = nd - 1; d >= 0; d--) {
    sa[d] = a->shape[d] == 1 && c->out.shape[d] != 1 ? 0 : a->strides[d];
    si[d] = ix->shape[d] == 1 && c->out.shape[d] != 1 ? 0 : ix->strides[d];
    idx[d] = rem % c->out.shape[d];
    rem /= c->out.shape[d];
    if (d != axis) oa += idx[d] * sa[d];
    oi += idx[d] * si[d];
  }
  const char *src = a->data;
  char *out = c->out.data;
  for (int64_t pos = lo; pos < hi; pos++) {
    int64_t k = weir__gather_index(ix->data, ix->dtype, oi, n);
    copy_elem(out + pos * es, src + (oa + k * a->strides[axis]) * es, es);
    for (int d = nd - 1; d >= 0; d--) {
      int64_t s = d == axis ? 0 : sa[d];
      if (++idx[d] < c->out.shape[d] || d == 0) {
        oa += s;
        oi += si[d];
        break;
      }
      oa -= (c->out.shape[d] - 1) * s;
      oi -= (c->out.shape[d] - 1) * si[d];
      idx[d] = 0;
    }
  }
}

static weir_status gather_kernel(weir__kernel_call *c, int64_t lo, int64_t hi) {
  const weir__tensor *a = &c->in[0], *ix = &c->in[1];
  int axis = c->params ? c->params->gather.axis : -1;
  if (c->nin != 2 || !c->params || axis < 0 || axis >= a->ndim || !a->contiguous || !ix->contiguous ||
      a->dtype != c->out.dtype || !weir__dtype_is_integer(ix->dtype))
    return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "gather: malformed call");
  if (c->params->gather.along && (ix->ndim != a->ndim || c->out.ndim != a->ndim))
    return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "gather: take_along_axis needs one ndim");
  /* before the empty-range return: the validating call (lo == hi == 0) must see it */
  if (a->shape[axis] == 0 && c->out.size > 0) return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "gather: empty axis");
  if (lo >= hi) return WEIR_OK;
  if (c->params->gather.along) along_range(c, axis, lo, hi);
  else take_range(c, axis, lo, hi);
  return WEIR_OK;
}

weir_status weir__cpu_select(weir__kernel_call *c, int64_t lo, int64_t hi) {
  if (c->prim == WEIR__P_WHERE) return where_kernel(c, lo, hi);
  return gather_kernel(c, lo, hi);
}
