/* The GPU backend against the CPU, continued from test_gpu_ops.c (same helpers: gpu_compare.h):
   reductions, matmul and random, on every GPU, on fresh random inputs (made on the host, so every
   GPU op also exercises the host-to-device copy), run on a GPU stream and on the CPU and compared
   after reading both back on the host (device-to-host copy):
   - exact: random bits/split/uniform, integer reductions, max/min/argmax/argmin;
   - normal: <= 4 ulp or rel 1e-6 (its erfinv may use FMA on the GPU);
     float32 sum/mean: rel 1e-5 of sum |x|;
   - matmul (2-D, batched, broadcast batch, 1-D, transposed, empty): rel Frobenius error against a
     float64 reference, 1e-4 float32, 1e-2 float16/bfloat16; float32 with TF32 allowed (5e-3) and
     not (1e-5), each node keeping the setting it was built with;
   reductions over every subset of the axes of a (5,6,7) array (negative axes, keepdims), of 1<<20
   elements and of empty arrays; random draws of sizes 0, 7, 999, 1<<20 and 0-d.
   Skips (77) without a GPU. */
#include "gpu_compare.h"

/* ---- reductions ---- */

/* Over every subset of the axes of a (5,6,7) array (plus NULL = all, and negative axes), keepdims
   both ways. Tolerance scale: per output element, sum |x| (sum), its mean (mean), prod |x| times
   the number of roundings (prod). */
static const int64_t RS[3] = {5, 6, 7};
static int64_t out_index(int mask, int64_t i) {
  int64_t idx[3] = {i / (RS[1] * RS[2]), (i / RS[2]) % RS[1], i % RS[2]}, o = 0;
  for (int k = 0; k < 3; k++)
    if (!(mask >> k & 1)) o = o * RS[k] + idx[k];
  return o;
}

static void reduce_case(weir_dtype t, weir_array *x, const double *v, int mask, bool all_null, bool keepdims) {
  int axes[3], na = 0;
  for (int k = 0; k < 3; k++)
    if (mask >> k & 1) axes[na++] = k - (h_rand_int(0, 1) ? 3 : 0); /* sometimes negative */
  const int *ax = all_null ? NULL : axes;
  enum { N = 5 * 6 * 7 };
  double sum_abs[N] = {0}, prod_abs[N], count[N] = {0}, mean_abs[N], prod_tol[N];
  for (int i = 0; i < N; i++) prod_abs[i] = 1;
  for (int64_t i = 0; i < N; i++) {
    int64_t o = out_index(mask, i);
    sum_abs[o] += fabs(v[i]);
    prod_abs[o] *= fabs(v[i]);
    count[o] += 1;
  }
  for (int i = 0; i < N; i++) {
    mean_abs[i] = count[i] > 0 ? sum_abs[i] / count[i] : 0;
    prod_tol[i] = prod_abs[i] * (count[i] + 1); /* times 2 * 2^-24 below: both sides within count ulps */
  }
  bool fl = h_is_float(t), half = t == WEIR_FLOAT16 || t == WEIR_BFLOAT16;
  static const struct {
    const char *name;
    weir_status (*f)(weir_array **, const weir_array *, const int *, int, bool, weir_stream);
  } ops[] = {{"sum", weir_sum}, {"mean", weir_mean}, {"prod", weir_prod}, {"max", weir_max}, {"min", weir_min}};
  for (int o = 0; o < 5; o++) {
    if (half && o == 2) continue; /* float16/bfloat16 products: not compared */
    tol tl = EXACT;
    if (o == 0 && fl) tl = rel(1e-5, half ? 1 : 0, sum_abs);
    if (o == 1) tl = rel(1e-5, half ? 1 : 2, mean_abs); /* mean is floating (float32 for integers) */
    if (o == 2 && fl) tl = rel(2 * 0x1p-24, 0, prod_tol);
    CMP2(tl, ops[o].f, (x, ax, all_null ? 0 : na, keepdims), "%s of (5,6,7) %s, axes mask %d%s, keepdims %d",
         ops[o].name, weir_dtype_name(t), mask, all_null ? " (NULL)" : "", keepdims);
  }
}

static void test_reductions(void) {
  static const struct {
    weir_dtype t;
    double lo, hi;
  } ts[] = {{WEIR_FLOAT32, 0.5, 2},  {WEIR_INT32, -1e6, 1e6},   {WEIR_INT8, -128, 127}, {WEIR_UINT8, 0, 255},
            {WEIR_UINT64, 0, 1e12},  {WEIR_INT64, -1e12, 1e12}, {WEIR_BOOL, 0, 1},      {WEIR_FLOAT16, 0.5, 2},
            {WEIR_BFLOAT16, 0.5, 2}, {WEIR_UINT16, 0, 65535}};
  const shp s = {3, {5, 6, 7}};
  for (size_t ti = 0; ti < sizeof ts / sizeof ts[0]; ti++) {
    weir_dtype t = ts[ti].t;
    double v[5 * 6 * 7];
    weir_array *x = ranged(t, &s, ts[ti].lo, ts[ti].hi, v);
    if (!x) continue;
    if (h_is_float(t)) { /* random signs: magnitudes in [0.5, 2) keep products in range */
      weir_array_free(x);
      for (int i = 0; i < 210; i++) v[i] = h_rand_int(0, 1) ? -v[i] : v[i];
      x = h_make(t, s.s, 3, v);
      if (!x) continue;
    }
    for (int mask = 0; mask < 8; mask++)
      for (int kd = 0; kd < 2; kd++) reduce_case(t, x, v, mask, false, kd);
    reduce_case(t, x, v, 7, true, false);
    reduce_case(t, x, v, 7, true, true);
    for (int axis = -3; axis < 3; axis++)
      for (int kd = 0; kd < 2; kd++) {
        CMP2(EXACT, weir_argmax, (x, axis, kd), "argmax axis %d of %s, keepdims %d", axis, weir_dtype_name(t), kd);
        CMP2(EXACT, weir_argmin, (x, axis, kd), "argmin axis %d of %s, keepdims %d", axis, weir_dtype_name(t), kd);
      }
    weir_array_free(x);
  }
  /* large and empty inputs */
  const shp big = {1, {1 << 20}}, empty = {2, {0, 3}};
  double *v = malloc(sizeof(double) * (1 << 20));
  weir_array *x = ranged(WEIR_FLOAT32, &big, -1, 1, v), *xi = rand_array(WEIR_INT32, &big, 0, 0, false);
  weir_array *e = ranged(WEIR_FLOAT32, &empty, -1, 1, NULL);
  double sa = 0;
  for (int i = 0; i < (1 << 20); i++) sa += fabs(v[i]);
  if (x && xi && e) {
    CMP2(rel(1e-5, 0, &sa), weir_sum, (x, NULL, 0, false), "sum of 1<<20 float32");
    CMP2(EXACT, weir_max, (x, NULL, 0, false), "max of 1<<20 float32");
    CMP2(EXACT, weir_argmin, (x, 0, false), "argmin of 1<<20 float32");
    CMP2(EXACT, weir_sum, (xi, NULL, 0, false), "sum of 1<<20 int32 (wrapping)");
    CMP2(EXACT, weir_sum, (e, (const int[]){0}, 1, false), "sum over an empty axis");
    CMP2(EXACT, weir_prod, (e, (const int[]){0}, 1, true), "prod over an empty axis");
    CMP2(EXACT, weir_sum, (e, (const int[]){1}, 1, false), "sum of an empty array over axis 1");
  }
  weir_array_free(x);
  weir_array_free(xi);
  weir_array_free(e);
  free(v);
}

/* ---- matmul ---- */

typedef struct {
  int na, nb;
  int64_t a[4], b[4];
} mm_case;

/* The float64 reference of numpy's matmul for operands of at most 4 dims (2 batch dims). */
static int64_t mm_ref(const mm_case *m, const double *va, const double *vb, double *out, int64_t *os, int *ond) {
  int64_t A[4] = {1, 1, 1, 1}, B[4] = {1, 1, 1, 1};
  int da = m->na < 2 ? 2 : m->na, db = m->nb < 2 ? 2 : m->nb;
  if (m->na == 1)
    A[3] = m->a[0];
  else
    for (int i = 0; i < m->na; i++) A[4 - m->na + i] = m->a[i];
  if (m->nb == 1)
    B[2] = m->b[0];
  else
    for (int i = 0; i < m->nb; i++) B[4 - m->nb + i] = m->b[i];
  int64_t M = A[2], K = A[3], N = B[3], O[2] = {A[0] > B[0] ? A[0] : B[0], A[1] > B[1] ? A[1] : B[1]};
  int nbatch = (da > db ? da : db) - 2, nd = 0;
  for (int i = 2 - nbatch; i < 2; i++) os[nd++] = O[i];
  if (m->na > 1) os[nd++] = M;
  if (m->nb > 1) os[nd++] = N;
  *ond = nd;
  int64_t n = 0;
  for (int64_t i0 = 0; i0 < O[0]; i0++)
    for (int64_t i1 = 0; i1 < O[1]; i1++) {
      const double *pa = va + ((A[0] == 1 ? 0 : i0) * A[1] + (A[1] == 1 ? 0 : i1)) * M * K;
      const double *pb = vb + ((B[0] == 1 ? 0 : i0) * B[1] + (B[1] == 1 ? 0 : i1)) * K * N;
      for (int64_t r = 0; r < M; r++)
        for (int64_t col = 0; col < N; col++) {
          double s = 0;
          for (int64_t k = 0; k < K; k++) s += pa[r * K + k] * pb[k * N + col];
          out[n++] = s;
        }
    }
  return n;
}

static void test_matmul(void) {
  static const mm_case cases[] = {
      {2, 2, {1, 1}, {1, 1}},        {2, 2, {7, 13}, {13, 5}},        {2, 2, {64, 128}, {128, 32}},
      {2, 2, {257, 129}, {129, 65}}, {3, 3, {3, 8, 16}, {3, 16, 4}},  {4, 3, {2, 1, 5, 6}, {3, 6, 7}},
      {3, 2, {4, 9, 3}, {3, 5}},     {2, 3, {5, 3}, {2, 3, 6}},       {1, 2, {9}, {9, 4}},
      {2, 1, {6, 9}, {9}},           {1, 1, {33}, {33}},              {1, 3, {4}, {2, 4, 3}},
      {2, 2, {0, 5}, {5, 3}},        {2, 2, {3, 0}, {0, 4}}};
  for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++)
    for (int f = 0; f < 3; f++)
      for (int tr = 0; tr < 2; tr++) {
        const mm_case *m = &cases[ci];
        if (tr && m->na != 2) continue;
        weir_dtype t = kFloats[f];
        shp sa = {m->na, {0}}, sb = {m->nb, {0}};
        memcpy(sa.s, m->a, sizeof m->a);
        memcpy(sb.s, m->b, sizeof m->b);
        int64_t na = shp_size(&sa), nb = shp_size(&sb), os[4];
        double *va = malloc(sizeof(double) * (size_t)(na + 1)), *vb = malloc(sizeof(double) * (size_t)(nb + 1));
        weir_array *a = NULL, *b = ranged(t, &sb, -1, 1, vb), *ah = NULL, *c = NULL, *g = NULL;
        if (tr) { /* a given as the transpose of a host (K, M) array */
          shp st = {2, {m->a[1], m->a[0]}};
          double *vt = malloc(sizeof(double) * (size_t)(na + 1));
          ah = ranged(t, &st, -1, 1, vt);
          for (int64_t i = 0; i < m->a[0]; i++)
            for (int64_t j = 0; j < m->a[1]; j++) va[i * m->a[1] + j] = vt[j * m->a[0] + i];
          free(vt);
        } else {
          a = ranged(t, &sa, -1, 1, va);
        }
        int ond = 0;
        static double ref[1 << 15]; /* every case's output fits */
        mm_ref(m, va, vb, ref, os, &ond);
        weir_array *ta = NULL; /* the GPU sees its transpose node; the CPU result is only for the shape */
        bool ok = tr ? CHECK_OK(weir_transpose(&ta, ah, NULL, 0, g_gs)) && CHECK_OK(weir_matmul(&g, ta, b, g_gs))
                     : a && b && RUN2(c, g, weir_matmul, a, b);
        if (ok && b) {
          CHECK_MSG(h_shape_is(g, ond, os), "gpu:%d matmul case %zu: output shape (ndim %d, want %d)", g_k, ci,
                    weir_array_ndim(g), ond);
          CHECK_MSG(weir_array_dtype(g) == t, "gpu:%d matmul case %zu: dtype %s", g_k, ci,
                    weir_dtype_name(weir_array_dtype(g)));
          int64_t n = weir_array_size(g);
          double *got = malloc(sizeof(double) * (size_t)(n + 1)), err = 0, norm = 0;
          if (CHECK_OK(h_read(g, got))) {
            for (int64_t i = 0; i < n; i++) {
              err += (got[i] - ref[i]) * (got[i] - ref[i]);
              norm += ref[i] * ref[i];
            }
            double lim = t == WEIR_FLOAT32 ? 1e-4 : 1e-2;
            CHECK_MSG(norm == 0 ? err == 0 : sqrt(err / norm) <= lim,
                      "gpu:%d matmul %s case %zu%s: relative Frobenius error %.3g vs the float64 reference (limit %g)",
                      g_k, weir_dtype_name(t), ci, tr ? " (transposed a)" : "",
                      norm == 0 ? sqrt(err) : sqrt(err / norm), lim);
          }
          free(got);
          if (c) CHECK_MSG(h_shape_is(c, ond, os), "cpu matmul case %zu: output shape", ci);
        }
        free2(&c, &g);
        weir_array_free(ta);
        weir_array_free(ah);
        weir_array_free(a);
        weir_array_free(b);
        free(va);
        free(vb);
      }
}

/* TF32 (weir_matmul_set_allow_tf32): float32 matmul on the GPU against the float64 reference and
   the CPU. Off: float32 accuracy. On: TF32 accuracy, and visibly not float32's on GPUs with TF32
   tensor cores (compute capability 8+), which shows the setting reaches cuBLAS. Each node keeps
   the setting it was built with: both are built first and evaluated with the setting flipped. */
static double rel_frobenius(const double *got, const double *ref, int64_t n) {
  double err = 0, norm = 0;
  for (int64_t i = 0; i < n; i++) {
    err += (got[i] - ref[i]) * (got[i] - ref[i]);
    norm += ref[i] * ref[i];
  }
  return norm == 0 ? sqrt(err) : sqrt(err / norm);
}

static void test_matmul_tf32(void) {
  enum { M = 192, K = 320, N = 160 };
  const double F32_LIM = 1e-5, TF32_LIM = 5e-3; /* rel Frobenius; TF32 keeps 10 mantissa bits */
  bool initial = weir_matmul_allow_tf32();
  mm_case m = {2, 2, {M, K}, {K, N}};
  shp sa = {2, {M, K}}, sb = {2, {K, N}};
  double *va = malloc(sizeof(double) * M * K), *vb = malloc(sizeof(double) * K * N);
  double *ref = malloc(sizeof(double) * M * N), *got = malloc(sizeof(double) * M * N);
  weir_array *a = ranged(WEIR_FLOAT32, &sa, -1, 1, va), *b = ranged(WEIR_FLOAT32, &sb, -1, 1, vb);
  weir_array *on = NULL, *off = NULL, *cpu_on = NULL;
  int64_t os[4];
  int ond = 0;
  mm_ref(&m, va, vb, ref, os, &ond);
  weir_matmul_set_allow_tf32(true);
  CHECK_OK(weir_matmul(&on, a, b, g_gs));
  CHECK_OK(weir_matmul(&cpu_on, a, b, CPUS)); /* the CPU ignores it */
  weir_matmul_set_allow_tf32(false);
  CHECK_OK(weir_matmul(&off, a, b, g_gs));
  weir_matmul_set_allow_tf32(true); /* evaluated under the other setting: the nodes keep theirs */
  double e_on = -1, e_off = -1, e_cpu = -1;
  if (off && CHECK_OK(h_read(off, got))) e_off = rel_frobenius(got, ref, M * N);
  weir_matmul_set_allow_tf32(false);
  if (on && CHECK_OK(h_read(on, got))) e_on = rel_frobenius(got, ref, M * N);
  if (cpu_on && CHECK_OK(h_read(cpu_on, got))) e_cpu = rel_frobenius(got, ref, M * N);
  CHECK_MSG(e_off >= 0 && e_off <= F32_LIM, "gpu:%d float32 matmul, TF32 off: rel error %.3g (limit %g)", g_k, e_off,
            F32_LIM);
  CHECK_MSG(e_on >= 0 && e_on <= TF32_LIM, "gpu:%d float32 matmul, TF32 on: rel error %.3g (limit %g)", g_k, e_on,
            TF32_LIM);
  CHECK_MSG(e_cpu >= 0 && e_cpu <= F32_LIM, "cpu float32 matmul built with TF32 allowed: rel error %.3g", e_cpu);
  weir_device_info *info = NULL;
  int64_t major = 0;
  if (weir_device_info_get(WEIR_GPU_DEVICE(g_k), &info) == WEIR_OK && info &&
      weir_device_info_int(info, "compute_capability_major", &major) == WEIR_OK && major >= 8)
    CHECK_MSG(e_on > 4 * F32_LIM, "gpu:%d (sm_%lld) TF32 on: rel error %.3g looks like float32, not TF32", g_k,
              (long long)major, e_on);
  weir_device_info_free(info);
  weir_array *list[] = {a, b, on, off, cpu_on};
  for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) weir_array_free(list[i]);
  free(va);
  free(vb);
  free(ref);
  free(got);
  weir_matmul_set_allow_tf32(initial);
}

/* A single matmul of 4096^3 multiply-adds goes to cublasGemmEx instead of a cuBLASLt plan
   (kernels_matmul.cu): float32 (TF32 off, then on) and bfloat16 against the CPU's result. */
static void test_matmul_large(void) {
  enum { S = 4096 };
  const int64_t sh[2] = {S, S};
  bool initial = weir_matmul_allow_tf32();
  for (int k = 0; k < 3; k++) {
    weir_dtype t = k == 2 ? WEIR_BFLOAT16 : WEIR_FLOAT32;
    weir_matmul_set_allow_tf32(k == 1);
    weir_array *a = NULL, *b = NULL, *g = NULL, *c = NULL;
    CHECK_OK(weir_random_uniform(&a, sh, 2, t, -1.0, 1.0, NULL, CPUS));
    CHECK_OK(weir_random_uniform(&b, sh, 2, t, -1.0, 1.0, NULL, CPUS));
    CHECK_OK(weir_matmul(&g, a, b, g_gs));
    CHECK_OK(weir_matmul(&c, a, b, CPUS));
    double *got = malloc(sizeof(double) * S * S), *ref = malloc(sizeof(double) * S * S);
    if (g && c && CHECK_OK(h_read(g, got)) && CHECK_OK(h_read(c, ref))) {
      double e = rel_frobenius(got, ref, (int64_t)S * S), lim = k == 0 ? 1e-5 : k == 1 ? 5e-3 : 1e-2;
      CHECK_MSG(e <= lim, "gpu:%d %s matmul 4096^3%s: rel error %.3g against the CPU (limit %g)", g_k,
                weir_dtype_name(t), k == 1 ? " (TF32)" : "", e, lim);
      if (k == 1) CHECK_MSG(e > 4e-5, "gpu:%d TF32 on, 4096^3: rel error %.3g looks like float32", g_k, e);
    }
    free(got);
    free(ref);
    weir_array *list[] = {a, b, g, c};
    for (size_t i = 0; i < 4; i++) weir_array_free(list[i]);
  }
  weir_matmul_set_allow_tf32(initial);
}

/* ---- random ---- */

static void test_random(void) {
  weir_array *key = NULL;
  if (!CHECK_OK(weir_random_key(&key, h_rand_u64()))) return;
  const shp sizes[] = {{0, {0}}, {1, {0}}, {1, {7}}, {2, {3, 333}}, {1, {1 << 20}}};
  weir_array *c = NULL, *g = NULL;
  for (int si = 0; si < 5; si++) {
    const shp *s = &sizes[si];
    const int64_t *sh = s->nd ? s->s : NULL;
    long long n = (long long)shp_size(s);
    CMP2(EXACT, weir_random_bits, (sh, s->nd, key), "random_bits, %lld words", n);
    for (int f = 0; f < 3; f++) {
      weir_dtype t = kFloats[f];
      /* identical bits: low + span * u rounded twice on both (no fused multiply-add on the GPU) */
      const char *tn = weir_dtype_name(t);
      CMP2(EXACT, weir_random_uniform, (sh, s->nd, t, -2.0, 2.0, key), "uniform [-2, 2) %s, %lld values", tn, n);
      CMP2(EXACT, weir_random_uniform, (sh, s->nd, t, 0.0, 1.0, key), "uniform [0, 1) %s, %lld values", tn, n);
      CMP2(EXACT, weir_random_uniform, (sh, s->nd, t, -2.0, 3.0, key), "uniform [-2, 3) %s, %lld values", tn, n);
      CMP2(t == WEIR_FLOAT32 ? rel(1e-6, 4, NULL) : ulps(1), weir_random_normal, (sh, s->nd, t, 0.0, 1.0, key),
           "normal(0, 1) %s, %lld values", tn, n);
      if (RUN2(c, g, weir_random_normal, sh, s->nd, t, 1.5, 2.0, key)) {
        int64_t m = shp_size(s);
        double *sc = malloc(sizeof(double) * (size_t)(m + 1));
        if (CHECK_OK(h_read(c, sc))) /* scale of the error: |loc| + |scale * n| */
          for (int64_t i = 0; i < m; i++) sc[i] = 1.5 + fabs(sc[i] - 1.5);
        /* loc + scale * z cancels near 0: a few float32 ulps of the terms, then rounding to a half
           type, may be 2 ulps of a tiny result, so the error scale is the terms' size */
        compare(c, g, rel(1e-6, t == WEIR_FLOAT32 ? 4 : 1, sc), "normal(1.5, 2) %s, %lld values", tn, n);
        free(sc);
      }
      free2(&c, &g);
    }
  }
  /* split: identical keys; a key split on the GPU drives the same draws as on the CPU */
  weir_array *sc = NULL, *sg = NULL;
  CMP2(EXACT, weir_random_split, (key, 5), "split(key, 5)");
  if (RUN2(sc, sg, weir_random_split, key, 1)) {
    weir_array *kc = NULL, *kg = NULL;
    if (CHECK_OK(weir_reshape(&kc, sc, (const int64_t[]){2}, 1, CPUS)) &&
        CHECK_OK(weir_reshape(&kg, sg, (const int64_t[]){2}, 1, g_gs))) {
      compare(kc, kg, EXACT, "split(key, 1) reshaped to a key");
      weir_array *uc = NULL, *ug = NULL;
      if (CHECK_OK(weir_random_uniform(&uc, (const int64_t[]){4096}, 1, WEIR_FLOAT32, 0, 1, kc, CPUS)) &&
          CHECK_OK(weir_random_uniform(&ug, (const int64_t[]){4096}, 1, WEIR_FLOAT32, 0, 1, kg, g_gs)))
        compare(uc, ug, EXACT, "uniform from a key made on the GPU");
      free2(&uc, &ug);
    }
    free2(&kc, &kg);
  }
  free2(&sc, &sg);
  weir_array_free(key);
}

static void run_tests(void) {
  H_RUN(test_reductions);
  H_RUN(test_matmul);
  H_RUN(test_matmul_tf32);
  H_RUN(test_matmul_large);
  H_RUN(test_random);
}

int main(void) { return gpu_main("test_gpu_ops_linalg", run_tests); }
