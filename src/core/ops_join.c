/* Joining and splitting: concatenate (CONCAT nodes), and the composites over it and over slice:
   stack, split, pad. A CONCAT node takes at most WEIR__MAX_INPUTS inputs, so more arrays are
   joined as a tree of CONCAT nodes (each level copies the data once more: log_3(n) passes). */
#include <stdlib.h>

#include "core/alloc.h"
#include "core/ops_internal.h"
#include "weir/ops.h"

/* Checks the list: n >= 1 non-NULL arrays, one ndim >= 1 (normalizing axis into *ax), and each
   dim but the axis equal to arrays[0]'s; *total gets the axis length of the result. */
static weir_status check_join(const weir_array *const *arrays, int n, int axis, const char *fn, const char *op,
                              int *ax, int64_t *total) {
  if (n < 1)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: no arrays to %s (n is %d; at least one is needed)", op, op, n);
  if (!arrays) return weir__null_arg(fn, "arrays");
  for (int i = 0; i < n; i++)
    if (!arrays[i]) return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: arrays[%d] is NULL", fn, i);
  const weir_array *a0 = arrays[0];
  weir_status st = weir__normalize_axis(axis, a0->ndim, op, ax);
  if (st != WEIR_OK) return st;
  int64_t sum = 0;
  for (int i = 0; i < n; i++) {
    const weir_array *a = arrays[i];
    char s0[WEIR__SHAPE_STR_MAX], si[WEIR__SHAPE_STR_MAX];
    if (a->ndim != a0->ndim)
      return weir__fail(WEIR_ERR_INVALID_ARGUMENT,
                        "%s: all arrays must have the same number of dimensions, got %d (arrays[0]) and %d "
                        "(arrays[%d])",
                        op, a0->ndim, a->ndim, i);
    for (int d = 0; d < a->ndim; d++)
      if (d != *ax && a->shape[d] != a0->shape[d])
        return weir__fail(WEIR_ERR_INVALID_ARGUMENT,
                          "%s: the dims must match except along axis %d, got %s (arrays[0]) and %s (arrays[%d])", op,
                          *ax, weir__shape_str(s0, sizeof s0, a0->shape, a0->ndim),
                          weir__shape_str(si, sizeof si, a->shape, a->ndim), i);
    if (a->shape[*ax] > INT64_MAX - sum)
      return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: the result's axis %d is too long", op, *ax);
    sum += a->shape[*ax];
  }
  *total = sum;
  return WEIR_OK;
}

/* Joins parts[0..n) (all of one dtype, checked) along ax into *out, consuming the references in
   parts (freed whatever happens). */
static weir_status concat_tree(weir_array **out, weir_array **parts, int n, int ax, weir_stream rs) {
  weir_status st = WEIR_OK;
  while (n > 1 && st == WEIR_OK) {
    int m = 0;
    for (int i = 0; i < n; i += WEIR__MAX_INPUTS) {
      int k = n - i < WEIR__MAX_INPUTS ? n - i : WEIR__MAX_INPUTS;
      weir_array *joined = NULL;
      if (k == 1 || st != WEIR_OK) { /* carried to the next level (or kept to be freed) */
        parts[m++] = parts[i];
        for (int j = 1; j < k; j++) parts[m++] = parts[i + j];
        continue;
      }
      int64_t shape[WEIR_MAX_NDIM];
      const weir_array *p0 = parts[i];
      for (int d = 0; d < p0->ndim; d++) shape[d] = p0->shape[d];
      shape[ax] = 0;
      for (int j = 0; j < k; j++) shape[ax] += parts[i + j]->shape[ax];
      weir__params p = {0};
      p.concat.axis = ax;
      st = weir__node_make(&joined, WEIR__P_CONCAT, &p, &parts[i], k, shape, p0->ndim, p0->dtype, rs);
      if (st != WEIR_OK) {
        for (int j = 0; j < k; j++) parts[m++] = parts[i + j];
        continue;
      }
      for (int j = 0; j < k; j++) weir_array_free(parts[i + j]);
      parts[m++] = joined;
    }
    if (st != WEIR_OK) {
      for (int i = 0; i < m; i++) weir_array_free(parts[i]);
      return st;
    }
    n = m;
  }
  *out = parts[0];
  return WEIR_OK;
}

/* concatenate after the checks; rs resolved. */
static weir_status concat_checked(weir_array **out, const weir_array *const *arrays, int n, int ax, weir_stream rs,
                                  const char *op) {
  weir_array **parts = weir__calloc((size_t)n, sizeof *parts);
  if (!parts) return weir__fail(WEIR_ERR_OUT_OF_MEMORY, "%s: out of memory", op);
  weir_dtype t = arrays[0]->dtype; /* MLX's result_type of the list */
  for (int i = 1; i < n; i++) t = weir_dtype_promote(t, arrays[i]->dtype);
  weir_status st = weir__check_dtype_on(&rs, t, op);
  for (int i = 0; i < n && st == WEIR_OK; i++) st = weir__check_dtype_on(&rs, arrays[i]->dtype, op);
  for (int i = 0; i < n && st == WEIR_OK; i++) st = weir__cast(&parts[i], arrays[i], t, rs);
  if (st != WEIR_OK) {
    for (int i = 0; i < n; i++) weir_array_free(parts[i]);
    free(parts);
    return st;
  }
  st = concat_tree(out, parts, n, ax, rs);
  free(parts);
  return st;
}

weir_status weir_concatenate(weir_array **out, const weir_array *const *arrays, int n, int axis, weir_stream s) {
  if (!out) return weir__null_arg("weir_concatenate", "out");
  int ax = 0;
  int64_t total = 0;
  weir_status st = check_join(arrays, n, axis, "weir_concatenate", "concatenate", &ax, &total);
  if (st != WEIR_OK) return st;
  int64_t shape[WEIR_MAX_NDIM], size = 0;
  for (int d = 0; d < arrays[0]->ndim; d++) shape[d] = arrays[0]->shape[d];
  shape[ax] = total;
  if ((st = weir__shape_size(shape, arrays[0]->ndim, "concatenate", &size)) != WEIR_OK) return st;
  weir_stream rs;
  if ((st = weir__resolve_stream(s, &rs)) != WEIR_OK) return st;
  return concat_checked(out, arrays, n, ax, rs, "concatenate");
}

weir_status weir_stack(weir_array **out, const weir_array *const *arrays, int n, int axis, weir_stream s) {
  if (!out) return weir__null_arg("weir_stack", "out");
  if (n < 1) return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "stack: no arrays to stack (n is %d)", n);
  if (!arrays) return weir__null_arg("weir_stack", "arrays");
  for (int i = 0; i < n; i++)
    if (!arrays[i]) return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "weir_stack: arrays[%d] is NULL", i);
  const weir_array *a0 = arrays[0];
  for (int i = 1; i < n; i++)
    if (!weir__shape_equal(arrays[i]->shape, arrays[i]->ndim, a0->shape, a0->ndim)) {
      char s0[WEIR__SHAPE_STR_MAX], si[WEIR__SHAPE_STR_MAX];
      return weir__fail(WEIR_ERR_INVALID_ARGUMENT,
                        "stack: all arrays must have the same shape, got %s (arrays[0]) and %s (arrays[%d])",
                        weir__shape_str(s0, sizeof s0, a0->shape, a0->ndim),
                        weir__shape_str(si, sizeof si, arrays[i]->shape, arrays[i]->ndim), i);
    }
  int ax = 0, nd = a0->ndim + 1;
  weir_status st = weir__normalize_axis(axis, nd, "stack", &ax);
  if (st != WEIR_OK) return st;
  if (nd > WEIR_MAX_NDIM)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "stack: the result would have %d dimensions, at most %d", nd,
                      WEIR_MAX_NDIM);
  int64_t shape[WEIR_MAX_NDIM];
  for (int d = 0, k = 0; d < nd; d++) shape[d] = d == ax ? 1 : a0->shape[k++];
  int64_t size = 0;
  shape[ax] = n;
  if ((st = weir__shape_size(shape, nd, "stack", &size)) != WEIR_OK) return st;
  shape[ax] = 1;
  weir_stream rs;
  if ((st = weir__resolve_stream(s, &rs)) != WEIR_OK) return st;
  /* Each array with a new axis of length 1 (RESHAPE nodes share the buffers), then joined. */
  weir_array **views = weir__calloc((size_t)n, sizeof *views);
  if (!views) return weir__fail(WEIR_ERR_OUT_OF_MEMORY, "stack: out of memory");
  for (int i = 0; i < n && st == WEIR_OK; i++) {
    st = weir__check_dtype_on(&rs, arrays[i]->dtype, "stack");
    if (st == WEIR_OK) st = weir__reshape_node(&views[i], arrays[i], shape, nd, rs);
  }
  if (st == WEIR_OK) st = concat_checked(out, (const weir_array *const *)views, n, ax, rs, "stack");
  for (int i = 0; i < n; i++) weir_array_free(views[i]);
  free(views);
  return st;
}

#define WEIR__SPLIT_MAX_EMPTY 65536

weir_status weir_split(weir_array **outs, const weir_array *a, const int64_t *indices_or_sections, int n,
                       bool sections, int axis, weir_stream s) {
  if (!outs) return weir__null_arg("weir_split", "outs");
  if (!a) return weir__null_arg("weir_split", "a");
  if (sections && n < 1)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "split: the number of sections must be >= 1, got %d", n);
  if (!sections && (n < 0 || n == INT32_MAX))
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "split: n must be in [0, %d), got %d", INT32_MAX, n);
  if (!sections && n > 0 && !indices_or_sections) return weir__null_arg("weir_split", "indices_or_sections");
  weir_stream rs;
  weir_status st = weir__resolve_stream(s, &rs);
  if (st != WEIR_OK) return st;
  int ax = 0;
  if ((st = weir__normalize_axis(axis, a->ndim, "split", &ax)) != WEIR_OK) return st;
  int64_t len = a->shape[ax];
  if (sections && len % n != 0)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT,
                      "split: an axis of length %lld cannot be split into %d equal sections (axis %d)",
                      (long long)len, n, ax);
  /* Only an empty axis splits into more sections than its length: each is an array (a node), so a
     count of 2^31 from one int would exhaust memory building them. */
  if (sections && len == 0 && n > WEIR__SPLIT_MAX_EMPTY)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT,
                      "split: %d sections of an empty axis (axis %d) would make %d empty arrays; at most %d", n, ax,
                      n, WEIR__SPLIT_MAX_EMPTY);
  if ((st = weir__check_dtype_on(&rs, a->dtype, "split")) != WEIR_OK) return st;
  int nparts = sections ? n : n + 1;
  weir_array **parts = weir__calloc((size_t)nparts, sizeof *parts);
  if (!parts) return weir__fail(WEIR_ERR_OUT_OF_MEMORY, "split: out of memory");
  int64_t start[WEIR_MAX_NDIM], stop[WEIR_MAX_NDIM], step[WEIR_MAX_NDIM];
  for (int d = 0; d < a->ndim; d++) {
    start[d] = 0;
    stop[d] = INT64_MAX;
    step[d] = 1;
  }
  for (int i = 0; i < nparts && st == WEIR_OK; i++) {
    if (sections) {
      start[ax] = len / n * i;
      stop[ax] = len / n * (i + 1);
    } else { /* slice bounds, as numpy and MLX: a[prev:cur], negative ones from the end */
      start[ax] = i == 0 ? 0 : indices_or_sections[i - 1];
      stop[ax] = i == n ? INT64_MAX : indices_or_sections[i];
    }
    st = weir_slice(&parts[i], a, start, stop, step, rs);
  }
  if (st == WEIR_OK)
    for (int i = 0; i < nparts; i++) outs[i] = parts[i];
  else
    for (int i = 0; i < nparts; i++) weir_array_free(parts[i]);
  free(parts);
  return st;
}

weir_status weir_pad(weir_array **out, const weir_array *a, const int64_t *pad_before, const int64_t *pad_after,
                     double value, weir_stream s) {
  if (!out) return weir__null_arg("weir_pad", "out");
  if (!a) return weir__null_arg("weir_pad", "a");
  int nd = a->ndim;
  if (nd > 0 && !pad_before) return weir__null_arg("weir_pad", "pad_before");
  if (nd > 0 && !pad_after) return weir__null_arg("weir_pad", "pad_after");
  weir_stream rs;
  weir_status st = weir__resolve_stream(s, &rs);
  if (st != WEIR_OK) return st;
  int64_t shape[WEIR_MAX_NDIM], size = 0;
  for (int d = 0; d < nd; d++) {
    if (pad_before[d] < 0 || pad_after[d] < 0)
      return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "pad: padding must be >= 0, got %lld before and %lld after axis %d",
                        (long long)pad_before[d], (long long)pad_after[d], d);
    if (pad_before[d] > INT64_MAX - a->shape[d] || pad_after[d] > INT64_MAX - a->shape[d] - pad_before[d])
      return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "pad: axis %d would be too long", d);
    shape[d] = a->shape[d] + pad_before[d] + pad_after[d];
  }
  if ((st = weir__shape_size(shape, nd, "pad", &size)) != WEIR_OK) return st;
  if ((st = weir__check_dtype_on(&rs, a->dtype, "pad")) != WEIR_OK) return st;
  /* Axis by axis: [full(before), current, full(after)] joined along the axis. */
  weir_array *cur = weir_array_retain((weir_array *)a);
  for (int d = 0; d < nd && st == WEIR_OK; d++) {
    if (pad_before[d] == 0 && pad_after[d] == 0) continue;
    weir_array *parts[3] = {NULL, NULL, NULL};
    int k = 0;
    int64_t fshape[WEIR_MAX_NDIM];
    for (int j = 0; j < nd; j++) fshape[j] = cur->shape[j];
    if (pad_before[d] > 0) {
      fshape[d] = pad_before[d];
      st = weir_full(&parts[k++], fshape, nd, value, a->dtype, rs);
    }
    parts[k++] = weir_array_retain(cur);
    if (st == WEIR_OK && pad_after[d] > 0) {
      fshape[d] = pad_after[d];
      st = weir_full(&parts[k++], fshape, nd, value, a->dtype, rs);
    }
    weir_array *next = NULL;
    if (st == WEIR_OK) st = weir_concatenate(&next, (const weir_array *const *)parts, k, d, rs);
    for (int j = 0; j < k; j++) weir_array_free(parts[j]);
    if (st == WEIR_OK) {
      weir_array_free(cur);
      cur = next;
    }
  }
  if (st != WEIR_OK) {
    weir_array_free(cur);
    return st;
  }
  *out = cur;
  return WEIR_OK;
}
