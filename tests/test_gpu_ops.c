/* The GPU backend against the CPU: elementwise ops, astype/copy, strided inputs and slices, on
   every GPU, on fresh random inputs (made on the host, so every GPU op also exercises the
   host-to-device copy), run on a GPU stream and on the CPU and compared after reading both back on
   the host (device-to-host copy):
   - exact: astype (every pair without float64), copy, abs/negative/square, floor/ceil/round/sign/
     isnan/isinf/reciprocal, add/subtract/multiply/
     maximum/minimum (IEEE, with NaN, inf, -0 and subnormals), comparisons, logical ops, integer
     power, float32 divide;
   - <= 2 ulp float32 (1 ulp float16/bfloat16): exp log sin cos tanh sqrt sigmoid expm1 log1p log2
     log10 rsqrt tan arcsin arccos arctan sinh cosh erf;
   - float power: rel 1e-6;
   with broadcasting, transposed (strided) inputs, reshape, slices (negative steps, clamped bounds,
   empty results, of transposed results and of slices), sizes 0, 1, 7, 1000, 1<<20 and 0-d.
   Also float64 refused at the call on a GPU stream (and moved to the CPU when no stream is named),
   item/tostring of GPU results, device info.
   Reductions, matmul and random: test_gpu_ops_linalg.c. The shared helpers (inputs, comparison,
   the loop over GPUs): gpu_compare.h.
   Skips (77) without a GPU. */
#include "gpu_compare.h"

/* ---- elementwise ---- */

static void test_unary_exact(void) {
  static const un_op ops[] = {OP(abs),  OP(negative), OP(square), OP(logical_not), OP(floor), OP(ceil),
                              OP(round), OP(sign),    OP(isnan),  OP(isinf),       OP(reciprocal)};
  for (int si = 0; si < NSIZES; si++)
    for (int ti = 0; ti < NALL; ti++) {
      weir_array *x = rand_array(kAll[ti], &kSizes[si], -100, 100, true);
      for (size_t o = 0; o < sizeof ops / sizeof ops[0] && x; o++)
        CMP2(EXACT, ops[o].f, (x), "%s of %lld elements", ops[o].name, (long long)shp_size(&kSizes[si]));
      weir_array_free(x);
    }
}

static void test_unary_float(void) {
  static const struct {
    un_op op;
    double lo, hi;
  } ops[] = {{OP(exp), -9, 9},  {OP(log), 1e-3, 1e3}, {OP(sin), -10, 10},    {OP(cos), -10, 10},
             {OP(tanh), -5, 5}, {OP(sqrt), 0, 1e4},   {OP(sigmoid), -20, 20},
             {OP(expm1), -9, 9}, {OP(log1p), -0.9, 1e3}, {OP(log2), 1e-3, 1e3}, {OP(log10), 1e-3, 1e3},
             {OP(rsqrt), 1e-3, 1e4}, {OP(tan), -1.5, 1.5}, {OP(arcsin), -1, 1}, {OP(arccos), -1, 1},
             {OP(arctan), -100, 100}, {OP(sinh), -9, 9}, {OP(cosh), -9, 9}, {OP(erf), -4, 4}};
  static const weir_dtype ts[] = {WEIR_FLOAT32, WEIR_FLOAT16, WEIR_BFLOAT16, WEIR_INT32, WEIR_UINT8};
  static const shp sizes[] = {{0, {0}}, {1, {7}}, {2, {10, 100}}, {1, {1 << 20}}};
  for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
    for (size_t ti = 0; ti < sizeof ts / sizeof ts[0]; ti++)
      for (size_t si = 0; si < 4; si++) {
        if (si == 3 && ts[ti] != WEIR_FLOAT32) continue;
        weir_array *x = ranged(ts[ti], &sizes[si], ops[o].lo, ops[o].hi, NULL);
        /* float32 (integers compute in it): the CPU's libmvec functions are within 4 ulp
           (test_unary_accuracy), CUDA's within 1-2 over these ranges: 5; float16/bfloat16 round
           once to their format: 1 ulp */
        tol tl = ulps(ts[ti] == WEIR_FLOAT16 || ts[ti] == WEIR_BFLOAT16 ? 1 : 5);
        if (x)
          CMP2(tl, ops[o].op.f, (x), "%s of %s, %lld elements", ops[o].op.name, weir_dtype_name(ts[ti]),
               (long long)shp_size(&sizes[si]));
        weir_array_free(x);
      }
}

static const bin_op kExactBinary[] = {OP(add),           OP(subtract),    OP(multiply),  OP(maximum),    OP(minimum),
                                      OP(equal),         OP(not_equal),   OP(less),      OP(less_equal), OP(greater),
                                      OP(greater_equal), OP(logical_and), OP(logical_or)};

/* Shape pairs: broadcasting both ways, 0-d, empty, large. */
static const shp kPairs[][2] = {
    {{3, {3, 1, 4}}, {2, {2, 1}}}, {{1, {5}}, {0, {0}}},       {{0, {0}}, {2, {4, 5}}},
    {{0, {0}}, {0, {0}}},          {{1, {1000}}, {1, {1000}}}, {{2, {0, 3}}, {2, {1, 3}}},
    {{2, {7, 1}}, {2, {1, 7}}},    {{3, {2, 3, 4}}, {1, {4}}}, {{1, {1 << 20}}, {1, {1 << 20}}}};
#define NPAIRS ((int)(sizeof kPairs / sizeof kPairs[0]))

/* Two random inputs of t; where both have elements, about one in four of b's equals a's (ties). */
static void rand_pair(weir_dtype t, const shp *sa, const shp *sb, weir_array **a, weir_array **b) {
  int64_t na = shp_size(sa), nb = shp_size(sb);
  unsigned char *x = rand_raw(t, na, -50, 50, true), *y = rand_raw(t, nb, -50, 50, true);
  size_t es = weir_dtype_size(t);
  for (int64_t i = 0; i < na && i < nb; i++)
    if (h_rand_int(0, 3) == 0) memcpy(y + (size_t)i * es, x + (size_t)i * es, es);
  *a = from_raw(x, t, sa);
  *b = from_raw(y, t, sb);
  free(x);
  free(y);
}

static void test_binary_exact(void) {
  for (int pi = 0; pi < NPAIRS; pi++)
    for (int ti = 0; ti < NALL; ti++) {
      weir_array *a = NULL, *b = NULL;
      rand_pair(kAll[ti], &kPairs[pi][0], &kPairs[pi][1], &a, &b);
      for (size_t o = 0; o < sizeof kExactBinary / sizeof kExactBinary[0] && a && b; o++)
        CMP2(EXACT, kExactBinary[o].f, (a, b), "%s, shapes %d-d %lld and %d-d %lld", kExactBinary[o].name,
             kPairs[pi][0].nd, (long long)shp_size(&kPairs[pi][0]), kPairs[pi][1].nd,
             (long long)shp_size(&kPairs[pi][1]));
      weir_array_free(a);
      weir_array_free(b);
    }
  /* mixed dtypes: the promotion casts run on the GPU stream too */
  static const weir_dtype mixed[][2] = {{WEIR_INT32, WEIR_FLOAT32}, {WEIR_UINT8, WEIR_INT8},
                                        {WEIR_BOOL, WEIR_FLOAT16},  {WEIR_INT64, WEIR_BFLOAT16},
                                        {WEIR_UINT32, WEIR_INT32},  {WEIR_FLOAT16, WEIR_BFLOAT16}};
  const shp s = {2, {33, 17}};
  for (size_t m = 0; m < sizeof mixed / sizeof mixed[0]; m++) {
    weir_array *a = ranged(mixed[m][0], &s, -1000, 1000, NULL), *b = ranged(mixed[m][1], &s, -1000, 1000, NULL);
    for (int o = 0; o < 6 && a && b; o++)
      CMP2(EXACT, kExactBinary[o].f, (a, b), "%s of %s and %s", kExactBinary[o].name, weir_dtype_name(mixed[m][0]),
           weir_dtype_name(mixed[m][1]));
    weir_array_free(a);
    weir_array_free(b);
  }
}

static void test_divide_power(void) {
  const shp sizes[] = {{0, {0}}, {1, {7}}, {2, {40, 25}}, {1, {1 << 20}}};
  for (int si = 0; si < 4; si++) {
    for (int f = 0; f < 3; f++) { /* divide: IEEE division, float16/bfloat16 rounded once */
      weir_dtype t = kFloats[f];
      weir_array *a = rand_array(t, &sizes[si], -100, 100, true), *b = rand_array(t, &sizes[si], -3, 3, true);
      if (a && b) CMP2(t == WEIR_FLOAT32 ? EXACT : ulps(1), weir_divide, (a, b), "divide %s", weir_dtype_name(t));
      /* float power: positive bases, exponents in [-3, 3] */
      weir_array *p = ranged(t, &sizes[si], 0.1, 10, NULL), *e = ranged(t, &sizes[si], -3, 3, NULL);
      if (p && e) CMP2(rel(1e-6, t == WEIR_FLOAT32 ? 0 : 1, NULL), weir_power, (p, e), "power %s", weir_dtype_name(t));
      weir_array *list[] = {a, b, p, e};
      for (int i = 0; i < 4; i++) weir_array_free(list[i]);
    }
    /* integer divide gives float32 */
    weir_array *a = rand_array(WEIR_INT32, &sizes[si], 0, 0, false),
               *b = rand_array(WEIR_INT16, &sizes[si], 0, 0, false);
    if (a && b) CMP2(EXACT, weir_divide, (a, b), "divide int32 by int16");
    weir_array_free(a);
    weir_array_free(b);
    /* integer power: exact, wrapping; negative exponents give 0, 1 or -1 */
    for (int ti = 0; ti < NALL; ti++) {
      weir_dtype t = kAll[ti];
      if (h_is_float(t)) continue;
      weir_array *p = ranged(t, &sizes[si], -5, 5, NULL), *e = ranged(t, &sizes[si], -2, 9, NULL);
      if (p && e) CMP2(EXACT, weir_power, (p, e), "power %s", weir_dtype_name(t));
      weir_array_free(p);
      weir_array_free(e);
    }
  }
}

/* Strided inputs (transpose, then the op), reshape, and broadcasting of a transposed operand. */
static void test_strided(void) {
  const shp s3 = {3, {4, 5, 6}}, s2 = {2, {4, 5}};
  static const int perm[3] = {2, 0, 1}; /* (4,5,6) -> (6,4,5) */
  for (int ti = 0; ti < NALL; ti++) {
    weir_dtype t = kAll[ti];
    const char *tn = weir_dtype_name(t);
    weir_array *a = rand_array(t, &s3, -50, 50, false), *b = rand_array(t, &s2, -50, 50, false);
    weir_array *ct = NULL, *gt = NULL, *c = NULL, *g = NULL, *cr = NULL, *gr = NULL;
    if (a && b && RUN2(ct, gt, weir_transpose, a, perm, 3)) {
      compare(ct, gt, EXACT, "transpose (2,0,1) of %s", tn);
      CMP2(EXACT, weir_add, (ct, b), "transposed + broadcast (4,5), %s", tn);
      CMP2(EXACT, weir_maximum, (ct, ct), "maximum of a transposed %s with itself", tn);
      CMP2(EXACT, weir_copy, (ct), "copy of a transposed %s", tn);
      if (RUN2(cr, gr, weir_reshape, ct, (const int64_t[]){24, 5}, 2)) {
        compare(cr, gr, EXACT, "reshape (6,4,5)->(24,5) of a transposed %s", tn);
        CMP2(EXACT, weir_max, (cr, (const int[]){0}, 1, false), "max over axis 0 of a reshaped %s", tn);
      }
      free2(&cr, &gr);
      if (h_is_float(t)) CMP2(ulps(t == WEIR_FLOAT32 ? 2 : 1), weir_exp, (ct), "exp of a transposed %s", tn);
    }
    /* a transposed operand straight from the host, on the GPU's default stream */
    if (a && CHECK_OK(weir_transpose(&g, a, NULL, 0, weir_on(WEIR_GPU_DEVICE(g_k)))) &&
        CHECK_OK(weir_transpose(&c, a, NULL, 0, CPUS)))
      compare(c, g, EXACT, "reversed transpose of %s on the default GPU stream", tn);
    free2(&c, &g);
    free2(&ct, &gt);
    weir_array_free(a);
    weir_array_free(b);
  }
}

/* weir_slice of c on the CPU and of g on the GPU stream. */
static bool slice2(weir_array **c2, weir_array **g2, const weir_array *c, const weir_array *g, const int64_t *b,
                   const int64_t *e, const int64_t *k) {
  weir_status sc = weir_slice(c2, c, b, e, k, CPUS), sg = weir_slice(g2, g, b, e, k, g_gs);
  return both_ok(sc, sg, *g2, "weir_slice");
}

/* Slices of every dtype: reversed, stepped rows with an aligned unit-stride tail (the copy's rows
   path with negative row strides), random bounds; then a slice of each result, and of a transpose. */
static void test_slice(void) {
  static const shp shapes[] = {{0, {0}},      {1, {1 << 20}},      {2, {64, 1000}},
                               {3, {4, 5, 6}}, {4, {3, 1, 4, 5}}, {2, {0, 7}}};
  const int64_t E = INT64_MAX, B = INT64_MIN;
  for (int ti = 0; ti < NALL; ti++)
    for (int si = 0; si < (int)(sizeof shapes / sizeof shapes[0]); si++) {
      const shp *sh = &shapes[si];
      int nd = sh->nd;
      weir_array *a = rand_array(kAll[ti], sh, -50, 50, false);
      for (int it = 0; it < 5 && a; it++) {
        int64_t b[4], e[4], k[4];
        for (int d = 0; d < nd; d++) {
          int64_t n = sh->s[d];
          bool last = d == nd - 1;
          if (it == 0) b[d] = E, e[d] = B, k[d] = -1;                                      /* a[::-1, ...] */
          else if (it == 1) b[d] = last ? 8 : E, e[d] = last ? E : B, k[d] = last ? 1 : -1; /* a[::-1, 8:] */
          else if (it == 2) b[d] = last ? 1 : 0, e[d] = last ? -1 : E, k[d] = last ? 1 : 2;  /* a[::2, 1:-1] */
          else {
            b[d] = h_rand_int(0, 7) == 0 ? E : h_rand_int(-n - 2, n + 2);
            e[d] = h_rand_int(0, 7) == 0 ? B : h_rand_int(-n - 2, n + 2);
            k[d] = h_rand_int(0, 1) ? h_rand_int(1, 3) : -h_rand_int(1, 3);
          }
        }
        weir_array *c = NULL, *g = NULL, *c2 = NULL, *g2 = NULL;
        if (slice2(&c, &g, a, a, b, e, k)) {
          compare(c, g, EXACT, "slice %d of a %d-d %s", it, nd, weir_dtype_name(kAll[ti]));
          for (int d = 0; d < nd; d++) /* then [::2, ::-1, ...] of each */
            b[d] = d % 2 ? E : 0, e[d] = d % 2 ? B : E, k[d] = d % 2 ? -1 : 2;
          if (slice2(&c2, &g2, c, g, b, e, k))
            compare(c2, g2, EXACT, "slice of slice %d of a %d-d %s", it, nd, weir_dtype_name(kAll[ti]));
        }
        free2(&c2, &g2);
        free2(&c, &g);
      }
      weir_array *ct = NULL, *gt = NULL, *c = NULL, *g = NULL;
      const int64_t tb[3] = {-1, 1, E}, te[3] = {B, E, B}, tk[3] = {-2, 2, -1};
      if (a && nd == 3 && RUN2(ct, gt, weir_transpose, a, (const int[]){2, 0, 1}, 3) &&
          slice2(&c, &g, ct, gt, tb, te, tk))
        compare(c, g, EXACT, "slice of a transposed %s", weir_dtype_name(kAll[ti]));
      free2(&c, &g);
      free2(&ct, &gt);
      weir_array_free(a);
    }
}

/* astype for every pair of dtypes except float64, and copy (also GPU -> CPU). */
static void test_astype_copy(void) {
  const shp sizes[] = {{0, {0}}, {1, {1000}}, {2, {3, 0}}};
  for (int si = 0; si < 3; si++)
    for (int i = 0; i < NALL; i++) {
      weir_dtype from = kAll[i];
      /* floats: finite values wide enough to wrap the narrow integers, with a few +-0 */
      weir_array *x = rand_array(from, &sizes[si], -3e4, 3e4, false), *xs = NULL, *c = NULL, *g = NULL;
      const char *fn = weir_dtype_name(from);
      if (h_is_float(from)) xs = rand_array(from, &sizes[si], -1e3, 1e3, true); /* NaN, inf for float/bool targets */
      for (int j = 0; j < NALL && x; j++) {
        weir_dtype to = kAll[j];
        CMP2(EXACT, weir_astype, (x, to), "astype %s -> %s", fn, weir_dtype_name(to));
        if (xs && (h_is_float(to) || to == WEIR_BOOL))
          CMP2(EXACT, weir_astype, (xs, to), "astype %s -> %s with NaN/inf/-0/subnormals", fn, weir_dtype_name(to));
      }
      if (x && RUN2(c, g, weir_copy, x)) {
        compare(c, g, EXACT, "copy %s to the GPU", fn);
        weir_array *back = NULL; /* and back to the CPU */
        if (CHECK_OK(weir_copy(&back, g, CPUS))) compare(x, back, EXACT, "copy %s GPU -> CPU", fn);
        weir_array_free(back);
      }
      free2(&c, &g);
      weir_array_free(x);
      weir_array_free(xs);
    }
  static const weir_dtype big[][2] = {{WEIR_FLOAT32, WEIR_FLOAT16}, {WEIR_FLOAT32, WEIR_BFLOAT16},
                                      {WEIR_INT32, WEIR_FLOAT32},   {WEIR_FLOAT16, WEIR_FLOAT32},
                                      {WEIR_FLOAT32, WEIR_INT8},    {WEIR_UINT8, WEIR_FLOAT32}};
  const shp s = {1, {1 << 20}};
  for (size_t p = 0; p < sizeof big / sizeof big[0]; p++) {
    weir_array *x = rand_array(big[p][0], &s, -300, 300, false);
    if (x)
      CMP2(EXACT, weir_astype, (x, big[p][1]), "astype %s -> %s, 1<<20 elements", weir_dtype_name(big[p][0]),
           weir_dtype_name(big[p][1]));
    weir_array_free(x);
  }
}

/* ---- float64, host reads, device info ---- */

/* Expects `call` (which writes o) to fail at the call with WEIR_ERR_UNSUPPORTED naming float64. */
#define REFUSED(call)                                                                                                  \
  do {                                                                                                                 \
    o = NULL;                                                                                                          \
    CHECK_STATUS(call, WEIR_ERR_UNSUPPORTED);                                                                          \
    CHECK_MSG(h_error_mentions("float64"), "gpu:%d %s: \"%s\"", g_k, #call, weir_last_error());                        \
    CHECK_MSG(o == NULL, "gpu:%d %s gave an array", g_k, #call);                                                       \
    weir_array_free(o);                                                                                                \
  } while (0)

static void test_float64_refused(void) {
  weir_array *o = NULL, *f32 = NULL, *f64 = NULL;
  const int64_t two[1] = {2};
  CHECK_OK(weir_ones(&f32, two, 1, WEIR_FLOAT32, CPUS));
  CHECK_OK(weir_ones(&f64, two, 1, WEIR_FLOAT64, CPUS));
  const weir_stream ss[2] = {g_gs, weir_on(WEIR_GPU_DEVICE(g_k))};
  for (int i = 0; i < 2; i++) {
    weir_stream s = ss[i];
    REFUSED(weir_zeros(&o, two, 1, WEIR_FLOAT64, s));
    REFUSED(weir_astype(&o, f32, WEIR_FLOAT64, s));
    REFUSED(weir_add(&o, f64, f32, s)); /* a float64 CPU input */
    REFUSED(weir_full(&o, two, 1, 1.5, WEIR_FLOAT64, s));
    REFUSED(weir_sum(&o, f64, NULL, 0, false, s));
    REFUSED(weir_copy(&o, f64, s));
    REFUSED(weir_matmul(&o, f64, f64, s));
    REFUSED(weir_random_uniform(&o, two, 1, WEIR_FLOAT64, 0, 1, NULL, s));
  }
  CHECK_OK(weir_add(&o, f64, f32, CPUS)); /* the same call on the CPU is fine */
  weir_array_free(o);
  weir_array_free(f32);
  weir_array_free(f64);
}

/* With no stream named, float64 work goes to the CPU even when the default device is this GPU
   (seed 004: `mx.set_default_device(mx.gpu); x.astype(mx.float64)`); float32 work stays on it. */
static void test_float64_default_goes_to_cpu(void) {
  weir_device prev = weir_default_device();
  if (!CHECK_OK(weir_set_default_device(WEIR_GPU_DEVICE(g_k)))) return;
  weir_array *x = NULL, *y64 = NULL, *s64 = NULL, *y32 = NULL;
  const int64_t shape[2] = {64, 64};
  CHECK_OK(weir_ones(&x, shape, 2, WEIR_FLOAT32, WEIR_DEFAULT));
  CHECK_MSG(weir_array_stream(x).device.type == WEIR_GPU, "gpu:%d float32 ones left the GPU", g_k);
  CHECK_OK(weir_astype(&y64, x, WEIR_FLOAT64, WEIR_DEFAULT));
  CHECK_MSG(y64 && weir_array_stream(y64).device.type == WEIR_CPU, "gpu:%d astype(float64) not on the cpu", g_k);
  CHECK_OK(weir_sum(&s64, y64, NULL, 0, false, weir_on(WEIR_CPU_DEVICE)));
  double v = 0;
  if (CHECK_OK(weir_array_item_double(s64, &v))) CHECK_CLOSE(v, 64.0 * 64.0, 0);
  CHECK_OK(weir_add(&y32, x, x, WEIR_DEFAULT)); /* float32 work stays on the GPU */
  CHECK_MSG(y32 && weir_array_stream(y32).device.type == WEIR_GPU, "gpu:%d float32 add left the GPU", g_k);
  weir_array *o = NULL; /* an explicit GPU stream still refuses float64 */
  CHECK_STATUS(weir_astype(&o, x, WEIR_FLOAT64, weir_on(WEIR_GPU_DEVICE(g_k))), WEIR_ERR_UNSUPPORTED);
  weir_array *list[] = {x, y64, s64, y32, o};
  for (int i = 0; i < 5; i++) weir_array_free(list[i]);
  CHECK_OK(weir_set_default_device(prev));
}

static void test_host_reads(void) {
  const int32_t iv[3] = {2, -3, 40};
  const float fv[4] = {0.5f, -1.25f, 3.0f, 1e-3f};
  weir_array *xi = NULL, *xf = NULL, *c = NULL, *g = NULL;
  CHECK_OK(weir_array_from_data(&xi, iv, (const int64_t[]){3}, 1, WEIR_INT32));
  CHECK_OK(weir_array_from_data(&xf, fv, (const int64_t[]){2, 2}, 2, WEIR_FLOAT32));
  /* tostring of a GPU result is the CPU's */
  if (RUN2(c, g, weir_multiply, xi, xi)) {
    char *sc = NULL, *sg = NULL;
    if (CHECK_OK(weir_array_tostring(c, &sc)) && CHECK_OK(weir_array_tostring(g, &sg))) CHECK_STR(sg, sc);
    free(sc);
    free(sg);
  }
  free2(&c, &g);
  if (RUN2(c, g, weir_add, xf, xf)) {
    char *sc = NULL, *sg = NULL;
    if (CHECK_OK(weir_array_tostring(c, &sc)) && CHECK_OK(weir_array_tostring(g, &sg))) CHECK_STR(sg, sc);
    free(sc);
    free(sg);
  }
  free2(&c, &g);
  /* item of GPU reductions */
  double d = 0;
  int64_t v = 0;
  if (CHECK_OK(weir_sum(&g, xi, NULL, 0, false, g_gs)) && CHECK_OK(weir_array_item_int64(g, &v))) CHECK_EQ_INT(v, 39);
  weir_array_free(g);
  g = NULL;
  if (CHECK_OK(weir_max(&g, xf, NULL, 0, false, g_gs)) && CHECK_OK(weir_array_item_double(g, &d)))
    CHECK_CLOSE(d, 3.0, 0);
  weir_array_free(g);
  g = NULL;
  /* data of a GPU array read twice (the host copy stays valid), and of a 0-d GPU result */
  const void *p = NULL, *q = NULL;
  if (CHECK_OK(weir_negative(&g, xf, g_gs)) && CHECK_OK(weir_array_data(g, &p)) && CHECK_OK(weir_array_data(g, &q))) {
    for (int i = 0; i < 4; i++) CHECK_CLOSE(((const float *)p)[i], -fv[i], 0);
    CHECK(memcmp(p, q, sizeof fv) == 0);
  }
  weir_array_free(g);
  g = NULL;
  if (CHECK_OK(weir_full(&g, NULL, 0, 7.0, WEIR_INT16, g_gs)) && CHECK_OK(weir_array_item_int64(g, &v)))
    CHECK_EQ_INT(v, 7);
  weir_array_free(g);
  weir_array_free(xi);
  weir_array_free(xf);
}

static void test_device_info(void) {
  weir_device_info *info = NULL;
  if (!CHECK_OK(weir_device_info_get(WEIR_GPU_DEVICE(g_k), &info)) || !info) return;
  int64_t total = 0, fr = -1, maj = 0, min = -1, sms = 0;
  CHECK_OK(weir_device_info_int(info, "total_memory", &total));
  CHECK_OK(weir_device_info_int(info, "free_memory", &fr));
  CHECK_OK(weir_device_info_int(info, "compute_capability_major", &maj));
  CHECK_OK(weir_device_info_int(info, "compute_capability_minor", &min));
  CHECK_OK(weir_device_info_int(info, "multiprocessor_count", &sms));
  CHECK_MSG(total > ((int64_t)1 << 30), "gpu:%d total_memory %lld", g_k, (long long)total);
  CHECK_MSG(fr > 0 && fr <= total, "gpu:%d free_memory %lld, total %lld", g_k, (long long)fr, (long long)total);
  CHECK_MSG(maj >= 3 && maj < 100 && min >= 0 && min < 10, "gpu:%d compute capability %lld.%lld", g_k, (long long)maj,
            (long long)min);
  CHECK_MSG(sms > 0 && sms < 10000, "gpu:%d multiprocessor_count %lld", g_k, (long long)sms);
  const char *name = weir_device_info_string(info, "device_name"),
             *arch = weir_device_info_string(info, "architecture");
  const char *uuid = weir_device_info_string(info, "uuid"), *pci = weir_device_info_string(info, "pci_bus_id");
  CHECK_MSG(name && name[0], "gpu:%d device_name \"%s\"", g_k, name ? name : "(null)");
  char want[32];
  snprintf(want, sizeof want, "sm_%lld%lld", (long long)maj, (long long)min);
  CHECK_STR(arch, want); /* e.g. "sm_90" */
  CHECK_MSG(uuid && strncmp(uuid, "GPU-", 4) == 0 && strlen(uuid) == 40, "gpu:%d uuid \"%s\"", g_k,
            uuid ? uuid : "(null)");
  CHECK_MSG(pci && strchr(pci, ':'), "gpu:%d pci_bus_id \"%s\"", g_k, pci ? pci : "(null)");
  CHECK(weir_device_info_is_string(info, "device_name"));
  CHECK(!weir_device_info_is_string(info, "total_memory"));
  /* uuids tell the GPUs apart */
  if (g_k > 0 && uuid) {
    weir_device_info *i0 = NULL;
    if (CHECK_OK(weir_device_info_get(WEIR_GPU_DEVICE(0), &i0)) && i0) {
      const char *u0 = weir_device_info_string(i0, "uuid");
      CHECK_MSG(u0 && strcmp(u0, uuid) != 0, "gpu:%d has gpu:0's uuid %s", g_k, uuid);
      weir_device_info_free(i0);
    }
  }
  weir_device_info_free(info);
}

/* floor_divide, remainder, bitwise ops and shifts: exact on every dtype that takes them, with
   zero divisors, MIN // -1 and float specials among the random bits; arctan2 within 1 ulp. */
static void test_divmod_bits(void) {
  static const bin_op divmod[] = {OP(floor_divide), OP(remainder)};
  static const bin_op bits[] = {OP(bitwise_and), OP(bitwise_or), OP(bitwise_xor)};
  static const bin_op shifts[] = {OP(left_shift), OP(right_shift)};
  for (int pi = 0; pi < NPAIRS; pi++)
    for (int ti = 0; ti < NALL; ti++) {
      weir_dtype t = kAll[ti];
      const shp *sa = &kPairs[pi][0], *sb = &kPairs[pi][1];
      weir_array *a = NULL, *b = NULL, *small = NULL;
      rand_pair(t, sa, sb, &a, &b);
      for (int o = 0; o < 2 && a && b; o++) CMP2(EXACT, divmod[o].f, (a, b), "%s %s", divmod[o].name, weir_dtype_name(t));
      if (h_is_float(t)) {
        if (a && b) CMP2(ulps(1), weir_arctan2, (a, b), "arctan2 %s", weir_dtype_name(t));
      } else {
        for (int o = 0; o < 3 && a && b; o++) CMP2(EXACT, bits[o].f, (a, b), "%s %s", bits[o].name, weir_dtype_name(t));
        /* shift amounts mostly within [0, bits), some outside (those give 0 or -1) */
        if (t != WEIR_BOOL) small = ranged(t, sb, -2, 8.0 * (double)weir_dtype_size(t) + 2, NULL);
        for (int o = 0; o < 2 && a && b && small; o++) {
          CMP2(EXACT, shifts[o].f, (a, small), "%s %s", shifts[o].name, weir_dtype_name(t));
          CMP2(EXACT, shifts[o].f, (a, b), "%s %s, any amount", shifts[o].name, weir_dtype_name(t));
        }
        if (a) CMP2(EXACT, weir_bitwise_invert, (a), "bitwise_invert %s", weir_dtype_name(t));
      }
      weir_array_free(a);
      weir_array_free(b);
      weir_array_free(small);
    }
}

static void run_tests(void) {
  H_RUN(test_device_info);
  H_RUN(test_float64_refused);
  H_RUN(test_float64_default_goes_to_cpu);
  H_RUN(test_host_reads);
  H_RUN(test_unary_exact);
  H_RUN(test_unary_float);
  H_RUN(test_binary_exact);
  H_RUN(test_divide_power);
  H_RUN(test_divmod_bits);
  H_RUN(test_strided);
  H_RUN(test_slice);
  H_RUN(test_astype_copy);
}

int main(void) { return gpu_main("test_gpu_ops", run_tests); }
