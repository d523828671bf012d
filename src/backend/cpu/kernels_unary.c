/* Unary elementwise kernels: ABS .. SIGN (out dtype == in dtype) and ISNAN, ISINF, LOGICAL_NOT
   (any dtype -> bool). float16/bfloat16 compute in float32 and round on store; integers wrap. */
/* gcc 12's -O2 vectorizes only loops without a scalar epilogue ("very-cheap" cost model), which
   leaves these kernels' loops scalar; the "cheap" model vectorizes them. Before the includes so
   the inlined helpers get it too. */
/* no-trapping-math: weir never reads the FP exception flags, and without it gcc will not
   if-convert the clamps of vexpf below, so its loop stays scalar. fp-contract=fast: the AVX2 and
   AVX-512 clones (WEIR__VECTOR_CLONES) evaluate vexpf's polynomial with fused multiply-adds (the
   default x86-64 clone has none, so its results are unchanged; a clone's may differ from it in
   the last bit, still within the bounds test_unary_accuracy checks). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=cheap", "no-trapping-math", "fp-contract=fast")
#endif
#include <stdint.h>
#include <string.h>
#include <tgmath.h>

#include "backend/cpu/cpu_kernels.h"
#include "backend/cpu/cpu_rows.h"
#include "backend/cpu/vector_math.h"

/* 1 / (1 + exp(-x)) without overflow, accurate in both tails (the float one is after vexpf). */
static inline double sigmoid_d(double x) {
  double e = exp(-fabs(x));
  return x >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}

/* exp of a float in float arithmetic, branch-free so loops over it vectorize (glibc's expf is a
   call per element): x = k ln2 + r with ln2 in two parts (Cody-Waite), exp(r) by Cephes' degree-6
   polynomial on |r| <= ln2/2, then 2^k in two factors so subnormal results come out right. At
   most 0.99 ulp from exp in the default clone, 1.012 with the fused multiply-adds of the AVX2 and
   AVX-512 ones (checked over every 7th float32; FMA makes the AVX2 loop 1.4x faster), inf above 88.72, 0 below -103.97,
   NaN kept. */
static inline float vexpf(float x) {
  const float log2e = 1.44269504088896341f, ln2hi = 0.693359375f, ln2lo = -2.12194440e-4f;
  float xc = x < -104.0f ? -104.0f : x > 89.0f ? 89.0f : x;
  xc = xc == xc ? xc : 0.0f; /* NaN: computed on 0 (converting NaN to int is undefined), x returned below */
  float k = (xc * log2e + 12582912.0f) - 12582912.0f; /* rounded to an integer (1.5 * 2^23 trick) */
  float r = xc - k * ln2hi;
  r = r - k * ln2lo;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  float y = p * r * r + r + 1.0f;
  int32_t n = (int32_t)k, n1 = n / 2, n2 = n - n1;
  int32_t b1 = (n1 + 127) * (1 << 23), b2 = (n2 + 127) * (1 << 23);
  float s1, s2;
  memcpy(&s1, &b1, sizeof s1);
  memcpy(&s2, &b2, sizeof s2);
  y = y * s1 * s2;
  return x != x ? x : y;
}

/* A contiguous float32 loop over f, compiled for AVX-512 and for AVX2 with FMA (x86-64-v3) as well,
   picked at load time. */
/* A line (16 floats) a step, prefetching 4 KiB ahead as the reductions do: on one core the
   hardware prefetcher alone keeps too few lines in flight (kernels_reduce.c). */
#define F32_CONTIGUOUS(name, f)                                                                  \
  WEIR__VECTOR_CLONES static void name(int64_t n, float *restrict o, const float *restrict a) { \
    int64_t i = 0;                                                                             \
    for (; i + 16 <= n; i += 16) {                                                             \
      __builtin_prefetch(a + i + 1024);                                                        \
      for (int j = 0; j < 16; j++) o[i + j] = f(a[i + j]);                                     \
    }                                                                                          \
    if (i < n) { /* the tail as a padded block: the same code, so the same bits, as the rest */ \
      float in[16] = {0}, out[16];                                                             \
      memcpy(in, a + i, sizeof(float) * (size_t)(n - i));                                      \
      for (int j = 0; j < 16; j++) out[j] = f(in[j]);                                          \
      memcpy(o + i, out, sizeof(float) * (size_t)(n - i));                                     \
    }                                                                                          \
  }
F32_CONTIGUOUS(exp_f32_portable, vexpf)

/* Branch-free like vexpf, so its loops vectorize too (glibc's expf, a call per element, made it
   a quarter of numpy's 1 / (1 + exp(-x)) with its three temporaries). */
static inline float sigmoid_f(float x) {
  float e = vexpf(-fabsf(x));
  return x >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
}
F32_CONTIGUOUS(sigmoid_f32_contiguous, sigmoid_f)

#if WEIR__CPU_DISPATCH
#include <immintrin.h>
/* vexpf on 16 floats with AVX-512 written out: gcc's clone of the loop above spends ~45
   instructions on 16 elements (mask juggling for the clamps, NaN and the two-factor 2^k); here
   the clamps are min/max, 2^k one scalef (a single rounding, subnormal results included), ~20 in
   all, and numpy's AVX-512 exp no longer outruns it on one core. Same reduction and polynomial,
   evaluated with the same fused multiply-adds as the clone, so the same accuracy bound. */
__attribute__((target("avx512f"))) static inline __m512 exp16(__m512 x) {
  /* min/max return their second operand when either is NaN: x's NaN goes through */
  __m512 xc = _mm512_max_ps(_mm512_set1_ps(-104.0f), _mm512_min_ps(_mm512_set1_ps(89.0f), x));
  const __m512 shifter = _mm512_set1_ps(12582912.0f);
  __m512 k = _mm512_sub_ps(_mm512_fmadd_ps(xc, _mm512_set1_ps(1.44269504088896341f), shifter), shifter);
  __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(0.693359375f), xc);
  r = _mm512_fnmadd_ps(k, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  __m512 y = _mm512_add_ps(_mm512_fmadd_ps(_mm512_mul_ps(p, r), r, r), _mm512_set1_ps(1.0f));
  y = _mm512_scalef_ps(y, k);
  return _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x); /* NaN: x itself, as vexpf */
}

/* log of 16 floats, Cephes' logf with AVX-512's exponent and mantissa extraction (subnormals
   included): x = m 2^e with m in [sqrt(2)/2, sqrt(2)), f = m - 1 exact, log(1 + f) = f - f^2/2 +
   f^3 P(f), e ln2 added in two parts. As fast as libmvec's AVX-512 logf on one core (both
   ~2-2.8 Gelem/s on this VM), and within 0.78 ulp where that one reaches 3.9: CUDA's logf is
   within 1, so the devices agree closely. Zero, negative, inf and NaN are set apart, the rare
   vectors holding one patched after. */
__attribute__((target("avx512f"))) static inline __m512 log16(__m512 x) {
  __m512 m = _mm512_getmant_ps(x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero);
  __m512 e = _mm512_getexp_ps(x);
  __mmask16 hi = _mm512_cmp_ps_mask(m, _mm512_set1_ps(1.41421356f), _CMP_GE_OQ);
  m = _mm512_mask_mul_ps(m, hi, m, _mm512_set1_ps(0.5f));
  e = _mm512_mask_add_ps(e, hi, e, _mm512_set1_ps(1.0f));
  __m512 f = _mm512_sub_ps(m, _mm512_set1_ps(1.0f)), z = _mm512_mul_ps(f, f);
  __m512 p = _mm512_set1_ps(7.0376836292e-2f);
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(-1.1514610310e-1f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.1676998740e-1f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(-1.2420140846e-1f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.4249322787e-1f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(-1.6668057665e-1f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(2.0000714765e-1f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(-2.4999993993e-1f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(3.3333331174e-1f));
  __m512 y = _mm512_mul_ps(_mm512_mul_ps(p, f), z);
  y = _mm512_fmadd_ps(e, _mm512_set1_ps(-2.12194440e-4f), y);
  y = _mm512_fmadd_ps(z, _mm512_set1_ps(-0.5f), y);
  __m512 r = _mm512_fmadd_ps(e, _mm512_set1_ps(0.693359375f), _mm512_add_ps(f, y));
  const __m512 zero = _mm512_setzero_ps(), inf = _mm512_set1_ps(INFINITY);
  __mmask16 special = _mm512_cmp_ps_mask(x, zero, _CMP_NGT_UQ) | _mm512_cmp_ps_mask(x, inf, _CMP_EQ_OQ);
  if (special) {
    r = _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, zero, _CMP_LT_OQ), _mm512_set1_ps(NAN));
    r = _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, zero, _CMP_EQ_OQ), _mm512_set1_ps(-INFINITY));
    r = _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, inf, _CMP_EQ_OQ), inf);
    r = _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x);
  }
  return r;
}

/* o = f16(a) over n floats, 16 a step, the tail masked. */
#define AVX512_LOOP(name, f16)                                                                     \
  __attribute__((target("avx512f"))) static void name(int64_t n, float *restrict o, const float *restrict a) { \
    int64_t i = 0;                                                                                 \
    for (; i + 16 <= n; i += 16) {                                                                 \
      __builtin_prefetch(a + i + 1024);                                                            \
      _mm512_storeu_ps(o + i, f16(_mm512_loadu_ps(a + i)));                                        \
    }                                                                                              \
    if (i < n) {                                                                                   \
      __mmask16 m = (__mmask16)((1u << (n - i)) - 1);                                              \
      _mm512_mask_storeu_ps(o + i, m, f16(_mm512_maskz_loadu_ps(m, a + i)));                       \
    }                                                                                              \
  }
AVX512_LOOP(exp_f32_avx512, exp16)
AVX512_LOOP(log_f32_avx512, log16)
#define HAVE_AVX512_KERNELS 1

static void exp_f32_contiguous(int64_t n, float *restrict o, const float *restrict a) {
  if (__builtin_cpu_supports("avx512f")) exp_f32_avx512(n, o, a);
  else exp_f32_portable(n, o, a);
}
#else
#define exp_f32_contiguous exp_f32_portable
#define HAVE_AVX512_KERNELS 0
#endif

#if !WEIR__LIBMVEC /* else libmvec's tanhf: twice this one's speed, 1.36 ulp over the sweep */
/* tanh of a float, branch-free like vexpf: Cephes' odd polynomial for |x| < 0.625 (no
   cancellation near 0), else 1 - 2 / (exp(2|x|) + 1) with x's sign (exp overflowing to inf gives
   +-1). Within 2 ulp of tanh (test_unary_accuracy sweeps it); NaN and -0 kept. */
static inline float vtanhf(float x) {
  float ax = fabsf(x), z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  float small = copysignf(p * z * x + x, x); /* -0 + +0 would round to +0 */
  float big = 1.0f - 2.0f / (vexpf(2.0f * ax) + 1.0f);
  big = x < 0 ? -big : big;
  return ax < 0.625f ? small : big; /* NaN: big, which is NaN */
}
F32_CONTIGUOUS(tanh_f32_contiguous, vtanhf)
#define TANH_F(C, U, x) _Generic((x), float: vtanhf, default: tanh)(x)
#else
#define TANH_F(C, U, x) tanh(x)
#endif

#define IDENT(C, U, x) (x)
#define ABS_S(C, U, x) ((x) < 0 ? (C)((U)0 - (U)(x)) : (x)) /* INT_MIN stays INT_MIN */
#define ABS_F(C, U, x) fabs(x)
#define NEG_I(C, U, x) ((C)((U)0 - (U)(x)))
#define NEG_F(C, U, x) (-(x))
#define EXP_F(C, U, x) _Generic((x), float: vexpf, default: exp)(x)
#define LOG_F(C, U, x) log(x)
#define SIN_F(C, U, x) sin(x)
#define COS_F(C, U, x) cos(x)
#define SQRT_F(C, U, x) sqrt(x)
#define SQUARE_I(C, U, x) ((C)((U)(x) * (U)(x)))
#define SQUARE_F(C, U, x) ((x) * (x))
#define SIGMOID_F(C, U, x) _Generic((x), float: sigmoid_f, default: sigmoid_d)(x)
#define NOT_ANY(C, U, x) ((uint8_t)((x) == 0))
#define EXPM1_F(C, U, x) expm1(x)
#define LOG1P_F(C, U, x) log1p(x)
#define LOG2_F(C, U, x) log2(x)
#define LOG10_F(C, U, x) log10(x)
#define RSQRT_F(C, U, x) ((C)1 / sqrt(x))
#define RECIP_F(C, U, x) ((C)1 / (x))
#define TAN_F(C, U, x) tan(x)
#define ASIN_F(C, U, x) asin(x)
#define ACOS_F(C, U, x) acos(x)
#define ATAN_F(C, U, x) atan(x)
#define SINH_F(C, U, x) sinh(x)
#define COSH_F(C, U, x) cosh(x)
#define ERF_F(C, U, x) erf(x)
#define FLOOR_F(C, U, x) floor(x)
#define CEIL_F(C, U, x) ceil(x)
#define ROUND_F(C, U, x) rint(x) /* the default rounding mode: half to even */
#define SIGN_U(C, U, x) ((C)((x) != 0))
#define SIGN_S(C, U, x) ((C)(((x) > 0) - ((x) < 0)))
#define SIGN_F(C, U, x) ((x) > 0 ? (C)1 : (x) < 0 ? (C)-1 : (x)) /* NaN and +-0 unchanged */
#define FALSE_ANY(C, U, x) ((uint8_t)((void)(x), 0))
#define ISNAN_F(C, U, x) ((uint8_t)((x) != (x)))
#define ISINF_F(C, U, x) ((uint8_t)(fabs(x) == (C)INFINITY))

#define ROW(sfx, T, C, U, LD, ST, name, OP) WEIR__CPU_ROW1(name##_##sfx, T, T, C, U, LD, ST, OP)
/* float rows of plain arithmetic, cloned per instruction set: the AVX2 and AVX-512 versions
   vectorize wider */
#define FROW(sfx, T, C, U, LD, ST, name, OP) WEIR__VECTOR_CLONES ROW(sfx, T, C, U, LD, ST, name, OP)
/* float rows over libm calls or exp's polynomial: in blocks of 16 through one function cloned
   per instruction set, so they call libmvec's widest version (vector_math.h) and a value's bits
   do not depend on its place or on the split over threads (cpu_rows.h) */
#define MROW(sfx, T, C, U, LD, ST, name, OP)                                                       \
  WEIR__CPU_ROW1_BLOCKED(name##_##sfx, T, T, C, U, LD, ST, OP, WEIR__VECTOR_CLONES, )
#define NOT_ROW(sfx, T, C, U, LD, ST, name, OP) WEIR__CPU_ROW1(name##_##sfx, T, uint8_t, C, U, LD, WEIR__ID, OP)

WEIR__CPU_BOOL(ROW, abs, IDENT)
WEIR__CPU_UINTS(ROW, abs, IDENT)
WEIR__CPU_SINTS(ROW, abs, ABS_S)
WEIR__CPU_FLOATS(FROW, abs, ABS_F)

WEIR__CPU_UINTS(ROW, neg, NEG_I)
WEIR__CPU_SINTS(ROW, neg, NEG_I)
WEIR__CPU_FLOATS(FROW, neg, NEG_F)

/* A float32 row through a contiguous kernel k: a broadcast (sa == 0) or strided input 16 elements
   a call, so that each value takes the very code it takes in a contiguous array. */
static void f32_via_contiguous(void (*k)(int64_t, float *restrict, const float *restrict), int64_t n, float *o,
                               const float *a, int64_t sa) {
  if (sa == 1) {
    k(n, o, a);
    return;
  }
  if (sa == 0 && n > 0) {
    float v;
    k(1, &v, a);
    for (int64_t i = 0; i < n; i++) o[i] = v;
    return;
  }
  float in[16];
  for (int64_t i = 0; i < n; i += 16) {
    int m = n - i < 16 ? (int)(n - i) : 16;
    for (int j = 0; j < m; j++) in[j] = a[(i + j) * sa];
    k(m, o + i, in);
  }
}
/* The row function (weir__cpu_row_fn) of a float32 contiguous kernel, for every stride */
#define F32_ROW_VIA(name, kernel)                                                                  \
  static void name(int64_t n, void *restrict o, const void *restrict a, int64_t sa, const void *restrict b, \
                   int64_t sb) {                                                                   \
    (void)b;                                                                                       \
    (void)sb;                                                                                      \
    f32_via_contiguous(kernel, n, o, a, sa);                                                       \
  }
/* float32 rows a fast path replaces for every stride */
#define MROW_SPARE(sfx, T, C, U, LD, ST, name, OP)                                                 \
  WEIR__CPU_ROW1_BLOCKED(name##_##sfx, T, T, C, U, LD, ST, OP, WEIR__VECTOR_CLONES, __attribute__((unused)))

WEIR__CPU_FLOATS(MROW_SPARE, exp, EXP_F)
F32_ROW_VIA(exp_f32_fast, exp_f32_contiguous)
WEIR__CPU_FLOATS(MROW, log, LOG_F)
#if HAVE_AVX512_KERNELS
static void log_f32_fast(int64_t n, void *restrict o, const void *restrict a, int64_t sa, const void *restrict b,
                         int64_t sb) {
  if (!__builtin_cpu_supports("avx512f")) log_f32(n, o, a, sa, b, sb);
  else f32_via_contiguous(log_f32_avx512, n, o, a, sa);
}
#else
#define log_f32_fast log_f32
#endif
WEIR__CPU_FLOATS(MROW, sin, SIN_F)
WEIR__CPU_FLOATS(MROW, cos, COS_F)
#if WEIR__LIBMVEC
WEIR__CPU_FLOATS(MROW, tanh, TANH_F)
#define tanh_f32_fast tanh_f32 /* its cloned loops call libmvec */
#else
WEIR__CPU_FLOATS(MROW_SPARE, tanh, TANH_F)
F32_ROW_VIA(tanh_f32_fast, tanh_f32_contiguous)
#endif
WEIR__CPU_FLOATS(FROW, sqrt, SQRT_F)
WEIR__CPU_FLOATS(MROW_SPARE, sigmoid, SIGMOID_F)
F32_ROW_VIA(sigmoid_f32_fast, sigmoid_f32_contiguous)

WEIR__CPU_BOOL(ROW, square, IDENT)
WEIR__CPU_UINTS(ROW, square, SQUARE_I)
WEIR__CPU_SINTS(ROW, square, SQUARE_I)
WEIR__CPU_FLOATS(FROW, square, SQUARE_F)

WEIR__CPU_FLOATS(MROW, expm1, EXPM1_F)
WEIR__CPU_FLOATS(MROW, log1p, LOG1P_F)
WEIR__CPU_FLOATS(MROW, log2, LOG2_F)
WEIR__CPU_FLOATS(MROW, log10, LOG10_F)
WEIR__CPU_FLOATS(FROW, rsqrt, RSQRT_F)
WEIR__CPU_FLOATS(FROW, recip, RECIP_F)
WEIR__CPU_FLOATS(MROW, tan, TAN_F)
WEIR__CPU_FLOATS(MROW, asin, ASIN_F)
WEIR__CPU_FLOATS(MROW, acos, ACOS_F)
WEIR__CPU_FLOATS(MROW, atan, ATAN_F)
WEIR__CPU_FLOATS(MROW, sinh, SINH_F)
WEIR__CPU_FLOATS(MROW, cosh, COSH_F)
WEIR__CPU_FLOATS(MROW, erf, ERF_F)

/* floor, ceil, round: integers and bool unchanged */
WEIR__CPU_BOOL(ROW, floor, IDENT)
WEIR__CPU_UINTS(ROW, floor, IDENT)
WEIR__CPU_SINTS(ROW, floor, IDENT)
WEIR__CPU_FLOATS(FROW, floor, FLOOR_F)
WEIR__CPU_BOOL(ROW, ceil, IDENT)
WEIR__CPU_UINTS(ROW, ceil, IDENT)
WEIR__CPU_SINTS(ROW, ceil, IDENT)
WEIR__CPU_FLOATS(FROW, ceil, CEIL_F)
WEIR__CPU_BOOL(ROW, round, IDENT)
WEIR__CPU_UINTS(ROW, round, IDENT)
WEIR__CPU_SINTS(ROW, round, IDENT)
WEIR__CPU_FLOATS(FROW, round, ROUND_F)

WEIR__CPU_BOOL(ROW, sign, IDENT)
WEIR__CPU_UINTS(ROW, sign, SIGN_U)
WEIR__CPU_SINTS(ROW, sign, SIGN_S)
WEIR__CPU_FLOATS(FROW, sign, SIGN_F)

WEIR__CPU_BOOL(NOT_ROW, isnan, FALSE_ANY)
WEIR__CPU_UINTS(NOT_ROW, isnan, FALSE_ANY)
WEIR__CPU_SINTS(NOT_ROW, isnan, FALSE_ANY)
WEIR__CPU_FLOATS(NOT_ROW, isnan, ISNAN_F)
WEIR__CPU_BOOL(NOT_ROW, isinf, FALSE_ANY)
WEIR__CPU_UINTS(NOT_ROW, isinf, FALSE_ANY)
WEIR__CPU_SINTS(NOT_ROW, isinf, FALSE_ANY)
WEIR__CPU_FLOATS(NOT_ROW, isinf, ISINF_F)

WEIR__CPU_ALL(NOT_ROW, not, NOT_ANY)

#define FIRST WEIR__P_ABS
static const weir__cpu_row_fn unary_rows[WEIR__P_LOGICAL_NOT - FIRST + 1][WEIR_NUM_DTYPES] = {
    [WEIR__P_ABS - FIRST] = {WEIR__CPU_TAB_ALL(abs)},
    [WEIR__P_NEGATIVE - FIRST] = {WEIR__CPU_TAB_UINTS(neg), WEIR__CPU_TAB_SINTS(neg), WEIR__CPU_TAB_FLOATS(neg)},
    [WEIR__P_EXP - FIRST] = {[WEIR_FLOAT16] = exp_f16, [WEIR_BFLOAT16] = exp_bf16, [WEIR_FLOAT32] = exp_f32_fast,
                             [WEIR_FLOAT64] = exp_f64},
    [WEIR__P_LOG - FIRST] = {[WEIR_FLOAT16] = log_f16, [WEIR_BFLOAT16] = log_bf16, [WEIR_FLOAT32] = log_f32_fast,
                             [WEIR_FLOAT64] = log_f64},
    [WEIR__P_SIN - FIRST] = {WEIR__CPU_TAB_FLOATS(sin)},
    [WEIR__P_COS - FIRST] = {WEIR__CPU_TAB_FLOATS(cos)},
    [WEIR__P_TANH - FIRST] = {[WEIR_FLOAT16] = tanh_f16, [WEIR_BFLOAT16] = tanh_bf16, [WEIR_FLOAT32] = tanh_f32_fast,
                              [WEIR_FLOAT64] = tanh_f64},
    [WEIR__P_SQRT - FIRST] = {WEIR__CPU_TAB_FLOATS(sqrt)},
    [WEIR__P_SQUARE - FIRST] = {WEIR__CPU_TAB_ALL(square)},
    [WEIR__P_SIGMOID - FIRST] = {[WEIR_FLOAT16] = sigmoid_f16, [WEIR_BFLOAT16] = sigmoid_bf16,
                                 [WEIR_FLOAT32] = sigmoid_f32_fast, [WEIR_FLOAT64] = sigmoid_f64},
    [WEIR__P_EXPM1 - FIRST] = {WEIR__CPU_TAB_FLOATS(expm1)},
    [WEIR__P_LOG1P - FIRST] = {WEIR__CPU_TAB_FLOATS(log1p)},
    [WEIR__P_LOG2 - FIRST] = {WEIR__CPU_TAB_FLOATS(log2)},
    [WEIR__P_LOG10 - FIRST] = {WEIR__CPU_TAB_FLOATS(log10)},
    [WEIR__P_RSQRT - FIRST] = {WEIR__CPU_TAB_FLOATS(rsqrt)},
    [WEIR__P_RECIPROCAL - FIRST] = {WEIR__CPU_TAB_FLOATS(recip)},
    [WEIR__P_TAN - FIRST] = {WEIR__CPU_TAB_FLOATS(tan)},
    [WEIR__P_ARCSIN - FIRST] = {WEIR__CPU_TAB_FLOATS(asin)},
    [WEIR__P_ARCCOS - FIRST] = {WEIR__CPU_TAB_FLOATS(acos)},
    [WEIR__P_ARCTAN - FIRST] = {WEIR__CPU_TAB_FLOATS(atan)},
    [WEIR__P_SINH - FIRST] = {WEIR__CPU_TAB_FLOATS(sinh)},
    [WEIR__P_COSH - FIRST] = {WEIR__CPU_TAB_FLOATS(cosh)},
    [WEIR__P_ERF - FIRST] = {WEIR__CPU_TAB_FLOATS(erf)},
    [WEIR__P_FLOOR - FIRST] = {WEIR__CPU_TAB_ALL(floor)},
    [WEIR__P_CEIL - FIRST] = {WEIR__CPU_TAB_ALL(ceil)},
    [WEIR__P_ROUND - FIRST] = {WEIR__CPU_TAB_ALL(round)},
    [WEIR__P_SIGN - FIRST] = {WEIR__CPU_TAB_ALL(sign)},
    [WEIR__P_ISNAN - FIRST] = {WEIR__CPU_TAB_ALL(isnan)},
    [WEIR__P_ISINF - FIRST] = {WEIR__CPU_TAB_ALL(isinf)},
    [WEIR__P_LOGICAL_NOT - FIRST] = {WEIR__CPU_TAB_ALL(not)},
};

weir_status weir__cpu_unary(weir__kernel_call *c, int64_t lo, int64_t hi) {
  weir_status st = weir__cpu_check_elementwise(c, 1);
  if (st != WEIR_OK) return st;
  bool to_bool = c->prim == WEIR__P_LOGICAL_NOT || c->prim == WEIR__P_ISNAN || c->prim == WEIR__P_ISINF;
  weir_dtype t = c->in[0].dtype, want = to_bool ? WEIR_BOOL : t;
  if (c->out.dtype != want)
    return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "%s: output dtype %s, expected %s", weir__prim_name(c->prim),
                          weir_dtype_name(c->out.dtype), weir_dtype_name(want));
  weir__cpu_row_fn fn = unary_rows[c->prim - FIRST][t];
  if (!fn) return weir__cpu_unsupported(c, t);
  weir__cpu_map(c, fn, lo, hi);
  return WEIR_OK;
}
