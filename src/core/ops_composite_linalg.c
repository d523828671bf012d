/* Composite linear algebra: outer, inner, tensordot and einsum (1 or 2 operands). Contractions
   become transpose + reshape + matmul (+ sum for indices seen by one operand only); no kernels
   of their own. */
#include <string.h>

#include "core/ops_composite_internal.h"

weir_status weir_outer(weir_array **out, const weir_array *a, const weir_array *b, weir_stream s) {
  if (!out) return weir__null_arg("weir_outer", "out");
  if (!a) return weir__null_arg("weir_outer", "a");
  if (!b) return weir__null_arg("weir_outer", "b");
  int64_t col[2] = {a->size, 1}, row = b->size;
  weir_array *t[2] = {NULL, NULL};
  weir_status st = weir_reshape(&t[0], a, col, 2, s);
  if (st == WEIR_OK) st = weir_reshape(&t[1], b, &row, 1, s);
  if (st == WEIR_OK) st = weir_multiply(out, t[0], t[1], s);
  weir__release_all(t, 2);
  return st;
}

weir_status weir_inner(weir_array **out, const weir_array *a, const weir_array *b, weir_stream s) {
  if (!out) return weir__null_arg("weir_inner", "out");
  if (!a) return weir__null_arg("weir_inner", "a");
  if (!b) return weir__null_arg("weir_inner", "b");
  if (a->ndim == 0 || b->ndim == 0) return weir_multiply(out, a, b, s);
  int64_t da = a->shape[a->ndim - 1], db = b->shape[b->ndim - 1];
  if (da != db)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "inner: a and b must have the same last dimension, got %lld and %lld",
                      (long long)da, (long long)db);
  int last = -1;
  return weir_tensordot(out, a, b, &last, &last, 1, s);
}

/* Normalizes the contracted axes of one operand (named `which`) into ax, checking range and
   repeats. */
static weir_status contracted_axes(const int *axes, int n, const weir_array *x, const char *which, int *ax) {
  uint64_t seen = 0;
  for (int i = 0; i < n; i++) {
    int v = axes[i];
    if (v < -x->ndim || v >= x->ndim)
      return weir__fail(WEIR_ERR_INDEX, "tensordot: axes_%s[%d] = %d is out of bounds for %s of dimension %d", which,
                        i, v, which, x->ndim);
    ax[i] = v < 0 ? v + x->ndim : v;
    if (seen >> ax[i] & 1)
      return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "tensordot: axis %d of %s is contracted twice", v, which);
    seen |= (uint64_t)1 << ax[i];
  }
  return WEIR_OK;
}

/* *p *= v, unless that overflows: then true and *p unchanged (dims are >= 0). */
static bool mul_overflows(int64_t *p, int64_t v) {
  if (v != 0 && *p > INT64_MAX / v) return true;
  *p *= v;
  return false;
}

/* Contraction of normalized axes: (free a, contracted) @ (contracted, free b) as one matmul. */
static weir_status contract(weir_array **out, const weir_array *a, const weir_array *b, const int *xa, const int *xb,
                            int n, weir_stream s) {
  int pa[WEIR_MAX_NDIM], pb[WEIR_MAX_NDIM], na = 0, nb = 0, nout = 0;
  int64_t fa = 1, fb = 1, k = 1, oshape[2 * WEIR_MAX_NDIM];
  uint64_t ma = 0, mb = 0;
  bool big = false; /* an empty operand's other dims may multiply past int64 */
  for (int i = 0; i < n; i++) {
    ma |= (uint64_t)1 << xa[i];
    mb |= (uint64_t)1 << xb[i];
    big |= mul_overflows(&k, a->shape[xa[i]]);
  }
  for (int i = 0; i < a->ndim; i++)
    if (!(ma >> i & 1)) {
      pa[na++] = i;
      big |= mul_overflows(&fa, a->shape[i]);
      oshape[nout++] = a->shape[i];
    }
  for (int i = 0; i < n; i++) pb[nb++] = xb[i];
  for (int i = 0; i < b->ndim; i++)
    if (!(mb >> i & 1)) {
      pb[nb++] = i;
      big |= mul_overflows(&fb, b->shape[i]);
      oshape[nout++] = b->shape[i];
    }
  if (big)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT,
                      "tensordot: the free or contracted axes of an empty operand have more than 2^63 elements "
                      "together");
  for (int i = 0; i < n; i++) pa[na++] = xa[i];
  if (nout > WEIR_MAX_NDIM)
    return weir__fail(WEIR_ERR_UNSUPPORTED, "tensordot: the result would have %d dimensions, more than %d", nout,
                      WEIR_MAX_NDIM);
  int64_t sa[2] = {fa, k}, sb[2] = {k, fb};
  weir_array *t[5] = {NULL};
  weir_status st = weir__permute(&t[0], a, pa, s);
  if (st == WEIR_OK) st = weir_reshape(&t[1], t[0], sa, 2, s);
  if (st == WEIR_OK) st = weir__permute(&t[2], b, pb, s);
  if (st == WEIR_OK) st = weir_reshape(&t[3], t[2], sb, 2, s);
  if (st == WEIR_OK) st = weir_matmul(&t[4], t[1], t[3], s);
  if (st == WEIR_OK) st = weir_reshape(out, t[4], oshape, nout, s);
  weir__release_all(t, 5);
  return st;
}

weir_status weir_tensordot(weir_array **out, const weir_array *a, const weir_array *b, const int *axes_a,
                           const int *axes_b, int n, weir_stream s) {
  if (!out) return weir__null_arg("weir_tensordot", "out");
  if (!a) return weir__null_arg("weir_tensordot", "a");
  if (!b) return weir__null_arg("weir_tensordot", "b");
  int xa[WEIR_MAX_NDIM], xb[WEIR_MAX_NDIM];
  weir_status st;
  if (!axes_a && !axes_b) { /* the int form */
    if (n < 0) return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "tensordot: axes must be non-negative, got %d", n);
    if (n > a->ndim || n > b->ndim)
      return weir__fail(WEIR_ERR_INVALID_ARGUMENT,
                        "tensordot: cannot contract %d axes of a (dimension %d) with b (dimension %d)", n, a->ndim,
                        b->ndim);
    for (int i = 0; i < n; i++) {
      xa[i] = a->ndim - n + i;
      xb[i] = i;
    }
  } else {
    if (n < 0 || n > WEIR_MAX_NDIM)
      return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "tensordot: n must be between 0 and %d, got %d", WEIR_MAX_NDIM, n);
    if (n > 0 && !axes_a) return weir__null_arg("weir_tensordot", "axes_a");
    if (n > 0 && !axes_b) return weir__null_arg("weir_tensordot", "axes_b");
    if ((st = contracted_axes(axes_a, n, a, "a", xa)) != WEIR_OK) return st;
    if ((st = contracted_axes(axes_b, n, b, "b", xb)) != WEIR_OK) return st;
  }
  for (int i = 0; i < n; i++)
    if (a->shape[xa[i]] != b->shape[xb[i]])
      return weir__fail(WEIR_ERR_INVALID_ARGUMENT,
                        "tensordot: axis %d of a (size %lld) and axis %d of b (size %lld) must have the same size",
                        xa[i], (long long)a->shape[xa[i]], xb[i], (long long)b->shape[xb[i]]);
  return contract(out, a, b, xa, xb, n, s);
}

/* ---- einsum ---- */

typedef struct {
  char term[2][WEIR_MAX_NDIM + 1]; /* each operand's indices, NUL-terminated */
  char outl[2 * WEIR_MAX_NDIM + 1]; /* the result's indices */
  int64_t size[128];                /* each letter's size (-1: unused) */
} einsum_spec;

static bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* Appends the letters of [p, end) to dst (capacity cap letters). Whitespace is skipped. */
static weir_status read_letters(const char *p, const char *end, char *dst, int cap, const char *sub) {
  int n = 0;
  for (; p < end; p++) {
    if (*p == ' ' || *p == '\t' || *p == '\n') continue;
    if (!is_letter(*p))
      return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "einsum: subscripts must be letters, got '%c' in '%s'", *p, sub);
    if (n == cap)
      return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "einsum: too many indices in one term of '%s' (at most %d)", sub,
                        cap);
    dst[n++] = *p;
  }
  dst[n] = '\0';
  return WEIR_OK;
}

static weir_status einsum_parse(const char *sub, const weir_array *const *ops, int nops, einsum_spec *sp) {
  if (strchr(sub, '.'))
    return weir__fail(WEIR_ERR_UNSUPPORTED, "einsum: ellipsis ('...') is not supported, in '%s'", sub);
  const char *arrow = strstr(sub, "->"), *lhs_end = arrow ? arrow : sub + strlen(sub);
  int nterms = 1;
  for (const char *p = sub; p < lhs_end; p++) nterms += *p == ',';
  if (nterms != nops)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "einsum: '%s' names %d operand%s but %d %s given", sub, nterms,
                      nterms == 1 ? "" : "s", nops, nops == 1 ? "was" : "were");
  if (nops > 2)
    return weir__fail(WEIR_ERR_UNSUPPORTED, "einsum: only 1 or 2 operands are supported, got %d in '%s'", nops, sub);
  const char *p = sub;
  int count[128] = {0};
  for (int i = 0; i < nops; i++) {
    const char *e = i + 1 < nops ? strchr(p, ',') : lhs_end;
    weir_status st = read_letters(p, e, sp->term[i], WEIR_MAX_NDIM, sub);
    if (st != WEIR_OK) return st;
    p = e + 1;
    int len = (int)strlen(sp->term[i]);
    if (len != ops[i]->ndim)
      return weir__fail(WEIR_ERR_INVALID_ARGUMENT,
                        "einsum: operand %d has %d dimension%s but its subscripts '%s' name %d, in '%s'", i,
                        ops[i]->ndim, ops[i]->ndim == 1 ? "" : "s", sp->term[i], len, sub);
    for (int j = 0; j < len; j++) {
      char c = sp->term[i][j];
      if (strchr(sp->term[i] + j + 1, c))
        return weir__fail(WEIR_ERR_UNSUPPORTED,
                          "einsum: index '%c' repeated within operand %d (a diagonal) is not supported, in '%s'", c, i,
                          sub);
      count[(int)c]++;
    }
  }
  if (arrow) {
    weir_status st = read_letters(arrow + 2, arrow + strlen(arrow), sp->outl, 2 * WEIR_MAX_NDIM, sub);
    if (st != WEIR_OK) return st;
    for (int j = 0; sp->outl[j]; j++) {
      char c = sp->outl[j];
      if (strchr(sp->outl + j + 1, c))
        return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "einsum: index '%c' is repeated in the output of '%s'", c, sub);
      if (!count[(int)c])
        return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "einsum: output index '%c' appears in no input of '%s'", c, sub);
    }
  } else { /* implicit: the indices seen exactly once, in alphabetical (ASCII) order */
    int n = 0;
    for (int c = 0; c < 128; c++)
      if (count[c] == 1) sp->outl[n++] = (char)c;
    sp->outl[n] = '\0';
  }
  if (strlen(sp->outl) > WEIR_MAX_NDIM)
    return weir__fail(WEIR_ERR_UNSUPPORTED, "einsum: the result of '%s' would have more than %d dimensions", sub,
                      WEIR_MAX_NDIM);
  for (int c = 0; c < 128; c++) sp->size[c] = -1;
  for (int i = 0; i < nops; i++)
    for (int j = 0; sp->term[i][j]; j++) {
      int c = sp->term[i][j];
      int64_t d = ops[i]->shape[j];
      if (sp->size[c] < 0 || sp->size[c] == 1) sp->size[c] = d;
      else if (d != 1 && d != sp->size[c])
        return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "einsum: index '%c' has sizes %lld and %lld in '%s'", c,
                          (long long)sp->size[c], (long long)d, sub);
    }
  return WEIR_OK;
}

/* Sums operand i over its indices that neither the other operand nor the output has, then
   broadcasts its size-1 dims to their indices' sizes. term is updated to the remaining indices. */
static weir_status einsum_prepare(weir_array **out, const weir_array *x, char *term, const char *other,
                                  const char *outl, const int64_t *size, weir_stream s) {
  int axes[WEIR_MAX_NDIM], n = 0, kept = 0;
  int64_t shape[WEIR_MAX_NDIM];
  for (int j = 0; term[j]; j++) {
    if (!strchr(outl, term[j]) && !strchr(other, term[j])) {
      axes[n++] = j;
    } else {
      shape[kept] = size[(int)term[j]];
      term[kept++] = term[j];
    }
  }
  term[kept] = '\0';
  weir_array *summed = NULL;
  weir_status st;
  if (n > 0) st = weir_sum(&summed, x, axes, n, false, s);
  else summed = weir_array_retain((weir_array *)x), st = WEIR_OK;
  if (st == WEIR_OK) st = weir_broadcast_to(out, summed, shape, kept, s);
  weir_array_free(summed);
  return st;
}

static int index_of(const char *str, char c) { return (int)(strchr(str, c) - str); }

/* Two prepared operands: batch (in both and the output), contracted (in both only), free
   (in one only, hence in the output). */
static weir_status einsum_pair(weir_array **out, weir_array *const *x, const einsum_spec *sp, weir_stream s) {
  const char *ta = sp->term[0], *tb = sp->term[1];
  char batch[WEIR_MAX_NDIM + 1], con[WEIR_MAX_NDIM + 1], fa[WEIR_MAX_NDIM + 1], fb[WEIR_MAX_NDIM + 1];
  char mid[2 * WEIR_MAX_NDIM + 1];
  int nbt = 0, nc = 0, nfa = 0, nfb = 0;
  for (int j = 0; sp->outl[j]; j++)
    if (strchr(ta, sp->outl[j]) && strchr(tb, sp->outl[j])) batch[nbt++] = sp->outl[j];
  for (int j = 0; ta[j]; j++) {
    if (!strchr(tb, ta[j])) fa[nfa++] = ta[j];
    else if (!strchr(sp->outl, ta[j])) con[nc++] = ta[j];
  }
  for (int j = 0; tb[j]; j++)
    if (!strchr(ta, tb[j])) fb[nfb++] = tb[j];
  batch[nbt] = con[nc] = fa[nfa] = fb[nfb] = '\0';

  int pa[WEIR_MAX_NDIM], pb[WEIR_MAX_NDIM], na = 0, nb = 0, nm = 0;
  int64_t bt = 1, k = 1, m = 1, n = 1, mshape[2 * WEIR_MAX_NDIM];
  for (int j = 0; j < nbt; j++) {
    pa[na++] = index_of(ta, batch[j]);
    pb[nb++] = index_of(tb, batch[j]);
    bt *= sp->size[(int)batch[j]];
    mshape[nm] = sp->size[(int)batch[j]];
    mid[nm++] = batch[j];
  }
  for (int j = 0; j < nfa; j++) {
    pa[na++] = index_of(ta, fa[j]);
    m *= sp->size[(int)fa[j]];
    mshape[nm] = sp->size[(int)fa[j]];
    mid[nm++] = fa[j];
  }
  for (int j = 0; j < nc; j++) {
    pa[na++] = index_of(ta, con[j]);
    pb[nb++] = index_of(tb, con[j]);
    k *= sp->size[(int)con[j]];
  }
  for (int j = 0; j < nfb; j++) {
    pb[nb++] = index_of(tb, fb[j]);
    n *= sp->size[(int)fb[j]];
    mshape[nm] = sp->size[(int)fb[j]];
    mid[nm++] = fb[j];
  }
  mid[nm] = '\0';
  /* Without batch indices the product is 2-D. */
  int r = nbt > 0 ? 3 : 2;
  int64_t sa[3] = {bt, m, k}, sb[3] = {bt, k, n};
  int operm[2 * WEIR_MAX_NDIM];
  for (int j = 0; j < nm; j++) operm[j] = index_of(mid, sp->outl[j]);

  weir_array *t[6] = {NULL};
  weir_status st = weir__permute(&t[0], x[0], pa, s);
  if (st == WEIR_OK) st = weir_reshape(&t[1], t[0], sa + 3 - r, r, s);
  if (st == WEIR_OK) st = weir__permute(&t[2], x[1], pb, s);
  if (st == WEIR_OK) st = weir_reshape(&t[3], t[2], sb + 3 - r, r, s);
  if (st == WEIR_OK) st = weir_matmul(&t[4], t[1], t[3], s);
  if (st == WEIR_OK) st = weir_reshape(&t[5], t[4], mshape, nm, s);
  if (st == WEIR_OK) st = weir__permute(out, t[5], operm, s);
  weir__release_all(t, 6);
  return st;
}

weir_status weir_einsum(weir_array **out, const char *subscripts, const weir_array *const *operands, int noperands,
                        weir_stream s) {
  if (!out) return weir__null_arg("weir_einsum", "out");
  if (!subscripts) return weir__null_arg("weir_einsum", "subscripts");
  if (noperands < 1)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "einsum: needs at least one operand, got %d (subscripts '%s')",
                      noperands, subscripts);
  if (!operands) return weir__null_arg("weir_einsum", "operands");
  for (int i = 0; i < noperands; i++)
    if (!operands[i])
      return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "weir_einsum: operands[%d] is NULL", i);
  einsum_spec sp;
  weir_status st = einsum_parse(subscripts, operands, noperands, &sp);
  if (st != WEIR_OK) return st;
  weir_array *x[2] = {NULL, NULL};
  if (noperands == 1) {
    st = einsum_prepare(&x[0], operands[0], sp.term[0], "", sp.outl, sp.size, s);
    int perm[WEIR_MAX_NDIM];
    for (int j = 0; sp.outl[j]; j++) perm[j] = index_of(sp.term[0], sp.outl[j]);
    if (st == WEIR_OK) st = weir__permute(out, x[0], perm, s);
  } else {
    st = einsum_prepare(&x[0], operands[0], sp.term[0], sp.term[1], sp.outl, sp.size, s);
    if (st == WEIR_OK) st = einsum_prepare(&x[1], operands[1], sp.term[1], sp.term[0], sp.outl, sp.size, s);
    if (st == WEIR_OK) st = einsum_pair(out, x, &sp, s);
  }
  weir__release_all(x, 2);
  return st;
}
