/* weir test harness: checks that record failures and keep going, a seeded PRNG, independent
   float16/bfloat16 rounding, and helpers to build and read arrays. Header-only; each test binary
   includes it once.

   Every binary ends with the line "N passed, M failed" (N, M count checks) and exits 0 when
   M == 0, 1 otherwise, or 77 after printing "SKIP: reason".

   Environment:
     WEIR_TEST_SEED=n     reuse a seed printed by an earlier run (default: time and pid)
     WEIR_TEST_SCALE=x    scale the big loops (1M-op chain, 10,000-step loops, thread counts of
                          work) by x; e.g. 0.1 under ThreadSanitizer. Default 1.
     WEIR_TEST_TIMEOUT=s  watchdog: a binary that runs longer fails with "TIMEOUT" (default 290).
     WEIR_TEST_ONLY=a,b   run only the test functions whose names contain one of the words
                          (e.g. under compute-sanitizer, one test at a time). */
#ifndef WEIR_TESTS_HARNESS_H
#define WEIR_TESTS_HARNESS_H

#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__GLIBC__) || __has_include(<execinfo.h>)
#include <execinfo.h>
#define H_HAVE_BACKTRACE 1
#endif

#include <weir/weir.h>

typedef struct h_state_s {
  long passed, failed, printed;
  uint64_t seed, rng;
  const char *test; /* current test case */
  long case_failed;
} h_state_s;
static h_state_s h_state __attribute__((unused));

#define H_MAX_PRINTED 60 /* failure lines printed; later ones are only counted */

__attribute__((format(printf, 4, 5))) static inline bool h_record(bool ok, const char *file, int line,
                                                                  const char *fmt, ...) {
  if (ok) {
    h_state.passed++;
    return true;
  }
  h_state.failed++;
  h_state.case_failed++;
  if (h_state.printed++ < H_MAX_PRINTED) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FAIL %s:%d [%s] ", file, line, h_state.test ? h_state.test : "-");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
  } else if (h_state.printed == H_MAX_PRINTED + 1) {
    fprintf(stderr, "(further failures are counted, not printed)\n");
  }
  return false;
}

#define CHECK(cond) h_record(!!(cond), __FILE__, __LINE__, "%s", #cond)
#define CHECK_MSG(cond, ...) h_record(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_EQ_INT(a, b)                                                                          \
  do {                                                                                              \
    long long h_a_ = (long long)(a), h_b_ = (long long)(b);                                         \
    h_record(h_a_ == h_b_, __FILE__, __LINE__, "%s == %s: %lld vs %lld", #a, #b, h_a_, h_b_);        \
  } while (0)
#define CHECK_EQ_U64(a, b)                                                                          \
  do {                                                                                              \
    unsigned long long h_a_ = (unsigned long long)(a), h_b_ = (unsigned long long)(b);              \
    h_record(h_a_ == h_b_, __FILE__, __LINE__, "%s == %s: %llu vs %llu", #a, #b, h_a_, h_b_);        \
  } while (0)
#define CHECK_CLOSE(a, b, tol)                                                                      \
  do {                                                                                              \
    double h_a_ = (double)(a), h_b_ = (double)(b), h_t_ = (double)(tol);                            \
    h_record(fabs(h_a_ - h_b_) <= h_t_ || (isnan(h_a_) && isnan(h_b_)) || h_a_ == h_b_, __FILE__,  \
             __LINE__, "%s ~ %s: %.17g vs %.17g (tol %.3g)", #a, #b, h_a_, h_b_, h_t_);              \
  } while (0)
#define CHECK_STR(a, b)                                                                             \
  do {                                                                                              \
    const char *h_a_ = (a), *h_b_ = (b);                                                            \
    h_record(h_a_ && h_b_ && strcmp(h_a_, h_b_) == 0, __FILE__, __LINE__, "%s == %s: \"%s\" vs \"%s\"", \
             #a, #b, h_a_ ? h_a_ : "(null)", h_b_ ? h_b_ : "(null)");                               \
  } while (0)
/* Evaluates a weir call once; true when it returned WEIR_OK. */
#define CHECK_OK(expr) h_check_status((expr), WEIR_OK, __FILE__, __LINE__, #expr)
#define CHECK_STATUS(expr, st) h_check_status((expr), (st), __FILE__, __LINE__, #expr)

static inline bool h_check_status(weir_status got, weir_status want, const char *file, int line,
                                  const char *expr) {
  if (got == want) return h_record(true, file, line, "%s", expr);
  return h_record(false, file, line, "%s returned %s, expected %s (last error: \"%s\")", expr,
                  weir_status_name(got), weir_status_name(want), weir_last_error());
}

/* True when the thread's last error message contains every given (non-NULL) needle,
   case-insensitively. */
static inline bool h_error_mentions(const char *needle) {
  const char *msg = weir_last_error();
  if (!msg || !needle) return false;
  size_t n = strlen(needle);
  for (const char *p = msg; *p; p++) {
    size_t i = 0;
    while (i < n && p[i] && (p[i] | 0x20) == (needle[i] | 0x20)) i++;
    if (i == n) return true;
  }
  return n == 0;
}
#define CHECK_ERR_MENTIONS(needle)                                                                  \
  h_record(h_error_mentions(needle), __FILE__, __LINE__, "last error should mention \"%s\": \"%s\"", \
           (needle), weir_last_error())

/* ---- PRNG (splitmix64) ---- */
static inline uint64_t h_rand_u64(void) {
  uint64_t z = (h_state.rng += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static inline double h_rand01(void) { return (double)(h_rand_u64() >> 11) * 0x1p-53; }
static inline double h_rand_range(double lo, double hi) { return lo + (hi - lo) * h_rand01(); }
static inline int64_t h_rand_int(int64_t lo, int64_t hi) { /* inclusive */
  return lo + (int64_t)(h_rand_u64() % (uint64_t)(hi - lo + 1));
}

static inline double h_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline double h_scale(void) {
  const char *s = getenv("WEIR_TEST_SCALE");
  double v = s ? atof(s) : 1.0;
  return v > 0 ? v : 1.0;
}
static inline long h_scaled(long n) {
  double v = (double)n * h_scale();
  return v < 1 ? 1 : (long)v;
}

static void h_on_alarm(int sig) {
  (void)sig;
  static const char msg[] = "TIMEOUT: the test binary ran past WEIR_TEST_TIMEOUT (hang?)\n0 passed, 1 failed\n";
  ssize_t r = write(2, msg, sizeof msg - 1);
  (void)r;
  _exit(1);
}

/* A crash prints the test case and a backtrace to stderr, then dies of the same signal (so the
   exit status and a core dump are what they would have been). Only async-signal-safe calls, but
   backtrace(), which h_init calls once so its first-use loading is done before any crash. */
static void h_on_crash(int sig) {
  static const char head[] = "\n*** fatal signal ";
  char num[2] = {(char)('0' + sig / 10 % 10), (char)('0' + sig % 10)}; /* signals are < 100 */
  ssize_t w_ __attribute__((unused));
  w_ = write(2, head, sizeof head - 1);
  w_ = write(2, num + (sig < 10), sig < 10 ? 1 : 2);
  if (h_state.test) {
    w_ = write(2, " in test ", 9);
    w_ = write(2, h_state.test, strlen(h_state.test));
  }
  w_ = write(2, "; backtrace:\n", 13);
#ifdef H_HAVE_BACKTRACE
  void *frames[64];
  int n = backtrace(frames, 64);
  backtrace_symbols_fd(frames, n, 2);
#endif
  signal(sig, SIG_DFL);
  raise(sig);
}

static inline void h_install_crash_handlers(void) {
#ifdef H_HAVE_BACKTRACE
  void *warm[1];
  (void)backtrace(warm, 1);
#endif
  static const int sigs[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
    struct sigaction old;
    /* leave a handler someone installed already (a sanitizer's report is better than ours) */
    if (sigaction(sigs[i], NULL, &old) != 0 || (old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL) continue;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h_on_crash;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND | SA_NODEFER; /* the re-raise in the handler then takes effect at once */
    sigaction(sigs[i], &sa, NULL);
  }
}

/* Call first in main. */
static inline void h_init(const char *name) {
  /* Line-buffered even into a file or pipe, so the progress printed before a crash survives it. */
  setvbuf(stdout, NULL, _IOLBF, 0);
  h_install_crash_handlers();
  const char *s = getenv("WEIR_TEST_SEED");
  h_state.seed = s ? strtoull(s, NULL, 0) : ((uint64_t)time(NULL) * 1000003u) ^ ((uint64_t)getpid() << 20);
  h_state.rng = h_state.seed;
  printf("%s: seed %llu (rerun with WEIR_TEST_SEED=%llu), scale %g\n", name, (unsigned long long)h_state.seed,
         (unsigned long long)h_state.seed, h_scale());
  fflush(stdout);
  const char *t = getenv("WEIR_TEST_TIMEOUT");
  signal(SIGALRM, h_on_alarm);
  alarm((unsigned)(t ? atoi(t) : 290));
}

/* Runs one test case, reporting its failures. */
/* WEIR_TEST_ONLY: a comma-separated list of words; a test runs when its name contains one. */
static inline bool h_selected(const char *name) {
  const char *only = getenv("WEIR_TEST_ONLY");
  if (!only || !*only) return true;
  while (*only) {
    size_t n = strcspn(only, ",");
    for (const char *p = name; n && *p; p++)
      if (strncmp(p, only, n) == 0) return true;
    only += n + (only[n] == ',');
  }
  return false;
}

static inline void h_run(const char *name, void (*fn)(void)) {
  if (!h_selected(name)) return;
  h_state.test = name;
  h_state.case_failed = 0;
  double t0 = h_now();
  fn();
  printf("%-44s %s (%.2f s)\n", name, h_state.case_failed ? "FAILED" : "ok", h_now() - t0);
  fflush(stdout);
  h_state.test = NULL;
}
#define H_RUN(fn) h_run(#fn, fn)

static inline int h_finish(void) {
  fflush(stderr);
  printf("%ld passed, %ld failed\n", h_state.passed, h_state.failed);
  fflush(stdout);
  return h_state.failed ? 1 : 0;
}
static inline int h_skip(const char *reason) {
  printf("SKIP: %s\n", reason);
  fflush(stdout);
  return 77;
}

/* ---- independent float16 / bfloat16 / float32 rounding (round to nearest, ties to even) ----
   A format with p significand bits (incl. the implicit one), minimum normal exponent emin and
   maximum exponent emax. */
static inline double h_round_fmt(double x, int p, int emin, int emax) {
  if (isnan(x) || isinf(x) || x == 0) return x;
  double a = fabs(x);
  int e;
  frexp(a, &e);              /* a in [2^(e-1), 2^e) */
  int E = e - 1;
  if (E < emin) E = emin;    /* subnormal: fixed quantum */
  double q = ldexp(1.0, E - (p - 1));
  double r = rint(a / q) * q; /* rint: ties to even under the default rounding mode */
  double maxv = ldexp(2.0 - ldexp(1.0, 1 - p), emax);
  if (r > maxv) r = INFINITY;
  return x < 0 ? -r : r;
}
static inline double h_round_f16(double x) { return h_round_fmt(x, 11, -14, 15); }
static inline double h_round_bf16(double x) { return h_round_fmt(x, 8, -126, 127); }
static inline double h_round_f32(double x) { return h_round_fmt(x, 24, -126, 127); }

/* Encodes an exactly representable value (after h_round_fmt) as bits. */
static inline uint16_t h_encode_fmt16(double v, int p, int emin, int ebits) {
  uint16_t sign = signbit(v) ? 0x8000 : 0;
  int mbits = p - 1, bias = (1 << (ebits - 1)) - 1;
  double a = fabs(v);
  if (isnan(v)) return (uint16_t)(((1u << ebits) - 1) << mbits | (1u << (mbits - 1)));
  if (isinf(v)) return (uint16_t)(sign | ((1u << ebits) - 1) << mbits);
  if (a < ldexp(1.0, emin)) return (uint16_t)(sign | (uint16_t)(a / ldexp(1.0, emin - mbits)));
  int e;
  frexp(a, &e);
  int E = e - 1;
  uint32_t mant = (uint32_t)((a / ldexp(1.0, E) - 1.0) * (double)(1u << mbits));
  return (uint16_t)(sign | (uint32_t)(E + bias) << mbits | mant);
}
static inline double h_decode_fmt16(uint16_t b, int p, int emin, int ebits) {
  int mbits = p - 1, bias = (1 << (ebits - 1)) - 1;
  uint32_t mant = b & ((1u << mbits) - 1), ex = (b >> mbits) & ((1u << ebits) - 1);
  double v;
  if (ex == (1u << ebits) - 1) v = mant ? NAN : INFINITY;
  else if (ex == 0) v = ldexp((double)mant, emin - mbits);
  else v = ldexp(1.0 + (double)mant / (double)(1u << mbits), (int)ex - bias);
  return (b & 0x8000) ? -v : v;
}
static inline uint16_t h_f16_bits(double v) { return h_encode_fmt16(h_round_f16(v), 11, -14, 5); }
static inline uint16_t h_bf16_bits(double v) { return h_encode_fmt16(h_round_bf16(v), 8, -126, 8); }
static inline double h_f16_value(uint16_t b) { return h_decode_fmt16(b, 11, -14, 5); }
static inline double h_bf16_value(uint16_t b) { return h_decode_fmt16(b, 8, -126, 8); }

static inline bool h_is_float(weir_dtype t) {
  return t == WEIR_FLOAT16 || t == WEIR_BFLOAT16 || t == WEIR_FLOAT32 || t == WEIR_FLOAT64;
}
static inline bool h_is_unsigned(weir_dtype t) { return t >= WEIR_UINT8 && t <= WEIR_UINT64; }

/* Rounds a float64 reference to what dtype t can hold (floats: nearest even). */
static inline double h_round_to(weir_dtype t, double x) {
  switch (t) {
  case WEIR_FLOAT16: return h_round_f16(x);
  case WEIR_BFLOAT16: return h_round_bf16(x);
  case WEIR_FLOAT32: return h_round_f32(x);
  default: return x;
  }
}
/* An integer computed modulo 2^64, wrapped to integer or bool dtype t (as a double). */
static inline double h_wrap_int(weir_dtype t, uint64_t v) {
  switch (t) {
  case WEIR_BOOL: return v != 0;
  case WEIR_UINT8: return (uint8_t)v;
  case WEIR_UINT16: return (uint16_t)v;
  case WEIR_UINT32: return (uint32_t)v;
  case WEIR_UINT64: return (double)v;
  case WEIR_INT8: return (int8_t)(uint8_t)v;
  case WEIR_INT16: return (int16_t)(uint16_t)v;
  case WEIR_INT32: return (int32_t)(uint32_t)v;
  default: return (double)(int64_t)v;
  }
}

/* Flat index into an input of shape (in, nin) broadcast to (out, nout), for output flat index i. */
static inline int64_t h_bcast_index(int64_t i, const int64_t *out, int nout, const int64_t *in, int nin) {
  int64_t idx = 0, stride = 1;
  for (int d = nout - 1, k = nin - 1; d >= 0; d--, k--) {
    int64_t coord = i % out[d];
    i /= out[d];
    if (k < 0) continue;
    if (in[k] != 1) idx += coord * stride;
    stride *= in[k];
  }
  return idx;
}

/* One unit in the last place of format t at value x. */
static inline double h_ulp(weir_dtype t, double x) {
  int p, emin;
  switch (t) {
  case WEIR_FLOAT16: p = 11, emin = -14; break;
  case WEIR_BFLOAT16: p = 8, emin = -126; break;
  case WEIR_FLOAT32: p = 24, emin = -126; break;
  case WEIR_FLOAT64: p = 53, emin = -1022; break;
  default: return 1.0;
  }
  int e;
  if (x == 0 || !isfinite(x)) return ldexp(1.0, emin - (p - 1));
  frexp(fabs(x), &e);
  int E = e - 1 < emin ? emin : e - 1;
  return ldexp(1.0, E - (p - 1));
}

/* Stores v (exactly representable, integer-valued for integer types) as element i of t. */
static inline void h_store(void *buf, weir_dtype t, int64_t i, double v) {
  switch (t) {
  case WEIR_BOOL: ((uint8_t *)buf)[i] = v != 0; break;
  case WEIR_UINT8: ((uint8_t *)buf)[i] = (uint8_t)v; break;
  case WEIR_UINT16: ((uint16_t *)buf)[i] = (uint16_t)v; break;
  case WEIR_UINT32: ((uint32_t *)buf)[i] = (uint32_t)v; break;
  case WEIR_UINT64: ((uint64_t *)buf)[i] = (uint64_t)v; break;
  case WEIR_INT8: ((int8_t *)buf)[i] = (int8_t)v; break;
  case WEIR_INT16: ((int16_t *)buf)[i] = (int16_t)v; break;
  case WEIR_INT32: ((int32_t *)buf)[i] = (int32_t)v; break;
  case WEIR_INT64: ((int64_t *)buf)[i] = (int64_t)v; break;
  case WEIR_FLOAT16: ((uint16_t *)buf)[i] = h_f16_bits(v); break;
  case WEIR_BFLOAT16: ((uint16_t *)buf)[i] = h_bf16_bits(v); break;
  case WEIR_FLOAT32: ((float *)buf)[i] = (float)v; break;
  case WEIR_FLOAT64: ((double *)buf)[i] = v; break;
  }
}
static inline double h_load(const void *buf, weir_dtype t, int64_t i) {
  switch (t) {
  case WEIR_BOOL: return ((const uint8_t *)buf)[i] ? 1 : 0;
  case WEIR_UINT8: return ((const uint8_t *)buf)[i];
  case WEIR_UINT16: return ((const uint16_t *)buf)[i];
  case WEIR_UINT32: return ((const uint32_t *)buf)[i];
  case WEIR_UINT64: return (double)((const uint64_t *)buf)[i];
  case WEIR_INT8: return ((const int8_t *)buf)[i];
  case WEIR_INT16: return ((const int16_t *)buf)[i];
  case WEIR_INT32: return ((const int32_t *)buf)[i];
  case WEIR_INT64: return (double)((const int64_t *)buf)[i];
  case WEIR_FLOAT16: return h_f16_value(((const uint16_t *)buf)[i]);
  case WEIR_BFLOAT16: return h_bf16_value(((const uint16_t *)buf)[i]);
  case WEIR_FLOAT32: return ((const float *)buf)[i];
  case WEIR_FLOAT64: return ((const double *)buf)[i];
  }
  return NAN;
}

/* Builds an array of dtype t from float64 values (rounded/cast per h_store); NULL on failure
   (recorded as a failed check). */
static inline weir_array *h_make(weir_dtype t, const int64_t *shape, int ndim, const double *vals) {
  int64_t n = 1;
  for (int i = 0; i < ndim; i++) n *= shape[i];
  size_t es = weir_dtype_size(t);
  void *buf = malloc((size_t)(n > 0 ? n : 1) * (es ? es : 8));
  for (int64_t i = 0; i < n; i++) h_store(buf, t, i, vals[i]);
  weir_array *a = NULL;
  if (!CHECK_OK(weir_array_from_data(&a, buf, shape, ndim, t))) a = NULL;
  free(buf);
  return a;
}

/* Fills v[0..n) with random values exactly representable in t: integers uniform in
   [lo, hi] (clamped to t's range by the caller), floats uniform in [lo, hi) rounded to t. */
static inline void h_rand_vals(double *v, int64_t n, weir_dtype t, double lo, double hi) {
  for (int64_t i = 0; i < n; i++) {
    if (t == WEIR_BOOL) v[i] = (double)(h_rand_u64() & 1);
    else if (!h_is_float(t)) v[i] = (double)h_rand_int((int64_t)lo, (int64_t)hi);
    else v[i] = h_round_to(t, h_rand_range(lo, hi));
  }
}

/* Random array: values written to v (caller's buffer of the array's size). */
static inline weir_array *h_rand_array(weir_dtype t, const int64_t *shape, int ndim, double lo, double hi,
                                       double *v) {
  int64_t n = 1;
  for (int i = 0; i < ndim; i++) n *= shape[i];
  h_rand_vals(v, n, t, lo, hi);
  return h_make(t, shape, ndim, v);
}

/* Reads an array's values as float64 (evaluates it). Returns the status. */
static inline weir_status h_read(const weir_array *a, double *out) {
  const void *p = NULL;
  weir_status st = weir_array_data(a, &p);
  if (st != WEIR_OK) return st;
  int64_t n = weir_array_size(a);
  weir_dtype t = weir_array_dtype(a);
  for (int64_t i = 0; i < n; i++) out[i] = h_load(p, t, i);
  return WEIR_OK;
}

/* Shape comparison. */
static inline bool h_shape_is(const weir_array *a, int ndim, const int64_t *shape) {
  if (!a || weir_array_ndim(a) != ndim) return false;
  const int64_t *s = weir_array_shape(a);
  for (int i = 0; i < ndim; i++)
    if (s[i] != shape[i]) return false;
  return true;
}
#define CHECK_SHAPE(a, ...)                                                                        \
  do {                                                                                             \
    const int64_t h_s_[] = {__VA_ARGS__};                                                          \
    int h_n_ = (int)(sizeof h_s_ / sizeof h_s_[0]);                                                \
    h_record(h_shape_is((a), h_n_, h_s_), __FILE__, __LINE__, "shape of %s should be (%s), ndim %d", \
             #a, #__VA_ARGS__, (a) ? weir_array_ndim(a) : -1);                                     \
  } while (0)

/* Streams compare by value. */
static inline bool h_stream_is(weir_stream a, weir_stream b) {
  return a.device.type == b.device.type && a.device.index == b.device.index && a.index == b.index;
}

#endif
