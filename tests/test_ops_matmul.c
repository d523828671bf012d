/* matmul against a float64 loop reference on fresh random inputs: 2-D of many sizes, batched
   with broadcast batch dims, 1-D operands (numpy rules), transposed operands, K = 0, mixed
   dtypes; float32/float64 (accumulation-error bound) and float16/bfloat16 (1 ulp of the format
   plus float32 accumulation); shape and dtype errors; the TF32 switch (getter, setter, WEIR_ALLOW_TF32,
   read when a node is built). */
#include "harness.h"

#include <strings.h>
#include <sys/wait.h>

#include "core/node.h" /* to see what a matmul node recorded */

#define CPU WEIR_CPU_DEVICE

typedef struct {
  int na, nb;
  int64_t a[5], b[5];
} mcase;

/* numpy matmul output shape; returns ndim, or -1 when incompatible. */
static int out_shape(const mcase *c, int64_t *o, int64_t *M, int64_t *K, int64_t *N) {
  int64_t a2[6], b2[6];
  int na = c->na, nb = c->nb;
  if (na == 1) a2[0] = 1, a2[1] = c->a[0], na = 2;
  else memcpy(a2, c->a, sizeof(int64_t) * (size_t)na);
  if (nb == 1) b2[0] = c->b[0], b2[1] = 1, nb = 2;
  else memcpy(b2, c->b, sizeof(int64_t) * (size_t)nb);
  *M = a2[na - 2], *K = a2[na - 1], *N = b2[nb - 1];
  if (b2[nb - 2] != *K) return -1;
  int nbatch = (na > nb ? na : nb) - 2, nd = 0;
  for (int i = 0; i < nbatch; i++) {
    int ia = i - (nbatch - (na - 2)), ib = i - (nbatch - (nb - 2));
    int64_t da = ia >= 0 ? a2[ia] : 1, db = ib >= 0 ? b2[ib] : 1;
    o[nd++] = da == 1 ? db : da;
  }
  if (c->na > 1) o[nd++] = *M;
  if (c->nb > 1) o[nd++] = *N;
  return nd;
}

/* Offset of matrix `batch` (flat over the output batch dims) in an operand with batch dims
   bd[0..nbd) right-aligned against the output's obd[0..nob). */
static int64_t batch_offset(int64_t batch, const int64_t *obd, int nob, const int64_t *bd, int nbd, int64_t mat) {
  int64_t off = 0, stride = mat;
  for (int d = nob - 1; d >= 0; d--) {
    int64_t c = batch % obd[d];
    batch /= obd[d];
    int k = d - (nob - nbd);
    if (k >= 0) {
      if (bd[k] != 1) off += c * stride;
      stride *= bd[k];
    }
  }
  return off;
}

static void check_matmul(const mcase *c, weir_dtype ta, weir_dtype tb, bool transpose_b) {
  int64_t o[6], M, K, N;
  int nd = out_shape(c, o, &M, &K, &N);
  if (!CHECK_MSG(nd >= 0, "bad test case")) return;
  int64_t na = 1, nb = 1;
  for (int i = 0; i < c->na; i++) na *= c->a[i];
  for (int i = 0; i < c->nb; i++) nb *= c->b[i];
  double *va = malloc(sizeof(double) * (size_t)(na + 1)), *vb = malloc(sizeof(double) * (size_t)(nb + 1));
  weir_array *a = h_rand_array(ta, c->a, c->na, -1, 1, va), *b = NULL, *out = NULL, *bt = NULL;
  if (transpose_b && c->nb == 2) {
    /* build b^T (N, K) and transpose it back: the op sees a strided operand */
    int64_t ts[2] = {c->b[1], c->b[0]};
    double *vt = malloc(sizeof(double) * (size_t)(nb + 1));
    h_rand_vals(vt, nb, tb, -1, 1);
    for (int64_t i = 0; i < c->b[0]; i++)
      for (int64_t j = 0; j < c->b[1]; j++) vb[i * c->b[1] + j] = vt[j * c->b[0] + i];
    bt = h_make(tb, ts, 2, vt);
    CHECK_OK(weir_transpose(&b, bt, NULL, 0, weir_on(CPU)));
    free(vt);
  } else {
    b = h_rand_array(tb, c->b, c->nb, -1, 1, vb);
  }
  weir_dtype want = weir_dtype_promote(ta, tb);
  if (!a || !b || !CHECK_OK(weir_matmul(&out, a, b, weir_on(CPU)))) goto done;
  CHECK_MSG(h_shape_is(out, nd, o), "matmul %s: wrong output shape (ndim %d, want %d)", weir_dtype_name(ta),
            weir_array_ndim(out), nd);
  CHECK_EQ_INT(weir_array_dtype(out), want);
  int64_t nout = weir_array_size(out), nbatch = (M * N != 0) ? nout / (M * N) : 0;
  double *got = malloc(sizeof(double) * (size_t)(nout + 1));
  int bad = 0;
  if (CHECK_OK(h_read(out, got))) {
    int nob = (c->na > c->nb ? c->na : c->nb) - 2;
    if (nob < 0) nob = 0;
    int64_t obd[5];
    for (int i = 0; i < nob; i++) obd[i] = o[i];
    for (int64_t bi = 0; bi < nbatch; bi++) {
      int64_t oa = batch_offset(bi, obd, nob, c->a, c->na > 2 ? c->na - 2 : 0, M * K);
      int64_t ob = batch_offset(bi, obd, nob, c->b, c->nb > 2 ? c->nb - 2 : 0, K * N);
      for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++) {
          double ref = 0, absum = 0;
          for (int64_t k = 0; k < K; k++) {
            double x = h_round_to(want, va[oa + i * K + k]), y = h_round_to(want, vb[ob + k * N + j]);
            ref += x * y;
            absum += fabs(x * y);
          }
          double r = h_round_to(want, ref);
          double eps = want == WEIR_FLOAT64 ? 0x1p-52 : 0x1p-23;
          double tol = (double)(K + 2) * eps * absum + (want == WEIR_FLOAT64 || want == WEIR_FLOAT32 ? 0 : h_ulp(want, r));
          double g = got[bi * M * N + i * N + j];
          if (!(fabs(g - r) <= tol) && bad++ < 3)
            CHECK_MSG(false, "matmul %s@%s (%lld,%lld,%lld) batch %lld [%lld,%lld] = %.9g, want %.9g (tol %.2g)",
                      weir_dtype_name(ta), weir_dtype_name(tb), (long long)M, (long long)K, (long long)N,
                      (long long)bi, (long long)i, (long long)j, g, r, tol);
        }
    }
    CHECK_MSG(bad == 0, "matmul %s: %d wrong", weir_dtype_name(ta), bad);
  }
  free(got);
done:
  weir_array_free(a);
  weir_array_free(b);
  weir_array_free(bt);
  weir_array_free(out);
  free(va);
  free(vb);
}

static const weir_dtype FLOATS[] = {WEIR_FLOAT32, WEIR_FLOAT64, WEIR_FLOAT16, WEIR_BFLOAT16};

static void test_2d(void) {
  for (size_t f = 0; f < 4; f++) {
    for (int rep = 0; rep < 6; rep++) {
      mcase c = {2, 2, {h_rand_int(1, 40), h_rand_int(1, 40)}, {0, h_rand_int(1, 40)}};
      c.b[0] = c.a[1];
      check_matmul(&c, FLOATS[f], FLOATS[f], rep % 2 == 1);
    }
    mcase one = {2, 2, {1, 1}, {1, 1}}, big = {2, 2, {128, 96}, {96, 64}}, tall = {2, 2, {300, 3}, {3, 2}};
    check_matmul(&one, FLOATS[f], FLOATS[f], false);
    check_matmul(&big, FLOATS[f], FLOATS[f], f == 0);
    check_matmul(&tall, FLOATS[f], FLOATS[f], false);
  }
  mcase large = {2, 2, {256, 512}, {512, 384}};
  check_matmul(&large, WEIR_FLOAT32, WEIR_FLOAT32, false);
}

static void test_batched(void) {
  mcase cases[] = {
      {4, 2, {2, 3, 4, 5}, {5, 6}},       {4, 3, {2, 1, 4, 5}, {3, 5, 6}}, {3, 3, {3, 4, 5}, {3, 5, 2}},
      {3, 3, {1, 4, 5}, {3, 5, 2}},       {2, 4, {4, 5}, {2, 3, 5, 6}},    {5, 3, {2, 1, 3, 2, 7}, {1, 7, 3}},
      {3, 3, {7, 1, 9}, {7, 9, 1}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    for (size_t f = 0; f < 4; f++) check_matmul(&cases[i], FLOATS[f], FLOATS[f], false);
}

static void test_1d_operands(void) {
  mcase cases[] = {
      {1, 2, {5}, {5, 6}},  {2, 1, {4, 5}, {5}},    {1, 1, {5}, {5}},  {3, 1, {2, 4, 5}, {5}},
      {1, 3, {5}, {2, 5, 3}}, {1, 1, {1}, {1}},     {1, 2, {300}, {300, 1}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    for (size_t f = 0; f < 4; f++) check_matmul(&cases[i], FLOATS[f], FLOATS[f], false);
  /* (5,) @ (5,) is 0-d */
  weir_array *a = NULL, *b = NULL, *o = NULL;
  CHECK_OK(weir_arange(&a, 1, 6, 1, WEIR_FLOAT32, weir_on(CPU)));
  CHECK_OK(weir_ones(&b, (const int64_t[]){5}, 1, WEIR_FLOAT32, weir_on(CPU)));
  if (CHECK_OK(weir_matmul(&o, a, b, weir_on(CPU)))) {
    CHECK_EQ_INT(weir_array_ndim(o), 0);
    double v = 0;
    CHECK_OK(weir_array_item_double(o, &v));
    CHECK_CLOSE(v, 15, 0);
  }
  weir_array_free(a);
  weir_array_free(b);
  weir_array_free(o);
}

static void test_mixed_and_empty(void) {
  mcase c = {2, 2, {6, 7}, {7, 3}};
  check_matmul(&c, WEIR_FLOAT32, WEIR_FLOAT16, false);
  check_matmul(&c, WEIR_BFLOAT16, WEIR_FLOAT16, false); /* -> float32 */
  check_matmul(&c, WEIR_INT32, WEIR_FLOAT32, false);    /* promotes to float32 */
  check_matmul(&c, WEIR_FLOAT64, WEIR_FLOAT32, false);
  /* K = 0: zeros; M = 0: empty */
  weir_array *a = NULL, *b = NULL, *o = NULL;
  CHECK_OK(weir_ones(&a, (const int64_t[]){3, 0}, 2, WEIR_FLOAT32, weir_on(CPU)));
  CHECK_OK(weir_ones(&b, (const int64_t[]){0, 4}, 2, WEIR_FLOAT32, weir_on(CPU)));
  if (CHECK_OK(weir_matmul(&o, a, b, weir_on(CPU)))) {
    CHECK_SHAPE(o, 3, 4);
    double got[12];
    if (CHECK_OK(h_read(o, got)))
      for (int i = 0; i < 12; i++) CHECK_CLOSE(got[i], 0, 0);
  }
  weir_array_free(a);
  weir_array_free(b);
  weir_array_free(o);
  a = b = o = NULL;
  CHECK_OK(weir_ones(&a, (const int64_t[]){0, 3}, 2, WEIR_FLOAT32, weir_on(CPU)));
  CHECK_OK(weir_ones(&b, (const int64_t[]){3, 4}, 2, WEIR_FLOAT32, weir_on(CPU)));
  if (CHECK_OK(weir_matmul(&o, a, b, weir_on(CPU)))) {
    CHECK_SHAPE(o, 0, 4);
    CHECK_OK(weir_eval(&o, 1));
  }
  weir_array_free(a);
  weir_array_free(b);
  weir_array_free(o);
}

static void test_errors(void) {
  weir_array *a = NULL, *b = NULL, *i = NULL, *o = NULL, *s = NULL, *c = NULL;
  CHECK_OK(weir_ones(&a, (const int64_t[]){3, 4}, 2, WEIR_FLOAT32, weir_on(CPU)));
  CHECK_OK(weir_ones(&b, (const int64_t[]){5, 2}, 2, WEIR_FLOAT32, weir_on(CPU)));
  CHECK_OK(weir_ones(&i, (const int64_t[]){4, 2}, 2, WEIR_INT32, weir_on(CPU)));
  CHECK_OK(weir_array_from_scalar(&s, 2, WEIR_FLOAT32));
  CHECK_OK(weir_ones(&c, (const int64_t[]){2, 4, 5}, 3, WEIR_FLOAT32, weir_on(CPU)));
  CHECK_STATUS(weir_matmul(&o, a, b, weir_on(CPU)), WEIR_ERR_INVALID_ARGUMENT); /* K: 4 vs 5 */
  CHECK_ERR_MENTIONS("4");
  CHECK_ERR_MENTIONS("5");
  weir_array *ii = NULL;
  CHECK_OK(weir_ones(&ii, (const int64_t[]){2, 4}, 2, WEIR_INT32, weir_on(CPU)));
  weir_status st = weir_matmul(&o, ii, i, weir_on(CPU)); /* int32 @ int32 */
  CHECK_MSG(st == WEIR_ERR_UNSUPPORTED, "int matmul: %s", weir_status_name(st));
  CHECK_ERR_MENTIONS("float");
  CHECK_STATUS(weir_matmul(&o, s, a, weir_on(CPU)), WEIR_ERR_INVALID_ARGUMENT); /* 0-d */
  weir_array *d = NULL;
  CHECK_OK(weir_ones(&d, (const int64_t[]){3, 5, 2}, 3, WEIR_FLOAT32, weir_on(CPU)));
  CHECK_STATUS(weir_matmul(&o, c, d, weir_on(CPU)), WEIR_ERR_INVALID_ARGUMENT); /* batch 2 vs 3 */
  CHECK(o == NULL);
  weir_array *list[] = {a, b, i, s, c, ii, d};
  for (size_t k = 0; k < sizeof list / sizeof list[0]; k++) weir_array_free(list[k]);
}

/* The TF32 switch: off by default (unless WEIR_ALLOW_TF32 says otherwise), the setter returns the
   previous value, each matmul node keeps the setting it was built with, and the CPU ignores it. */
static bool env_allows_tf32(void) {
  const char *e = getenv("WEIR_ALLOW_TF32");
  return e && (strcmp(e, "1") == 0 || strcasecmp(e, "true") == 0 || strcasecmp(e, "on") == 0 ||
               strcasecmp(e, "yes") == 0);
}

static void test_tf32_switch(void) {
  bool initial = weir_matmul_allow_tf32();
  CHECK(initial == env_allows_tf32());
  CHECK(weir_matmul_set_allow_tf32(false) == initial);
  CHECK(!weir_matmul_allow_tf32());
  CHECK(!weir_matmul_set_allow_tf32(true)); /* previous: false */
  CHECK(weir_matmul_allow_tf32());
  CHECK(weir_matmul_set_allow_tf32(true)); /* previous: true */
  CHECK(weir_matmul_allow_tf32());

  /* Read at build time: a node built with it on keeps it after it is turned off, and the reverse. */
  const int64_t sa[2] = {5, 7}, sb[2] = {7, 3};
  double va[35], vb[21];
  weir_array *a = h_rand_array(WEIR_FLOAT32, sa, 2, -1, 1, va), *b = h_rand_array(WEIR_FLOAT32, sb, 2, -1, 1, vb);
  weir_array *on = NULL, *off = NULL;
  CHECK_OK(weir_matmul(&on, a, b, weir_on(CPU)));
  CHECK(weir_matmul_set_allow_tf32(false)); /* previous: true */
  CHECK_OK(weir_matmul(&off, a, b, weir_on(CPU)));
  if (on && off) {
    CHECK(on->prim == WEIR__P_MATMUL && on->params.matmul.allow_tf32);
    CHECK(off->prim == WEIR__P_MATMUL && !off->params.matmul.allow_tf32);
    /* the CPU computes float32 either way: bit-identical results */
    double r_on[15], r_off[15];
    if (CHECK_OK(h_read(on, r_on)) && CHECK_OK(h_read(off, r_off)))
      for (int i = 0; i < 15; i++) CHECK(r_on[i] == r_off[i]);
  }
  weir_array_free(on);
  weir_array_free(off);
  weir_array_free(a);
  weir_array_free(b);
  CHECK(!weir_matmul_set_allow_tf32(initial));
  CHECK(weir_matmul_allow_tf32() == initial);
}

/* WEIR_ALLOW_TF32 is read at start-up: checked in child processes that set it before their first
   weir call (run first, while this process has no weir threads to fork). */
static bool child_sees_tf32(const char *value) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    if (value) setenv("WEIR_ALLOW_TF32", value, 1);
    else unsetenv("WEIR_ALLOW_TF32");
    _exit(weir_matmul_allow_tf32() ? 10 : 20);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return false;
  CHECK_MSG(WEXITSTATUS(status) == 10 || WEXITSTATUS(status) == 20, "child exit %d", WEXITSTATUS(status));
  return WEXITSTATUS(status) == 10;
}

static void test_tf32_env(void) {
  CHECK(child_sees_tf32("1"));
  CHECK(child_sees_tf32("true"));
  CHECK(!child_sees_tf32("0"));
  CHECK(!child_sees_tf32(""));
  CHECK(!child_sees_tf32(NULL));
}

int main(void) {
  h_init("test_ops_matmul");
  H_RUN(test_tf32_env); /* first: it forks */
  H_RUN(test_2d);
  H_RUN(test_batched);
  H_RUN(test_1d_operands);
  H_RUN(test_mixed_and_empty);
  H_RUN(test_errors);
  H_RUN(test_tf32_switch);
  return h_finish();
}
