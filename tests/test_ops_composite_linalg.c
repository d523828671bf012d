/* The composite linear algebra ops (outer, inner, tensordot, einsum) against a float64 einsum
   reference computed here on fresh random inputs, transposed (non-contiguous) operands, size-1
   broadcasting, 0-d and size-0 operands, and every error path. Runs on the CPU, then on each GPU
   when there is one. */
#include "composite_check.h"

/* Reference einsum in float64 for the explicit form "a,b->c"; operand dims of size 1 broadcast. */
static int64_t ref_einsum(const char *sub, const weir_array *const *ops, const double *const *vals, int nops,
                          double *ref) {
  char terms[3][16] = {{0}};
  int t = 0, len = 0;
  const char *p = sub;
  for (; *p && !(p[0] == '-' && p[1] == '>'); p++) {
    if (*p == ',') terms[t++][len] = 0, len = 0;
    else terms[t][len++] = *p;
  }
  terms[t][len] = 0;
  strcpy(terms[2], p + 2);
  int64_t size[128] = {0};
  char letters[32];
  int nl = 0;
  for (int i = 0; i < nops; i++)
    for (int j = 0; terms[i][j]; j++) {
      int c = terms[i][j];
      if (!size[c]) letters[nl++] = (char)c;
      if (weir_array_shape(ops[i])[j] > size[c]) size[c] = weir_array_shape(ops[i])[j];
    }
  int64_t nout = 1, total = 1, idx[128] = {0};
  for (int j = 0; terms[2][j]; j++) nout *= size[(int)terms[2][j]];
  for (int j = 0; j < nl; j++) total *= size[(int)letters[j]];
  for (int64_t o = 0; o < nout; o++) ref[o] = 0;
  for (int64_t it = 0; it < total; it++) {
    int64_t rem = it;
    for (int j = nl - 1; j >= 0; j--) idx[(int)letters[j]] = rem % size[(int)letters[j]], rem /= size[(int)letters[j]];
    double prod = 1;
    for (int i = 0; i < nops; i++) {
      int64_t off = 0;
      for (int j = 0; terms[i][j]; j++) {
        int64_t d = weir_array_shape(ops[i])[j];
        off = off * d + (d == 1 ? 0 : idx[(int)terms[i][j]]);
      }
      prod *= vals[i][off];
    }
    int64_t o = 0;
    for (int j = 0; terms[2][j]; j++) o = o * size[(int)terms[2][j]] + idx[(int)terms[2][j]];
    ref[o] += prod;
  }
  return nout;
}

typedef struct {
  const char *sub, *explicit_form; /* explicit_form: the same contraction with "->" (for the reference) */
  int nops, nd[2];
  int64_t s[2][4];
  bool strided;
} ein_case;

static void test_einsum(void) {
  static const ein_case cases[] = {
      {"ij,jk->ik", "ij,jk->ik", 2, {2, 2}, {{3, 4}, {4, 5}}, false},
      {"ij,jk", "ij,jk->ik", 2, {2, 2}, {{3, 4}, {4, 5}}, true},
      {"bij,bjk->bik", "bij,bjk->bik", 2, {3, 3}, {{2, 3, 4}, {2, 4, 5}}, false},
      {"i,i->", "i,i->", 2, {1, 1}, {{6}, {6}}, false},
      {"ij->ji", "ij->ji", 1, {2}, {{3, 4}}, true},
      {"ji", "ji->ij", 1, {2}, {{3, 4}}, false},
      {"ij->", "ij->", 1, {2}, {{3, 4}}, false},
      {" i j -> i ", "ij->i", 1, {2}, {{3, 4}}, false},
      {"ij,kj->ik", "ij,kj->ik", 2, {2, 2}, {{3, 4}, {5, 4}}, true},
      {"ij,jk->i", "ij,jk->i", 2, {2, 2}, {{3, 4}, {4, 5}}, false},
      {"i,j->ij", "i,j->ij", 2, {1, 1}, {{3}, {4}}, false},
      {"bi,bi->b", "bi,bi->b", 2, {2, 2}, {{3, 4}, {3, 4}}, false},
      {"ij,ij->ji", "ij,ij->ji", 2, {2, 2}, {{3, 4}, {1, 4}}, false},
      {"ij,jk->ik", "ij,jk->ik", 2, {2, 2}, {{3, 1}, {4, 5}}, false},
      {",->", ",->", 2, {0, 0}, {{0}, {0}}, false},
      {"Ab,bC->CA", "Ab,bC->CA", 2, {2, 2}, {{2, 3}, {3, 4}}, false},
      {"abc,cad->bd", "abc,cad->bd", 2, {3, 3}, {{2, 3, 4}, {4, 2, 5}}, true},
      {"ij,jk->ik", "ij,jk->ik", 2, {2, 2}, {{3, 0}, {0, 5}}, false},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const ein_case *e = &cases[c];
    weir_array *ops[2] = {NULL, NULL}, *o = NULL;
    double *vals[2] = {NULL, NULL}, ref[256];
    for (int i = 0; i < e->nops; i++) {
      vals[i] = alloc_d(numel(e->s[i], e->nd[i]));
      ops[i] = rand_in(WEIR_FLOAT32, e->s[i], e->nd[i], -2, 2, vals[i], e->strided);
    }
    if (CHECK_MSG(weir_einsum(&o, e->sub, (const weir_array *const *)ops, e->nops, g_s) == WEIR_OK, "einsum '%s': %s",
                  e->sub, weir_last_error())) {
      int64_t n = ref_einsum(e->explicit_form, (const weir_array *const *)ops, (const double *const *)vals, e->nops,
                             ref);
      char what[64];
      snprintf(what, sizeof what, "einsum '%s'", e->sub);
      expect_vals(o, ref, n, 1e-5, 1e-5, what);
    }
    weir_array_free(o);
    for (int i = 0; i < e->nops; i++) weir_array_free(ops[i]), free(vals[i]);
  }
  /* errors */
  int64_t s2[2] = {2, 2}, s3[2] = {3, 4};
  weir_array *x = NULL, *y = NULL, *o = NULL;
  CHECK_OK(weir_ones(&x, s2, 2, WEIR_FLOAT32, g_s));
  CHECK_OK(weir_ones(&y, s3, 2, WEIR_FLOAT32, g_s));
  const weir_array *xx[3] = {x, x, x}, *xy[2] = {x, y};
  struct { const char *sub; const weir_array *const *ops; int n; weir_status st; const char *msg; } errs[] = {
      {"...ij,jk->ik", xx, 2, WEIR_ERR_UNSUPPORTED, "ellipsis"},
      {"ij,jk,kl->il", xx, 3, WEIR_ERR_UNSUPPORTED, "ij,jk,kl->il"},
      {"ii->i", xx, 1, WEIR_ERR_UNSUPPORTED, "'ii->i'"},
      {"ij,jj->i", xx, 2, WEIR_ERR_UNSUPPORTED, "repeated"},
      {"ij,jk", xx, 1, WEIR_ERR_INVALID_ARGUMENT, "operand"},
      {"i1,jk", xx, 2, WEIR_ERR_INVALID_ARGUMENT, "'1'"},
      {"ij->ji->", xx, 1, WEIR_ERR_INVALID_ARGUMENT, "letters"},
      {"ijk->i", xx, 1, WEIR_ERR_INVALID_ARGUMENT, "'ijk'"},
      {"ij,jk->il", xx, 2, WEIR_ERR_INVALID_ARGUMENT, "'l'"},
      {"ij,jk->ii", xx, 2, WEIR_ERR_INVALID_ARGUMENT, "repeated in the output"},
      {"ij,jk->ik", xy, 2, WEIR_ERR_INVALID_ARGUMENT, "sizes 2 and 3"},
  };
  for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++) {
    CHECK_MSG(weir_einsum(&o, errs[i].sub, errs[i].ops, errs[i].n, g_s) == errs[i].st, "einsum '%s' should fail: %s",
              errs[i].sub, weir_last_error());
    CHECK_ERR_MENTIONS(errs[i].msg);
  }
  CHECK_STATUS(weir_einsum(&o, NULL, xx, 1, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_einsum(&o, "ij", NULL, 1, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_einsum(&o, "ij", xx, 0, g_s), WEIR_ERR_INVALID_ARGUMENT);
  const weir_array *nul[2] = {x, NULL};
  CHECK_STATUS(weir_einsum(&o, "ij,jk", nul, 2, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("operands[1]");
  CHECK_STATUS(weir_einsum(NULL, "ij", xx, 1, g_s), WEIR_ERR_INVALID_ARGUMENT);
  weir_array_free(x);
  weir_array_free(y);
}

static void test_tensordot_inner_outer(void) {
  int64_t sa[3] = {2, 3, 4}, sb[3] = {3, 4, 5}, sc[3] = {4, 3, 5}, sd[2] = {5, 4};
  double va[24], vb[60], vc[60], vd[20], ref[2048];
  weir_array *a = rand_in(WEIR_FLOAT32, sa, 3, -2, 2, va, true), *b = rand_in(WEIR_FLOAT32, sb, 3, -2, 2, vb, false);
  weir_array *c = rand_in(WEIR_FLOAT32, sc, 3, -2, 2, vc, true), *d = rand_in(WEIR_FLOAT32, sd, 2, -2, 2, vd, false);
  weir_array *o = NULL;
  const weir_array *ab[2] = {a, b}, *ac[2] = {a, c}, *ad[2] = {a, d};
  const double *vab[2] = {va, vb}, *vac[2] = {va, vc}, *vad[2] = {va, vd};
  struct { const weir_array *x, *y; const int *xa, *xb; int n; const char *eq; const weir_array *const *ops;
           const double *const *vals; } tc[] = {
      {a, b, NULL, NULL, 2, "ijk,jkl->il", ab, vab},
      {a, b, NULL, NULL, 0, "ijk,lmn->ijklmn", ab, vab},
      {a, c, (const int[]){1, 2}, (const int[]){1, 0}, 2, "ijk,kjl->il", ac, vac},
      {a, c, (const int[]){-2, -1}, (const int[]){-2, 0}, 2, "ijk,kjl->il", ac, vac},
      {a, d, (const int[]){2}, (const int[]){1}, 1, "ijk,lk->ijl", ad, vad},
  };
  for (size_t i = 0; i < sizeof tc / sizeof tc[0]; i++) {
    if (!CHECK_MSG(weir_tensordot(&o, tc[i].x, tc[i].y, tc[i].xa, tc[i].xb, tc[i].n, g_s) == WEIR_OK,
                   "tensordot case %zu: %s", i, weir_last_error()))
      continue;
    int64_t n = ref_einsum(tc[i].eq, tc[i].ops, tc[i].vals, 2, ref);
    expect_vals(o, ref, n, 1e-5, 1e-5, tc[i].eq);
    weir_array_free(o);
  }
  CHECK_STATUS(weir_tensordot(&o, a, b, NULL, NULL, 1, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("same size");
  CHECK_STATUS(weir_tensordot(&o, a, b, NULL, NULL, 4, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_tensordot(&o, a, b, NULL, NULL, -1, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_tensordot(&o, a, b, (const int[]){3}, (const int[]){0}, 1, g_s), WEIR_ERR_INDEX);
  CHECK_ERR_MENTIONS("axes_a[0]");
  CHECK_STATUS(weir_tensordot(&o, a, b, (const int[]){1, 1}, (const int[]){0, 0}, 2, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("twice");
  CHECK_STATUS(weir_tensordot(&o, a, b, NULL, (const int[]){0}, 1, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_tensordot(&o, a, NULL, NULL, NULL, 1, g_s), WEIR_ERR_INVALID_ARGUMENT);
  /* inner: last axes; with a 0-d operand, a product */
  if (CHECK_OK(weir_inner(&o, a, d, g_s))) {
    int64_t n = ref_einsum("ijk,lk->ijl", ad, vad, 2, ref);
    expect_vals(o, ref, n, 1e-5, 1e-5, "inner");
  }
  weir_array_free(o);
  CHECK_STATUS(weir_inner(&o, a, b, g_s), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("last dimension");
  weir_array *sc2 = NULL;
  CHECK_OK(weir_array_from_scalar(&sc2, 2, WEIR_FLOAT32));
  if (CHECK_OK(weir_inner(&o, sc2, d, g_s))) {
    for (int i = 0; i < 20; i++) ref[i] = 2 * vd[i];
    expect_vals(o, ref, 20, 0, 0, "inner 0-d");
  }
  weir_array_free(o);
  weir_array_free(sc2);
  /* outer of the flattened operands, integer dtypes too */
  int64_t s3 = 3;
  double vi[3] = {1, -2, 3};
  weir_array *iv = h_make(WEIR_INT32, &s3, 1, vi);
  if (CHECK_OK(weir_outer(&o, iv, d, g_s))) {
    CHECK_SHAPE(o, 3, 20);
    CHECK(weir_array_dtype(o) == WEIR_FLOAT32);
    for (int i = 0; i < 60; i++) ref[i] = h_round_f32(vi[i / 20] * vd[i % 20]);
    expect_vals(o, ref, 60, 0, 0, "outer");
  }
  weir_array_free(o);
  if (CHECK_OK(weir_outer(&o, iv, iv, g_s))) CHECK(weir_array_dtype(o) == WEIR_INT32);
  weir_array_free(o);
  CHECK_STATUS(weir_outer(&o, iv, NULL, g_s), WEIR_ERR_INVALID_ARGUMENT);
  weir_array_free(iv);
  weir_array_free(a);
  weir_array_free(b);
  weir_array_free(c);
  weir_array_free(d);
}

static void run_all(void) {
  H_RUN(test_einsum);
  H_RUN(test_tensordot_inner_outer);
}

int main(void) { return composite_main("test_ops_composite_linalg", run_all); }
