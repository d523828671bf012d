/* Shared by the GPU-against-CPU tests (test_gpu_ops.c, test_gpu_ops_linalg.c): the GPU under test
   and a stream on it, dtype lists and shapes, random host-made inputs, the element-by-element
   comparison of a CPU result with a GPU one (exact or within a tolerance), RUN2/CMP2 to run an op
   on both and compare, and gpu_main, which runs a program's tests on every GPU (skipping, 77,
   without one). Header-only, after harness.h; each test binary includes it once. Functions are
   static inline and the data static const (not reported unused from a header), so a binary that
   uses only some of them builds without warnings. */
#ifndef WEIR_TESTS_GPU_COMPARE_H
#define WEIR_TESTS_GPU_COMPARE_H

#include "harness.h"

#define CPUS weir_on(WEIR_CPU_DEVICE)

static int g_ngpu, g_k;  /* the GPU under test (set by gpu_main) */
static weir_stream g_gs; /* a new stream on it */

static const weir_dtype kAll[] = {WEIR_BOOL,  WEIR_UINT8, WEIR_UINT16, WEIR_UINT32,  WEIR_UINT64,   WEIR_INT8,
                                  WEIR_INT16, WEIR_INT32, WEIR_INT64,  WEIR_FLOAT16, WEIR_BFLOAT16, WEIR_FLOAT32};
#define NALL ((int)(sizeof kAll / sizeof kAll[0]))
static const weir_dtype kFloats[] = {WEIR_FLOAT32, WEIR_FLOAT16, WEIR_BFLOAT16};

typedef struct {
  int nd;
  int64_t s[4];
} shp;
static inline int64_t shp_size(const shp *s) {
  int64_t n = 1;
  for (int i = 0; i < s->nd; i++) n *= s->s[i];
  return n;
}
static const shp kSizes[] = {{0, {0}}, {1, {0}}, {1, {1}}, {1, {7}}, {2, {25, 40}}, {1, {1 << 20}}};
#define NSIZES ((int)(sizeof kSizes / sizeof kSizes[0]))

/* ---- inputs ---- */

/* A value of t that is not an ordinary number: NaN, +-inf, +-0, a subnormal, a near-overflow one. */
static inline double special(weir_dtype t) {
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
static inline void *rand_raw(weir_dtype t, int64_t n, double lo, double hi, bool specials) {
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

static inline weir_array *from_raw(const void *buf, weir_dtype t, const shp *s) {
  weir_array *a = NULL;
  if (!CHECK_OK(weir_array_from_data(&a, buf, s->nd ? s->s : NULL, s->nd, t))) return NULL;
  return a;
}

static inline weir_array *rand_array(weir_dtype t, const shp *s, double lo, double hi, bool specials) {
  void *buf = rand_raw(t, shp_size(s), lo, hi, specials);
  weir_array *a = from_raw(buf, t, s);
  free(buf);
  return a;
}

/* Random values in [lo, hi] (integers: clamped to t's range) as an array; values to v if given. */
static inline weir_array *ranged(weir_dtype t, const shp *s, double lo, double hi, double *v) {
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
static inline tol ulps(double n) { return (tol){false, n, 0, NULL}; }
static inline tol rel(double r, double n_ulps, const double *scale) { return (tol){false, n_ulps, r, scale}; }

static inline bool same_element(const void *x, const void *y, weir_dtype t, int64_t i) {
  if (t == WEIR_BOOL) return (((const uint8_t *)x)[i] != 0) == (((const uint8_t *)y)[i] != 0);
  if (h_is_float(t) && isnan(h_load(x, t, i)) && isnan(h_load(y, t, i))) return true; /* any payload */
  size_t es = weir_dtype_size(t);
  return memcmp((const char *)x + (size_t)i * es, (const char *)y + (size_t)i * es, es) == 0;
}

/* The CPU result c against the GPU result g: same dtype and shape, then every element within tl.
   Both are evaluated together (the CPU and the GPU work overlap), then read on the host. */
__attribute__((format(printf, 4, 5))) static inline bool compare(weir_array *c, weir_array *g, tol tl,
                                                                  const char *fmt, ...) {
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
static inline bool both_ok(weir_status sc, weir_status sg, const weir_array *g, const char *fn) {
  if (!CHECK_MSG(sc == sg, "gpu:%d %s: the CPU call gave %s, the GPU call %s (\"%s\")", g_k, fn, weir_status_name(sc),
                 weir_status_name(sg), weir_last_error()))
    return false;
  if (sg == WEIR_OK && g)
    CHECK_MSG(h_stream_is(weir_array_stream(g), g_gs), "gpu:%d %s: result not on the GPU stream", g_k, fn);
  return sc == WEIR_OK;
}
#define RUN2(c, g, fn, ...) both_ok(fn(&(c), __VA_ARGS__, CPUS), fn(&(g), __VA_ARGS__, g_gs), (g), #fn)

static inline void free2(weir_array **c, weir_array **g) {
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

/* ---- the loop over GPUs ---- */

/* A program's main: the seed line, then SKIP (77) without a GPU; else, for every GPU k, a new
   stream g_gs on it (g_k = k) and `tests` (its H_RUN lines), then the stream synchronized and
   freed. Returns the exit status. */
static inline int gpu_main(const char *name, void (*tests)(void)) {
  h_init(name);
  g_ngpu = weir_device_count(WEIR_GPU);
  if (g_ngpu == 0) return h_skip("no GPU (weir_device_count(WEIR_GPU) == 0)");
  for (int k = 0; k < g_ngpu; k++) {
    g_k = k;
    if (!CHECK_OK(weir_stream_new(WEIR_GPU_DEVICE(k), &g_gs))) continue;
    printf("-- gpu:%d (stream %d)\n", k, g_gs.index);
    tests();
    CHECK_OK(weir_synchronize(g_gs));
    CHECK_OK(weir_stream_free(g_gs));
  }
  return h_finish();
}

#endif
