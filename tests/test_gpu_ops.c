/* The GPU backend against the CPU: every op, on every GPU, on fresh random inputs (made on the
   host, so every GPU op also exercises the host-to-device copy), run on a GPU stream and on the
   CPU and compared after reading both back on the host (device-to-host copy):
   - exact: astype (every pair without float64), copy, abs/negative/square, add/subtract/multiply/
     maximum/minimum (IEEE, with NaN, inf, -0 and subnormals), comparisons, logical ops, integer
     power, float32 divide, random bits/split/uniform, integer
     reductions, max/min/argmax/argmin;
   - <= 2 ulp float32 (1 ulp float16/bfloat16): exp log sin cos tanh sqrt sigmoid;
   - normal: <= 4 ulp or rel 1e-6 (its erfinv may use FMA on the GPU); float power: rel 1e-6;
     float32 sum/mean: rel 1e-5 of sum |x|;
   - matmul (2-D, batched, broadcast batch, 1-D, transposed, empty): rel Frobenius error against a
     float64 reference, 1e-4 float32, 1e-2 float16/bfloat16; float32 with TF32 allowed (5e-3) and
     not (1e-5), each node keeping the setting it was built with;
   with broadcasting, transposed (strided) inputs, reshape, slices (negative steps, clamped bounds,
   empty results, of transposed results and of slices), sizes 0, 1, 7, 1000, 1<<20 and 0-d.
   Also float64 refused at the call on a GPU stream (and moved to the CPU when no stream is named),
   item/tostring of GPU results, device info.
   Skips (77) without a GPU. */
#include "harness.h"

#define CPUS weir_on(WEIR_CPU_DEVICE)

static int g_ngpu, g_k;  /* the GPU under test */
static weir_stream g_gs; /* a new stream on it */

static const weir_dtype kAll[] = {WEIR_BOOL,  WEIR_UINT8, WEIR_UINT16, WEIR_UINT32,  WEIR_UINT64,   WEIR_INT8,
                                  WEIR_INT16, WEIR_INT32, WEIR_INT64,  WEIR_FLOAT16, WEIR_BFLOAT16, WEIR_FLOAT32};
#define NALL ((int)(sizeof kAll / sizeof kAll[0]))
static const weir_dtype kFloats[] = {WEIR_FLOAT32, WEIR_FLOAT16, WEIR_BFLOAT16};

typedef struct {
  int nd;
  int64_t s[4];
} shp;
static int64_t shp_size(const shp *s) {
  int64_t n = 1;
  for (int i = 0; i < s->nd; i++) n *= s->s[i];
  return n;
}
static const shp kSizes[] = {{0, {0}}, {1, {0}}, {1, {1}}, {1, {7}}, {2, {25, 40}}, {1, {1 << 20}}};
#define NSIZES ((int)(sizeof kSizes / sizeof kSizes[0]))

/* ---- inputs ---- */

/* A value of t that is not an ordinary number: NaN, +-inf, +-0, a subnormal, a near-overflow one. */
static double special(weir_dtype t) {
  switch (h_rand_int(0, 6)) {
  case 0: return NAN;
  case 1: return INFINITY;
  case 2: return -INFINITY;
  case 3: return 0.0;
  case 4: return -0.0;
  case 5: return t == WEIR_FLOAT16 ? ldexp(3, -22) : t == WEIR_BFLOAT16 ? ldexp(5, -130) : 1e-40;
  default: return t == WEIR_FLOAT16 ? -60000.0 : 3e38;
  }
}

/* n elements of t as raw storage: integers over their whole range, bool 0/1, floats uniform in
   [lo, hi) rounded to t, with about one in 16 replaced by special(t) when `specials`. */
static void *rand_raw(weir_dtype t, int64_t n, double lo, double hi, bool specials) {
  size_t es = weir_dtype_size(t);
  unsigned char *buf = malloc((size_t)(n > 0 ? n : 1) * es);
  for (int64_t i = 0; i < n; i++) {
    if (t == WEIR_BOOL) {
      buf[i] = (unsigned char)(h_rand_u64() & 1);
    } else if (!h_is_float(t)) {
      uint64_t r = h_rand_u64();
      memcpy(buf + (size_t)i * es, &r, es); /* the low bytes (little-endian) */
    } else {
      double v = h_round_to(t, h_rand_range(lo, hi));
      if (specials && h_rand_int(0, 15) == 0) v = special(t);
      h_store(buf, t, i, v);
    }
  }
  return buf;
}

static weir_array *from_raw(const void *buf, weir_dtype t, const shp *s) {
  weir_array *a = NULL;
  if (!CHECK_OK(weir_array_from_data(&a, buf, s->nd ? s->s : NULL, s->nd, t))) return NULL;
  return a;
}

static weir_array *rand_array(weir_dtype t, const shp *s, double lo, double hi, bool specials) {
  void *buf = rand_raw(t, shp_size(s), lo, hi, specials);
  weir_array *a = from_raw(buf, t, s);
  free(buf);
  return a;
}

/* Random values in [lo, hi] (integers: clamped to t's range) as an array; values to v if given. */
static weir_array *ranged(weir_dtype t, const shp *s, double lo, double hi, double *v) {
  int64_t n = shp_size(s);
  double *tmp = v ? v : malloc(sizeof(double) * (size_t)(n + 1));
  if (h_is_unsigned(t) && lo < 0) lo = 0;
  if (t == WEIR_INT8 && lo < -128) lo = -128;
  if (t == WEIR_INT8 && hi > 127) hi = 127;
  if (t == WEIR_UINT8 && hi > 255) hi = 255;
  h_rand_vals(tmp, n, t, lo, hi);
  weir_array *a = h_make(t, s->nd ? s->s : NULL, s->nd, tmp);
  if (!v) free(tmp);
  return a;
}

/* ---- comparison ---- */

typedef struct {
  bool exact;
  double ulps; /* |g - c| <= ulps units in the last place of the dtype at max(|g|, |c|) */
  double rel;  /* or <= rel * (scale ? scale[i] : |c|) */
  const double *scale;
} tol;
static const tol EXACT = {true, 0, 0, NULL};
static tol ulps(double n) { return (tol){false, n, 0, NULL}; }
static tol rel(double r, double n_ulps, const double *scale) { return (tol){false, n_ulps, r, scale}; }

static bool same_element(const void *x, const void *y, weir_dtype t, int64_t i) {
  if (t == WEIR_BOOL) return (((const uint8_t *)x)[i] != 0) == (((const uint8_t *)y)[i] != 0);
  if (h_is_float(t) && isnan(h_load(x, t, i)) && isnan(h_load(y, t, i))) return true; /* any payload */
  size_t es = weir_dtype_size(t);
  return memcmp((const char *)x + (size_t)i * es, (const char *)y + (size_t)i * es, es) == 0;
}

/* The CPU result c against the GPU result g: same dtype and shape, then every element within tl.
   Both are evaluated together (the CPU and the GPU work overlap), then read on the host. */
__attribute__((format(printf, 4, 5))) static bool compare(weir_array *c, weir_array *g, tol tl, const char *fmt, ...) {
  char what[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  if (!c || !g) return CHECK_MSG(false, "gpu:%d %s: no result to compare", g_k, what);
  weir_dtype t = weir_array_dtype(c);
  if (!CHECK_MSG(weir_array_dtype(g) == t, "gpu:%d %s: dtype cpu %s, gpu %s", g_k, what, weir_dtype_name(t),
                 weir_dtype_name(weir_array_dtype(g))))
    return false;
  if (!CHECK_MSG(h_shape_is(g, weir_array_ndim(c), weir_array_shape(c)),
                 "gpu:%d %s: shape differs (ndim cpu %d, gpu %d)", g_k, what, weir_array_ndim(c), weir_array_ndim(g)))
    return false;
  weir_array *both[2] = {c, g};
  if (!CHECK_MSG(weir_eval(both, 2) == WEIR_OK, "gpu:%d %s: eval: %s", g_k, what, weir_last_error())) return false;
  const void *x = NULL, *y = NULL;
  if (!CHECK_MSG(weir_array_data(c, &x) == WEIR_OK, "gpu:%d %s: cpu data: %s", g_k, what, weir_last_error()) ||
      !CHECK_MSG(weir_array_data(g, &y) == WEIR_OK, "gpu:%d %s: gpu data: %s", g_k, what, weir_last_error()))
    return false;
  int64_t n = weir_array_size(c), bad = 0, first = -1;
  for (int64_t i = 0; i < n; i++) {
    bool ok;
    if (tl.exact) {
      ok = same_element(x, y, t, i);
    } else {
      double a = h_load(x, t, i), b = h_load(y, t, i);
      if (isnan(a) || isnan(b))
        ok = isnan(a) && isnan(b);
      else if (isinf(a) || isinf(b))
        ok = a == b;
      else {
        double allow = tl.ulps * h_ulp(t, fmax(fabs(a), fabs(b)));
        double r = tl.rel * (tl.scale ? tl.scale[i] : fabs(a));
        ok = fabs(a - b) <= (r > allow ? r : allow);
      }
    }
    if (!ok && bad++ == 0) first = i;
  }
  if (bad == 0) return CHECK(true);
  return CHECK_MSG(false,
                   "gpu:%d %s [%s, %lld elements, %s]: %lld differ from the CPU; first at %lld: cpu %.9g, gpu %.9g",
                   g_k, what, weir_dtype_name(t), (long long)n, tl.exact ? "exact" : "tolerance", (long long)bad,
                   (long long)first, h_load(x, t, first), h_load(y, t, first));
}

/* Runs `fn(&out, args..., stream)` on the CPU and on the GPU stream: both calls must agree on the
   status, and the GPU result must be on the GPU stream. True when both succeeded. */
static bool both_ok(weir_status sc, weir_status sg, const weir_array *g, const char *fn) {
  if (!CHECK_MSG(sc == sg, "gpu:%d %s: the CPU call gave %s, the GPU call %s (\"%s\")", g_k, fn, weir_status_name(sc),
                 weir_status_name(sg), weir_last_error()))
    return false;
  if (sg == WEIR_OK && g)
    CHECK_MSG(h_stream_is(weir_array_stream(g), g_gs), "gpu:%d %s: result not on the GPU stream", g_k, fn);
  return sc == WEIR_OK;
}
#define RUN2(c, g, fn, ...) both_ok(fn(&(c), __VA_ARGS__, CPUS), fn(&(g), __VA_ARGS__, g_gs), (g), #fn)

static void free2(weir_array **c, weir_array **g) {
  weir_array_free(*c);
  weir_array_free(*g);
  *c = *g = NULL;
}

/* RUN2 with the arguments in parentheses, then compare (message: printf arguments), then free. */
#define UNPAREN(...) __VA_ARGS__
#define CMP2(tl, fn, args, ...)                                                                                        \
  do {                                                                                                                 \
    weir_array *c_ = NULL, *g_ = NULL;                                                                                 \
    if (RUN2(c_, g_, fn, UNPAREN args)) compare(c_, g_, (tl), __VA_ARGS__);                                            \
    free2(&c_, &g_);                                                                                                   \
  } while (0)

typedef weir_status (*un_fn)(weir_array **, const weir_array *, weir_stream);
typedef weir_status (*bin_fn)(weir_array **, const weir_array *, const weir_array *, weir_stream);
typedef struct {
  const char *name;
  un_fn f;
} un_op;
typedef struct {
  const char *name;
  bin_fn f;
} bin_op;
#define OP(n) {#n, weir_##n}

/* ---- elementwise ---- */

static void test_unary_exact(void) {
  static const un_op ops[] = {OP(abs), OP(negative), OP(square), OP(logical_not)};
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
             {OP(tanh), -5, 5}, {OP(sqrt), 0, 1e4},   {OP(sigmoid), -20, 20}};
  static const weir_dtype ts[] = {WEIR_FLOAT32, WEIR_FLOAT16, WEIR_BFLOAT16, WEIR_INT32, WEIR_UINT8};
  static const shp sizes[] = {{0, {0}}, {1, {7}}, {2, {10, 100}}, {1, {1 << 20}}};
  for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
    for (size_t ti = 0; ti < sizeof ts / sizeof ts[0]; ti++)
      for (size_t si = 0; si < 4; si++) {
        if (si == 3 && ts[ti] != WEIR_FLOAT32) continue;
        weir_array *x = ranged(ts[ti], &sizes[si], ops[o].lo, ops[o].hi, NULL);
        /* integers compute in float32: 2 ulp; float16/bfloat16 round once to their format: 1 ulp */
        tol tl = ulps(ts[ti] == WEIR_FLOAT16 || ts[ti] == WEIR_BFLOAT16 ? 1 : 2);
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

int main(void) {
  h_init("test_gpu_ops");
  g_ngpu = weir_device_count(WEIR_GPU);
  if (g_ngpu == 0) return h_skip("no GPU (weir_device_count(WEIR_GPU) == 0)");
  for (int k = 0; k < g_ngpu; k++) {
    g_k = k;
    if (!CHECK_OK(weir_stream_new(WEIR_GPU_DEVICE(k), &g_gs))) continue;
    printf("-- gpu:%d (stream %d)\n", k, g_gs.index);
    H_RUN(test_device_info);
    H_RUN(test_float64_refused);
    H_RUN(test_float64_default_goes_to_cpu);
    H_RUN(test_host_reads);
    H_RUN(test_unary_exact);
    H_RUN(test_unary_float);
    H_RUN(test_binary_exact);
    H_RUN(test_divide_power);
    H_RUN(test_strided);
    H_RUN(test_slice);
    H_RUN(test_astype_copy);
    H_RUN(test_reductions);
    H_RUN(test_matmul);
    H_RUN(test_matmul_tf32);
    H_RUN(test_random);
    CHECK_OK(weir_synchronize(g_gs));
    CHECK_OK(weir_stream_free(g_gs));
  }
  return h_finish();
}
