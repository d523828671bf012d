/* Composite shape and creation ops: flatten, swapaxes, moveaxis, expand_dims, squeeze (reshape or
   transpose), broadcast_to (one COPY node whose input the scheduler reads with 0 strides on the
   broadcast axes, as every elementwise op's), clip, tile, repeat (reshape, broadcast, reshape),
   eye, tril, triu (arange comparisons; where) and linspace (arange and elementwise ops). No
   kernels of their own. */
#include "core/ops_composite_internal.h"

/* Normalizes an axis list against ndim into a mask: an axis out of range is WEIR_ERR_INDEX,
   a repeated one WEIR_ERR_INVALID_ARGUMENT. */
static weir_status axes_to_mask(const int *axes, int naxes, int ndim, const char *op, uint64_t *mask) {
  *mask = 0;
  if (naxes < 0) return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: naxes must be >= 0, got %d", op, naxes);
  if (naxes > 0 && !axes) return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: axes is NULL but naxes is %d", op, naxes);
  for (int i = 0; i < naxes; i++) {
    int ax = 0;
    weir_status st = weir__normalize_axis(axes[i], ndim, op, &ax);
    if (st != WEIR_OK) return st;
    if (*mask >> ax & 1) return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: axis %d is repeated", op, axes[i]);
    *mask |= (uint64_t)1 << ax;
  }
  return WEIR_OK;
}

weir_status weir_flatten(weir_array **out, const weir_array *a, int start_axis, int end_axis, weir_stream s) {
  if (!out) return weir__null_arg("weir_flatten", "out");
  if (!a) return weir__null_arg("weir_flatten", "a");
  int nd = a->ndim;
  if (nd == 0) {
    int64_t one = 1;
    return weir_reshape(out, a, &one, 1, s);
  }
  int b = start_axis < 0 ? start_axis + nd : start_axis, e = end_axis < 0 ? end_axis + nd : end_axis;
  if (b < 0) b = 0;
  if (e > nd - 1) e = nd - 1;
  if (b > e)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT,
                      "flatten: start_axis %d must not come after end_axis %d (array of dimension %d)", start_axis,
                      end_axis, nd);
  int64_t shape[WEIR_MAX_NDIM];
  int n = 0;
  for (int i = 0; i < b; i++) shape[n++] = a->shape[i];
  /* a's size bounds the product, unless a is empty: a 0 among the merged axes makes it 0, and
     without one the other dims of an empty array may multiply past int64 ((2^62, 2^62, 0)). */
  int64_t merged = 1;
  for (int i = b; i <= e; i++) merged = a->shape[i] == 0 ? 0 : merged;
  for (int i = b; i <= e && merged; i++) {
    if (merged > INT64_MAX / a->shape[i])
      return weir__fail(WEIR_ERR_INVALID_ARGUMENT,
                        "flatten: axes %d to %d of the empty array have more than 2^63 elements together", b, e);
    merged *= a->shape[i];
  }
  shape[n++] = merged;
  for (int i = e + 1; i < nd; i++) shape[n++] = a->shape[i];
  return weir_reshape(out, a, shape, n, s);
}

weir_status weir_swapaxes(weir_array **out, const weir_array *a, int axis1, int axis2, weir_stream s) {
  if (!out) return weir__null_arg("weir_swapaxes", "out");
  if (!a) return weir__null_arg("weir_swapaxes", "a");
  int x = 0, y = 0, perm[WEIR_MAX_NDIM];
  weir_status st = weir__normalize_axis(axis1, a->ndim, "swapaxes", &x);
  if (st == WEIR_OK) st = weir__normalize_axis(axis2, a->ndim, "swapaxes", &y);
  if (st != WEIR_OK) return st;
  for (int i = 0; i < a->ndim; i++) perm[i] = i;
  perm[x] = y;
  perm[y] = x;
  return weir__permute(out, a, perm, s);
}

weir_status weir_moveaxis(weir_array **out, const weir_array *a, int source, int destination, weir_stream s) {
  if (!out) return weir__null_arg("weir_moveaxis", "out");
  if (!a) return weir__null_arg("weir_moveaxis", "a");
  int src = 0, dst = 0, perm[WEIR_MAX_NDIM], n = 0;
  weir_status st = weir__normalize_axis(source, a->ndim, "moveaxis", &src);
  if (st == WEIR_OK) st = weir__normalize_axis(destination, a->ndim, "moveaxis", &dst);
  if (st != WEIR_OK) return st;
  for (int i = 0; i < a->ndim; i++) {
    if (n == dst) perm[n++] = src;
    if (i != src) perm[n++] = i;
  }
  if (n == dst) perm[n++] = src;
  return weir__permute(out, a, perm, s);
}

weir_status weir_expand_dims(weir_array **out, const weir_array *a, const int *axes, int naxes, weir_stream s) {
  if (!out) return weir__null_arg("weir_expand_dims", "out");
  if (!a) return weir__null_arg("weir_expand_dims", "a");
  if (naxes < 0) return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "expand_dims: naxes must be >= 0, got %d", naxes);
  int nd = a->ndim + naxes;
  if (nd > WEIR_MAX_NDIM)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "expand_dims: the result would have %d dimensions, more than %d",
                      nd, WEIR_MAX_NDIM);
  uint64_t mask = 0;
  weir_status st = axes_to_mask(axes, naxes, nd, "expand_dims", &mask);
  if (st != WEIR_OK) return st;
  int64_t shape[WEIR_MAX_NDIM];
  for (int i = 0, j = 0; i < nd; i++) shape[i] = mask >> i & 1 ? 1 : a->shape[j++];
  return weir_reshape(out, a, shape, nd, s);
}

weir_status weir_squeeze(weir_array **out, const weir_array *a, const int *axes, int naxes, weir_stream s) {
  if (!out) return weir__null_arg("weir_squeeze", "out");
  if (!a) return weir__null_arg("weir_squeeze", "a");
  uint64_t mask = 0;
  if (!axes && naxes == 0) {
    for (int i = 0; i < a->ndim; i++)
      if (a->shape[i] == 1) mask |= (uint64_t)1 << i;
  } else {
    weir_status st = axes_to_mask(axes, naxes, a->ndim, "squeeze", &mask);
    if (st != WEIR_OK) return st;
    for (int i = 0; i < a->ndim; i++)
      if ((mask >> i & 1) && a->shape[i] != 1)
        return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "squeeze: cannot squeeze axis %d of size %lld (not 1)", i,
                          (long long)a->shape[i]);
  }
  int64_t shape[WEIR_MAX_NDIM];
  int n = 0;
  for (int i = 0; i < a->ndim; i++)
    if (!(mask >> i & 1)) shape[n++] = a->shape[i];
  return weir_reshape(out, a, shape, n, s);
}

weir_status weir_broadcast_to(weir_array **out, const weir_array *a, const int64_t *shape, int ndim, weir_stream s) {
  if (!out) return weir__null_arg("weir_broadcast_to", "out");
  if (!a) return weir__null_arg("weir_broadcast_to", "a");
  weir_stream rs;
  weir_status st = weir__resolve_stream(s, &rs);
  if (st != WEIR_OK) return st;
  if ((st = weir__check_shape_arg(shape, ndim, "broadcast_to", NULL)) != WEIR_OK) return st;
  bool ok = ndim >= a->ndim;
  for (int i = 0; ok && i < a->ndim; i++) {
    int64_t d = a->shape[a->ndim - 1 - i];
    ok = d == 1 || d == shape[ndim - 1 - i];
  }
  if (!ok) {
    char sa[WEIR__SHAPE_STR_MAX], sb[WEIR__SHAPE_STR_MAX];
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "broadcast_to: cannot broadcast an array of shape %s to shape %s",
                      weir__shape_str(sa, sizeof sa, a->shape, a->ndim), weir__shape_str(sb, sizeof sb, shape, ndim));
  }
  if ((st = weir__check_dtype_on(&rs, a->dtype, "broadcast_to")) != WEIR_OK) return st;
  if (weir__shape_equal(a->shape, a->ndim, shape, ndim)) {
    *out = weir_array_retain((weir_array *)a);
    return WEIR_OK;
  }
  /* A COPY node of the target shape: the scheduler views its input right-aligned with 0 strides
     on the broadcast axes (backend/kernel.h), as it does for the inputs of add or multiply. */
  weir__params p = {0};
  weir_array *in = (weir_array *)a;
  return weir__node_make(out, WEIR__P_COPY, &p, &in, 1, shape, ndim, a->dtype, rs);
}

weir_status weir_clip(weir_array **out, const weir_array *a, const weir_array *a_min, const weir_array *a_max,
                      weir_stream s) {
  if (!out) return weir__null_arg("weir_clip", "out");
  if (!a) return weir__null_arg("weir_clip", "a");
  if (!a_min && !a_max)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "clip: a_min and a_max are both NULL; at most one may be");
  if (!a_max) return weir_maximum(out, a, a_min, s);
  if (!a_min) return weir_minimum(out, a, a_max, s);
  weir_array *lo = NULL;
  weir_status st = weir_maximum(&lo, a, a_min, s);
  if (st == WEIR_OK) st = weir_minimum(out, lo, a_max, s);
  weir_array_free(lo);
  return st;
}

/* reshape to `in`, broadcast to `bc`, reshape to `fin`: the core of tile and repeat. */
static weir_status expand_by_broadcast(weir_array **out, const weir_array *a, const int64_t *in, const int64_t *bc,
                                       int nbc, const int64_t *fin, int nfin, weir_stream s) {
  weir_array *t[2] = {NULL, NULL};
  weir_status st = weir_reshape(&t[0], a, in, nbc, s);
  if (st == WEIR_OK) st = weir_broadcast_to(&t[1], t[0], bc, nbc, s);
  if (st == WEIR_OK) st = weir_reshape(out, t[1], fin, nfin, s);
  weir__release_all(t, 2);
  return st;
}

weir_status weir_tile(weir_array **out, const weir_array *a, const int64_t *reps, int nreps, weir_stream s) {
  if (!out) return weir__null_arg("weir_tile", "out");
  if (!a) return weir__null_arg("weir_tile", "a");
  if (nreps < 0 || nreps > WEIR_MAX_NDIM)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "tile: nreps must be between 0 and %d, got %d", WEIR_MAX_NDIM,
                      nreps);
  if (nreps > 0 && !reps) return weir__null_arg("weir_tile", "reps");
  for (int i = 0; i < nreps; i++)
    if (reps[i] < 0)
      return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "tile: reps[%d] is %lld; reps must be non-negative", i,
                        (long long)reps[i]);
  int nd = a->ndim > nreps ? a->ndim : nreps, nbc = 0;
  int64_t in[WEIR_MAX_NDIM], bc[WEIR_MAX_NDIM], fin[WEIR_MAX_NDIM];
  for (int i = 0; i < nd; i++) {
    int ia = i - (nd - a->ndim), ir = i - (nd - nreps);
    int64_t d = ia >= 0 ? a->shape[ia] : 1, r = ir >= 0 ? reps[ir] : 1;
    if (r != 1) { /* a new axis of length r before this one */
      if (nbc == WEIR_MAX_NDIM)
        return weir__fail(WEIR_ERR_UNSUPPORTED, "tile: more than %d axes would be needed", WEIR_MAX_NDIM);
      in[nbc] = 1;
      bc[nbc++] = r;
    }
    if (nbc == WEIR_MAX_NDIM)
      return weir__fail(WEIR_ERR_UNSUPPORTED, "tile: more than %d axes would be needed", WEIR_MAX_NDIM);
    in[nbc] = d;
    bc[nbc++] = d;
    if (d != 0 && r > INT64_MAX / d)
      return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "tile: the result would have too many elements");
    fin[i] = d * r;
  }
  weir_status st = weir__check_shape_arg(fin, nd, "tile", NULL);
  if (st != WEIR_OK) return st;
  return expand_by_broadcast(out, a, in, bc, nbc, fin, nd, s);
}

weir_status weir_repeat(weir_array **out, const weir_array *a, int64_t repeats, int axis, bool flatten,
                        weir_stream s) {
  if (!out) return weir__null_arg("weir_repeat", "out");
  if (!a) return weir__null_arg("weir_repeat", "a");
  if (repeats < 0)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "repeat: repeats must be non-negative, got %lld", (long long)repeats);
  int64_t flat = a->size;
  const int64_t *shape = flatten ? &flat : a->shape;
  int nd = flatten ? 1 : a->ndim, ax = 0;
  if (!flatten) {
    weir_status st = weir__normalize_axis(axis, nd, "repeat", &ax);
    if (st != WEIR_OK) return st;
    if (nd == WEIR_MAX_NDIM)
      return weir__fail(WEIR_ERR_UNSUPPORTED, "repeat: arrays of %d dimensions are not supported", WEIR_MAX_NDIM);
  }
  int64_t in[WEIR_MAX_NDIM], bc[WEIR_MAX_NDIM], fin[WEIR_MAX_NDIM];
  for (int i = 0, j = 0; i < nd; i++) {
    in[j] = bc[j] = fin[i] = shape[i];
    j++;
    if (i == ax) { /* a new axis of length repeats after this one */
      in[j] = 1;
      bc[j++] = repeats;
      if (shape[i] != 0 && repeats > INT64_MAX / shape[i])
        return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "repeat: the result would have too many elements");
      fin[i] = shape[i] * repeats;
    }
  }
  weir_status st = weir__check_shape_arg(fin, nd, "repeat", NULL);
  if (st != WEIR_OK) return st;
  return expand_by_broadcast(out, a, in, bc, nd + 1, fin, nd, s);
}

/* col = arange(col_lo, col_lo + n) as an (n, 1) column and row = arange(row_lo, row_lo + m) as a
   (1, m) row, in int32 when every value fits (else int64): comparing them gives the masks of eye,
   tril and triu. t gets 4 arrays (col and row are t[1] and t[3]). */
static weir_status index_grid(weir_array **t, int64_t col_lo, int64_t n, int64_t row_lo, int64_t m, weir_stream s) {
  double lim = 2147483647.0, c0 = (double)col_lo, r0 = (double)row_lo;
  bool small = c0 >= -lim && c0 + (double)n <= lim && r0 >= -lim && r0 + (double)m <= lim;
  weir_dtype it = small ? WEIR_INT32 : WEIR_INT64;
  int64_t col[2] = {n, 1}, row[2] = {1, m};
  weir_status st = weir_arange(&t[0], c0, c0 + (double)n, 1, it, s);
  if (st == WEIR_OK) st = weir_reshape(&t[1], t[0], col, 2, s);
  if (st == WEIR_OK) st = weir_arange(&t[2], r0, r0 + (double)m, 1, it, s);
  if (st == WEIR_OK) st = weir_reshape(&t[3], t[2], row, 2, s);
  return st;
}

weir_status weir_eye(weir_array **out, int64_t n, int64_t m, int64_t k, weir_dtype t, weir_stream s) {
  if (!out) return weir__null_arg("weir_eye", "out");
  if (n < 0 || m < 0)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "eye: n and m must be non-negative, got n=%lld m=%lld", (long long)n,
                      (long long)m);
  weir_status st = weir__check_dtype_arg((int)t, "eye");
  if (st != WEIR_OK) return st;
  int64_t shape[2] = {n, m};
  if ((st = weir__check_shape_arg(shape, 2, "eye", NULL)) != WEIR_OK) return st;
  /* Row i holds its 1 in column i + k. */
  weir_array *g[5] = {NULL};
  st = index_grid(g, k, n, 0, m, s);
  if (st == WEIR_OK) st = weir_equal(&g[4], g[1], g[3], s);
  if (st == WEIR_OK) st = weir_astype(out, g[4], t, s);
  weir__release_all(g, 5);
  return st;
}

/* a where the last two axes' (i, j) keep j - k <= i (tril) or j - k >= i (triu), else 0; a
   select, so inf and NaN outside the triangle give exact zeros. */
static weir_status triangle(weir_array **out, const weir_array *a, int64_t k, bool lower, weir_stream s,
                            const char *fn, const char *op) {
  if (!out) return weir__null_arg(fn, "out");
  if (!a) return weir__null_arg(fn, "a");
  if (a->ndim < 2)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: a must have at least 2 dimensions, got %d", op, a->ndim);
  int64_t n = a->shape[a->ndim - 2], m = a->shape[a->ndim - 1];
  if (k > m) k = m; /* beyond these the masks no longer change */
  if (k < -n) k = -n;
  weir_array *g[7] = {NULL};
  weir_status st = index_grid(g, 0, n, -k, m, s);
  if (st == WEIR_OK) st = lower ? weir_less_equal(&g[4], g[3], g[1], s) : weir_greater_equal(&g[4], g[3], g[1], s);
  if (st == WEIR_OK) st = weir_zeros(&g[5], NULL, 0, a->dtype, s);
  if (st == WEIR_OK) st = weir_where(out, g[4], a, g[5], s);
  weir__release_all(g, 7);
  return st;
}

weir_status weir_tril(weir_array **out, const weir_array *a, int64_t k, weir_stream s) {
  return triangle(out, a, k, true, s, "weir_tril", "tril");
}

weir_status weir_triu(weir_array **out, const weir_array *a, int64_t k, weir_stream s) {
  return triangle(out, a, k, false, s, "weir_triu", "triu");
}

/* start * (1 - f) + stop * f with f = i / (num - 1) (num without the endpoint): the first value is
   start and the last stop exactly. */
weir_status weir_linspace(weir_array **out, double start, double stop, int64_t num, bool endpoint, weir_dtype t,
                          weir_stream s) {
  if (!out) return weir__null_arg("weir_linspace", "out");
  if (num < 0)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "linspace: num must be non-negative, got %lld", (long long)num);
  int64_t size; /* the count must be a valid shape; the arange below would name itself */
  weir_status st = weir__shape_size(&num, 1, "linspace", &size);
  if (st == WEIR_OK) st = weir__check_dtype_arg((int)t, "linspace");
  if (st != WEIR_OK) return st;
  weir_dtype ct = t == WEIR_FLOAT64 ? WEIR_FLOAT64 : WEIR_FLOAT32;
  weir_array *v[10] = {NULL};
  if (num <= 1) {
    st = weir_full(&v[0], &num, 1, start, ct, s);
  } else {
    int64_t one = 1;
    st = weir_arange(&v[1], 0, (double)num, 1, ct, s);
    if (st == WEIR_OK) st = weir_full(&v[2], &one, 0, (double)(endpoint ? num - 1 : num), ct, s);
    if (st == WEIR_OK) st = weir_divide(&v[3], v[1], v[2], s);           /* f */
    if (st == WEIR_OK) st = weir_full(&v[4], &one, 0, 1.0, ct, s);
    if (st == WEIR_OK) st = weir_subtract(&v[5], v[4], v[3], s);         /* 1 - f */
    if (st == WEIR_OK) st = weir_full(&v[6], &one, 0, start, ct, s);
    if (st == WEIR_OK) st = weir_multiply(&v[7], v[5], v[6], s);
    if (st == WEIR_OK) st = weir_full(&v[8], &one, 0, stop, ct, s);
    if (st == WEIR_OK) st = weir_multiply(&v[9], v[3], v[8], s);
    if (st == WEIR_OK) {
      weir_array_free(v[0]);
      st = weir_add(&v[0], v[7], v[9], s);
    }
  }
  if (st == WEIR_OK) st = weir_astype(out, v[0], t, s);
  weir__release_all(v, 10);
  return st;
}
