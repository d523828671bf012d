/* Reductions SUM PROD MAX MIN MEAN ARGMAX ARGMIN over the axes in params.reduce.axes_mask of a
   contiguous in[0]; out holds the kept axes in order.

   Accumulators: floats (and MEAN of anything) in double; integer SUM/PROD in uint64 (wrapping,
   stored as signed for signed inputs); MAX/MIN in double, int64 or uint64 by input kind.
   Consecutive axes of the same kind merge, which leaves two shapes of work:
   - A: the innermost axis is reduced: each output folds contiguous runs of L elements, with
     eight partial accumulators so the loop is not latency bound;
   - B: the innermost axis is kept: a block of up to BLOCK adjacent outputs accumulates whole
     contiguous rows (acc[j] op= row[j], a vectorizable loop), reading each row once.
   Outputs are produced in blocks and converted to out's dtype on store. */
/* gcc 12's -O2 vectorizes only loops without a scalar epilogue ("very-cheap" cost model), which
   leaves these kernels' loops scalar; the "cheap" model vectorizes them. Before the includes so
   the inlined helpers get it too. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=cheap")
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "backend/cpu/cpu_kernels.h"
#include "backend/cpu/cpu_rows.h"
#include "backend/cpu/thread_pool.h"
#include "backend/cpu/vector_math.h" /* WEIR__CPU_DISPATCH */
#include "backend/kernel_math.h"

#define BLOCK 1024
#define SHORT_ROW 16 /* below this many reduced elements per output, case A goes by columns */

typedef enum { ACC_D, ACC_U, ACC_I } acc_kind;
typedef union {
  double d[BLOCK];
  uint64_t u[BLOCK];
  int64_t i[BLOCK];
} acc_block;

/* *acc = op(*acc, p[0..n)) */
typedef void (*fold_fn)(const void *p, int64_t n, void *acc);
/* acc[j] = op(acc[j], p[j * s]) for j < n */
typedef void (*cols_fn)(const void *p, int64_t n, int64_t s, void *acc);
/* Running arg-extreme over p[0..n), whose first element has reduced index base. */
typedef void (*afold_fn)(const void *p, int64_t n, void *best, int64_t *idx, int64_t base);
/* Per column j: p[j * s] at reduced index r against (best[j], idx[j]). */
typedef void (*acols_fn)(const void *p, int64_t n, int64_t s, void *best, int64_t *idx, int64_t r);

/* ---- per-dtype folds ---- */

#define SUM_OP(m, x) ((m) + (x))
#define PROD_OP(m, x) ((m) * (x))
#define MAXF_OP(m, x) (((x) != (x) || (x) > (m)) ? (x) : (m)) /* NaN sticks */
#define MINF_OP(m, x) (((x) != (x) || (x) < (m)) ? (x) : (m))
#define MAXI_OP(m, x) ((x) > (m) ? (x) : (m))
#define MINI_OP(m, x) ((x) < (m) ? (x) : (m))
#define ISNAN_F(x) ((x) != (x))
#define ISNAN_I(x) 0
#define GT(x, b) ((x) > (b))
#define LT(x, b) ((x) < (b))
#define LD_BOOL(x) ((x) != 0)

/* Eight named partial accumulators (kept in registers) break the add/compare latency chain. A
   long run also prefetches 4 KiB ahead: one core's hardware prefetcher alone leaves it far below
   its bandwidth (float32 sum on the 16-core H100 host: 6.9 GB/s as one plain stream, 10.6-11.7
   GB/s prefetching 4 KiB ahead; reading four regions at once instead was slower there, 4.9 GB/s,
   though faster on the 2-core VM). Prefetches do not fault past the end. */
#define STEP(A, LD, OP, s, k)                                                                      \
  do {                                                                                             \
    A x_ = (A)LD(p[i + k]);                                                                        \
    s = OP(s, x_);                                                                                 \
  } while (0)
#define PREFETCH_BYTES 4096
#define FOLD(name, T, A, LD, OP, INIT)                                                             \
  static void name##_fold(const void *p_, int64_t n, void *acc_) {                                 \
    const T *p = p_;                                                                               \
    A *acc = acc_;                                                                                 \
    A s0 = INIT, s1 = INIT, s2 = INIT, s3 = INIT, s4 = INIT, s5 = INIT, s6 = INIT, s7 = INIT;      \
    int64_t i = 0;                                                                                 \
    for (; i + 8 <= n; i += 8) {                                                                   \
      __builtin_prefetch((const char *)(p + i) + PREFETCH_BYTES);                                  \
      STEP(A, LD, OP, s0, 0);                                                                      \
      STEP(A, LD, OP, s1, 1);                                                                      \
      STEP(A, LD, OP, s2, 2);                                                                      \
      STEP(A, LD, OP, s3, 3);                                                                      \
      STEP(A, LD, OP, s4, 4);                                                                      \
      STEP(A, LD, OP, s5, 5);                                                                      \
      STEP(A, LD, OP, s6, 6);                                                                      \
      STEP(A, LD, OP, s7, 7);                                                                      \
    }                                                                                              \
    for (; i < n; i++) STEP(A, LD, OP, s0, 0);                                                     \
    s0 = OP(s0, s1);                                                                               \
    s2 = OP(s2, s3);                                                                               \
    s4 = OP(s4, s5);                                                                               \
    s6 = OP(s6, s7);                                                                               \
    s0 = OP(s0, s2);                                                                               \
    s4 = OP(s4, s6);                                                                               \
    s0 = OP(s0, s4);                                                                               \
    *acc = OP(*acc, s0);                                                                           \
  }                                                                                                \
  static void name##_cols(const void *p_, int64_t n, int64_t s, void *acc_) {                      \
    const T *restrict p = p_;                                                                      \
    A *restrict acc = acc_;                                                                        \
    if (s == 1) {                                                                                  \
      for (int64_t j = 0; j < n; j++) {                                                            \
        A x = (A)LD(p[j]);                                                                         \
        acc[j] = OP(acc[j], x);                                                                    \
      }                                                                                            \
    } else {                                                                                       \
      for (int64_t j = 0; j < n; j++) {                                                            \
        A x = (A)LD(p[j * s]);                                                                     \
        acc[j] = OP(acc[j], x);                                                                    \
      }                                                                                            \
    }                                                                                              \
  }

/* First index of the extreme; a NaN is the extreme and the first one wins. The fold finds
   each chunk's extreme with the fast EXT fold (from INIT) and scans a chunk for its index only
   when that extreme beats the running one, which after the first chunks is rare. */
#define ARG_CHUNK 1024
#define ARG(name, T, A, LD, ISNAN, BETTER, EXT, INIT)                                              \
  static void name##_fold(const void *p_, int64_t n, void *best_, int64_t *idx, int64_t base) {    \
    const T *p = p_;                                                                               \
    A *best = best_, b = *best;                                                                    \
    if (ISNAN(b)) return;                                                                          \
    for (int64_t i0 = 0; i0 < n; i0 += ARG_CHUNK) {                                                \
      int64_t m = n - i0 < ARG_CHUNK ? n - i0 : ARG_CHUNK;                                         \
      A e = INIT;                                                                                  \
      EXT##_fold(p + i0, m, &e);                                                                   \
      if (!ISNAN(e) && !BETTER(e, b)) continue;                                                    \
      for (int64_t i = i0; i < i0 + m; i++) {                                                      \
        A x = (A)LD(p[i]);                                                                         \
        if (ISNAN(e) ? ISNAN(x) : x == e) {                                                        \
          *best = x;                                                                               \
          *idx = base + i;                                                                         \
          break;                                                                                   \
        }                                                                                          \
      }                                                                                            \
      if (ISNAN(e)) return;                                                                        \
      b = e;                                                                                       \
    }                                                                                              \
  }                                                                                                \
  static void name##_cols(const void *p_, int64_t n, int64_t s, void *best_, int64_t *idx, int64_t r) { \
    const T *p = p_;                                                                               \
    A *best = best_;                                                                               \
    for (int64_t j = 0; j < n; j++) {                                                              \
      A x = (A)LD(p[j * s]), b = best[j];                                                          \
      if (!ISNAN(b) && (ISNAN(x) || BETTER(x, b))) {                                               \
        best[j] = x;                                                                               \
        idx[j] = r;                                                                                \
      }                                                                                            \
    }                                                                                              \
  }

/* Double accumulation (floats; MEAN of every dtype). */
#define D_FOLDS(sfx, T, C, U, LD, ST, unused) FOLD(sumd_##sfx, T, double, LD, SUM_OP, 0.0)
WEIR__CPU_UINTS(D_FOLDS, 0)
WEIR__CPU_SINTS(D_FOLDS, 0)
FOLD(sumd_b, uint8_t, double, LD_BOOL, SUM_OP, 0.0)

#define F_FOLDS(sfx, T, C, U, LD, ST, unused)                                                      \
  FOLD(sumd_##sfx, T, double, LD, SUM_OP, 0.0)                                                     \
  FOLD(prod_##sfx, T, double, LD, PROD_OP, 1.0)                                                    \
  FOLD(max_##sfx, T, double, LD, MAXF_OP, -INFINITY)                                               \
  FOLD(min_##sfx, T, double, LD, MINF_OP, INFINITY)                                                \
  ARG(argmax_##sfx, T, double, LD, ISNAN_F, GT, max_##sfx, -INFINITY)                              \
  ARG(argmin_##sfx, T, double, LD, ISNAN_F, LT, min_##sfx, INFINITY)
WEIR__CPU_FLOATS(F_FOLDS, 0)

/* Integers: wrapping uint64 sums and products; extremes in int64 (signed) or uint64. */
#define I_FOLDS(sfx, T, A, LD, MAXINIT, MININIT)                                                   \
  FOLD(sumu_##sfx, T, uint64_t, LD, SUM_OP, 0)                                                     \
  FOLD(prod_##sfx, T, uint64_t, LD, PROD_OP, 1)                                                    \
  FOLD(max_##sfx, T, A, LD, MAXI_OP, MAXINIT)                                                      \
  FOLD(min_##sfx, T, A, LD, MINI_OP, MININIT)                                                      \
  ARG(argmax_##sfx, T, A, LD, ISNAN_I, GT, max_##sfx, MAXINIT)                                     \
  ARG(argmin_##sfx, T, A, LD, ISNAN_I, LT, min_##sfx, MININIT)
#define U_FOLDS(sfx, T, C, U, LD, ST, unused) I_FOLDS(sfx, T, uint64_t, LD, 0, UINT64_MAX)
#define S_FOLDS(sfx, T, C, U, LD, ST, unused) I_FOLDS(sfx, T, int64_t, LD, INT64_MIN, INT64_MAX)
WEIR__CPU_UINTS(U_FOLDS, 0)
WEIR__CPU_SINTS(S_FOLDS, 0)
I_FOLDS(b, uint8_t, uint64_t, LD_BOOL, 0, UINT64_MAX)

/* float32 sums: the float64 accumulation of sumd_f32_fold, 16 elements a step in four vectors of
   four doubles (GCC/Clang vector extensions: SSE2 pairs on a plain x86-64 build, ymm registers in
   the AVX2 clone). The plain fold's scalar chains run at about half of numpy's float32 sum. */
#if defined(__GNUC__) && defined(__x86_64__)
typedef float v4sf __attribute__((vector_size(16)));
typedef double v4df __attribute__((vector_size(32)));
#if WEIR__CPU_DISPATCH
__attribute__((target_clones("avx2", "default")))
#endif
static void sumd_f32_fold_vec(const void *p_, int64_t n, void *acc_) {
  const float *p = p_;
  v4df s0 = {0, 0, 0, 0}, s1 = s0, s2 = s0, s3 = s0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __builtin_prefetch((const char *)(p + i) + PREFETCH_BYTES); /* one line a step (see FOLD) */
    v4sf x0, x1, x2, x3;
    memcpy(&x0, p + i, sizeof x0);
    memcpy(&x1, p + i + 4, sizeof x1);
    memcpy(&x2, p + i + 8, sizeof x2);
    memcpy(&x3, p + i + 12, sizeof x3);
    s0 += __builtin_convertvector(x0, v4df);
    s1 += __builtin_convertvector(x1, v4df);
    s2 += __builtin_convertvector(x2, v4df);
    s3 += __builtin_convertvector(x3, v4df);
  }
  s0 += s1;
  s2 += s3;
  s0 += s2;
  double t = (s0[0] + s0[1]) + (s0[2] + s0[3]);
  sumd_f32_fold(p + i, n - i, &t); /* the last < 16 */
  *(double *)acc_ += t;
}
#define SUMD_F32_FOLD sumd_f32_fold_vec
#else
#define SUMD_F32_FOLD sumd_f32_fold
#endif

#define ALL_FNS(name, what)                                                                        \
  {                                                                                                \
    name##_b_##what, name##_u8_##what, name##_u16_##what, name##_u32_##what, name##_u64_##what,    \
        name##_i8_##what, name##_i16_##what, name##_i32_##what, name##_i64_##what,                 \
        name##_f16_##what, name##_bf16_##what, name##_f32_##what, name##_f64_##what                \
  }
static const fold_fn sumd_folds[WEIR_NUM_DTYPES] = {
    sumd_b_fold,   sumd_u8_fold,  sumd_u16_fold, sumd_u32_fold,  sumd_u64_fold, sumd_i8_fold,  sumd_i16_fold,
    sumd_i32_fold, sumd_i64_fold, sumd_f16_fold, sumd_bf16_fold, SUMD_F32_FOLD, sumd_f64_fold};
static const cols_fn sumd_cols[WEIR_NUM_DTYPES] = ALL_FNS(sumd, cols);
/* Integer sums; float entries point at the double sums so one table serves SUM. */
static const fold_fn sum_folds[WEIR_NUM_DTYPES] = {
    sumu_b_fold,   sumu_u8_fold,  sumu_u16_fold, sumu_u32_fold,  sumu_u64_fold, sumu_i8_fold,  sumu_i16_fold,
    sumu_i32_fold, sumu_i64_fold, sumd_f16_fold, sumd_bf16_fold, SUMD_F32_FOLD, sumd_f64_fold};
static const cols_fn sum_cols[WEIR_NUM_DTYPES] = {
    sumu_b_cols,   sumu_u8_cols,  sumu_u16_cols, sumu_u32_cols,  sumu_u64_cols, sumu_i8_cols,  sumu_i16_cols,
    sumu_i32_cols, sumu_i64_cols, sumd_f16_cols, sumd_bf16_cols, sumd_f32_cols, sumd_f64_cols};
static const fold_fn prod_folds[WEIR_NUM_DTYPES] = ALL_FNS(prod, fold);
static const cols_fn prod_cols[WEIR_NUM_DTYPES] = ALL_FNS(prod, cols);
static const fold_fn max_folds[WEIR_NUM_DTYPES] = ALL_FNS(max, fold);
static const cols_fn max_cols[WEIR_NUM_DTYPES] = ALL_FNS(max, cols);
static const fold_fn min_folds[WEIR_NUM_DTYPES] = ALL_FNS(min, fold);
static const cols_fn min_cols[WEIR_NUM_DTYPES] = ALL_FNS(min, cols);
static const afold_fn argmax_folds[WEIR_NUM_DTYPES] = ALL_FNS(argmax, fold);
static const acols_fn argmax_cols[WEIR_NUM_DTYPES] = ALL_FNS(argmax, cols);
static const afold_fn argmin_folds[WEIR_NUM_DTYPES] = ALL_FNS(argmin, fold);
static const acols_fn argmin_cols[WEIR_NUM_DTYPES] = ALL_FNS(argmin, cols);

/* ---- store: a block of accumulators into out's dtype ---- */

typedef void (*store_fn)(void *out, int64_t n, const acc_block *b, acc_kind kind, double div);
#define STORE(sfx, T, C, U, LD, ST, unused)                                                        \
  static void store_##sfx(void *out_, int64_t n, const acc_block *b, acc_kind kind, double div) {  \
    T *out = out_;                                                                                 \
    if (kind == ACC_D)                                                                             \
      for (int64_t j = 0; j < n; j++) out[j] = WEIR__CPU_TO_##sfx(b->d[j] / div);                  \
    else if (kind == ACC_I)                                                                        \
      for (int64_t j = 0; j < n; j++) out[j] = WEIR__CPU_TO_##sfx(b->i[j]);                        \
    else                                                                                           \
      for (int64_t j = 0; j < n; j++) out[j] = WEIR__CPU_TO_##sfx(b->u[j]);                        \
  }
WEIR__CPU_ALL(STORE, 0)
static const store_fn stores[WEIR_NUM_DTYPES] = {WEIR__CPU_TAB_ALL(store)};

/* ---- the axes: merged groups and counters over some of them ---- */

typedef struct {
  int n;
  int64_t shape[WEIR_MAX_NDIM], stride[WEIR_MAX_NDIM], idx[WEIR_MAX_NDIM];
  int64_t off; /* sum of idx * stride */
} counter;

static void counter_add(counter *k, int64_t shape, int64_t stride) {
  k->shape[k->n] = shape;
  k->stride[k->n] = stride;
  k->n++;
}
static int64_t counter_count(const counter *k) {
  int64_t n = 1;
  for (int d = 0; d < k->n; d++) n *= k->shape[d];
  return n;
}
/* Positions the counter at flat; flat 0 needs no division (an axis may have size 0). */
static void counter_set(counter *k, int64_t flat) {
  k->off = 0;
  for (int d = k->n - 1; d >= 0; d--) {
    if (flat == 0) {
      k->idx[d] = 0;
      continue;
    }
    k->idx[d] = flat % k->shape[d];
    flat /= k->shape[d];
    k->off += k->idx[d] * k->stride[d];
  }
}
static void counter_next(counter *k) {
  for (int d = k->n - 1; d >= 0; d--) {
    k->off += k->stride[d];
    if (++k->idx[d] < k->shape[d] || d == 0) return;
    k->off -= k->shape[d] * k->stride[d];
    k->idx[d] = 0;
  }
}

/* What one reduction call needs. */
typedef struct {
  const char *in;
  int64_t isz; /* input element size */
  bool arg;
  acc_kind kind;
  union {
    double d;
    uint64_t u;
    int64_t i;
  } init;
  fold_fn fold;
  cols_fn cols;
  afold_fn afold;
  acols_fn acols;
  store_fn store;
  double div; /* MEAN: the reduced count; else 1 */
} reducer;

static void block_init(const reducer *R, acc_block *b, int64_t *idx, int64_t n) {
  for (int64_t j = 0; j < n; j++) {
    if (R->kind == ACC_D) b->d[j] = R->init.d;
    else if (R->kind == ACC_I) b->i[j] = R->init.i;
    else b->u[j] = R->init.u;
    idx[j] = 0;
  }
}

/* Accumulator j as the member the folds of R's kind use. */
static void *acc_at(const reducer *R, acc_block *b, int64_t j) {
  return R->kind == ACC_D ? (void *)&b->d[j] : R->kind == ACC_I ? (void *)&b->i[j] : (void *)&b->u[j];
}

static void block_store(const reducer *R, weir__kernel_call *c, int64_t o, int64_t n, const acc_block *b,
                        const int64_t *idx) {
  if (R->arg) {
    uint32_t *out = (uint32_t *)c->out.data + o;
    for (int64_t j = 0; j < n; j++) out[j] = (uint32_t)idx[j];
  } else {
    R->store((char *)c->out.data + o * weir__cpu_dsize(c->out.dtype), n, b, R->kind, R->div);
  }
}

/* Case A: innermost group reduced (length L); kept counts the kept groups, outer the other
   reduced groups. */
static void run_inner_reduced(const reducer *R, weir__kernel_call *c, counter *kept, counter *outer, int64_t L,
                              int64_t lo, int64_t hi) {
  acc_block b;
  int64_t idx[BLOCK], nouter = counter_count(outer);
  if (outer->n == 0 && L < SHORT_ROW) {
    /* Output o reduces elements [o * L, (o + 1) * L): a block of outputs takes element j of
       each of its rows at once (a strided cols pass), instead of one tiny fold per output. */
    for (int64_t o = lo; o < hi; o += BLOCK) {
      int64_t nb = hi - o < BLOCK ? hi - o : BLOCK;
      block_init(R, &b, idx, nb);
      for (int64_t j = 0; j < L; j++) {
        const char *p = R->in + (o * L + j) * R->isz;
        if (R->arg) R->acols(p, nb, L, &b, idx, j);
        else R->cols(p, nb, L, &b);
      }
      block_store(R, c, o, nb, &b, idx);
    }
    return;
  }
  counter_set(kept, lo);
  for (int64_t o = lo; o < hi; o += BLOCK) {
    int64_t nb = hi - o < BLOCK ? hi - o : BLOCK;
    block_init(R, &b, idx, nb);
    for (int64_t j = 0; j < nb; j++) {
      counter_set(outer, 0);
      for (int64_t r = 0; r < nouter; r++) {
        const char *p = R->in + (kept->off + outer->off) * R->isz;
        if (R->arg) R->afold(p, L, acc_at(R, &b, j), &idx[j], r * L);
        else R->fold(p, L, acc_at(R, &b, j));
        counter_next(outer);
      }
      counter_next(kept);
    }
    block_store(R, c, o, nb, &b, idx);
  }
}

/* Case B: innermost group kept (length K, stride 1); kept counts the other kept groups,
   red all reduced groups. */
static void run_inner_kept(const reducer *R, weir__kernel_call *c, counter *kept, counter *red, int64_t K,
                           int64_t lo, int64_t hi) {
  acc_block b;
  int64_t idx[BLOCK], nred = counter_count(red), col = lo % K;
  counter_set(kept, lo / K);
  for (int64_t o = lo; o < hi;) {
    int64_t nb = K - col;
    if (nb > BLOCK) nb = BLOCK;
    if (nb > hi - o) nb = hi - o;
    block_init(R, &b, idx, nb);
    counter_set(red, 0);
    for (int64_t r = 0; r < nred; r++) {
      const char *p = R->in + (kept->off + red->off + col) * R->isz;
      if (R->arg) R->acols(p, nb, 1, &b, idx, r);
      else R->cols(p, nb, 1, &b);
      counter_next(red);
    }
    block_store(R, c, o, nb, &b, idx);
    o += nb;
    col += nb;
    if (col == K) {
      col = 0;
      counter_next(kept);
    }
  }
}

/* Picks the functions and accumulator for c's primitive and input dtype. */
static void pick(reducer *R, weir__prim p, weir_dtype t, int64_t count) {
  bool fl = weir__dtype_is_float(t), sg = weir__dtype_is_signed_int(t);
  acc_kind natural = fl ? ACC_D : sg ? ACC_I : ACC_U;
  R->kind = natural;
  R->div = 1.0;
  R->arg = false;
  R->fold = NULL;
  R->cols = NULL;
  R->afold = NULL;
  R->acols = NULL;
  switch (p) {
  case WEIR__P_SUM:
  case WEIR__P_PROD:
    R->fold = p == WEIR__P_SUM ? sum_folds[t] : prod_folds[t];
    R->cols = p == WEIR__P_SUM ? sum_cols[t] : prod_cols[t];
    if (fl) R->init.d = p == WEIR__P_SUM ? 0.0 : 1.0;
    else R->init.u = p == WEIR__P_SUM ? 0 : 1;
    break;
  case WEIR__P_MEAN:
    R->kind = ACC_D;
    R->fold = sumd_folds[t];
    R->cols = sumd_cols[t];
    R->init.d = 0.0;
    R->div = (double)count;
    break;
  case WEIR__P_MAX:
  case WEIR__P_ARGMAX:
    R->fold = max_folds[t];
    R->cols = max_cols[t];
    R->afold = argmax_folds[t];
    R->acols = argmax_cols[t];
    if (fl) R->init.d = -INFINITY;
    else if (sg) R->init.i = INT64_MIN;
    else R->init.u = 0;
    break;
  default: /* MIN, ARGMIN */
    R->fold = min_folds[t];
    R->cols = min_cols[t];
    R->afold = argmin_folds[t];
    R->acols = argmin_cols[t];
    if (fl) R->init.d = INFINITY;
    else if (sg) R->init.i = INT64_MAX;
    else R->init.u = UINT64_MAX;
    break;
  }
  R->arg = p == WEIR__P_ARGMAX || p == WEIR__P_ARGMIN;
}

/* ---- a whole contiguous input folded to one value, over the thread pool ----
   The input splits into FULL_PARTS equal parts whatever the thread count (so the result does not
   depend on it); each part folds into its own accumulator, and the parts are then folded in
   order with the same operation over the accumulator type (double, uint64 or int64). */
#define FULL_PARTS 64
#define FULL_MIN ((int64_t)1 << 18) /* elements; fewer fold on the calling thread */

typedef struct {
  const reducer *R;
  int64_t count, part;
  acc_block *acc; /* acc->{d,u,i}[k]: part k's accumulator */
} full_fold;

static void fold_parts(void *ctx, int64_t k0, int64_t k1) {
  const full_fold *F = ctx;
  for (int64_t k = k0; k < k1; k++) {
    int64_t lo = k * F->part, n = lo + F->part < F->count ? F->part : F->count - lo;
    if (n > 0) F->R->fold(F->R->in + lo * F->R->isz, n, acc_at(F->R, F->acc, k));
  }
}

/* out[0] = the fold of all `count` elements, when it is big enough to split; false otherwise. */
static bool reduce_all_parallel(const reducer *R, weir__prim p, weir__kernel_call *c, int64_t count) {
  if (R->arg || count < FULL_MIN) return false;
  acc_block *acc = weir__malloc(sizeof *acc); /* FULL_PARTS of its entries */
  if (!acc) return false;
  int64_t idx[FULL_PARTS];
  block_init(R, acc, idx, FULL_PARTS);
  full_fold F = {R, count, (count + FULL_PARTS - 1) / FULL_PARTS, acc};
  weir__pool_run(FULL_PARTS, 1, fold_parts, &F);
  /* the parts in order, folded by the same operation over the accumulators */
  reducer C = *R;
  weir_dtype at = R->kind == ACC_D ? WEIR_FLOAT64 : R->kind == ACC_I ? WEIR_INT64 : WEIR_UINT64;
  pick(&C, p == WEIR__P_MEAN ? WEIR__P_SUM : p, at, FULL_PARTS);
  acc_block total;
  block_init(R, &total, idx, 1);
  C.fold(acc_at(R, acc, 0), FULL_PARTS, acc_at(R, &total, 0));
  block_store(R, c, 0, 1, &total, idx);
  free(acc);
  return true;
}

/* The product of in's dims on the axes in mask (reduced) or not in it (kept); 0 when one of them
   is 0, without multiplying the others (an empty array's other dims may be huge). */
static int64_t axes_product(const weir__tensor *in, uint64_t mask, bool reduced) {
  for (int d = 0; d < in->ndim; d++)
    if ((((mask >> d) & 1) != 0) == reduced && in->shape[d] == 0) return 0;
  int64_t p = 1;
  for (int d = 0; d < in->ndim; d++)
    if ((((mask >> d) & 1) != 0) == reduced) p *= in->shape[d];
  return p;
}

weir_status weir__cpu_reduce(weir__kernel_call *c, int64_t lo, int64_t hi) {
  const char *name = weir__prim_name(c->prim);
  if (c->nin != 1) return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "%s expects 1 input, got %d", name, c->nin);
  const weir__tensor *in = &c->in[0];
  if (!in->contiguous) return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "%s expects a contiguous input", name);
  uint64_t mask = c->params->reduce.axes_mask;
  if (in->ndim < 64 && (mask >> in->ndim) != 0)
    return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "%s: axes mask 0x%llx beyond the input's %d axes", name,
                          (unsigned long long)mask, in->ndim);
  /* Of an empty input nothing is read: when the kept axes are empty too, the reduced ones may
     multiply past int64 ((2^62, 2^62, 0) over axes 0 and 1) and the count is never used. */
  int64_t kept_size = axes_product(in, mask, false);
  int64_t count = in->size == 0 && kept_size == 0 ? 0 : axes_product(in, mask, true);
  weir_dtype t = in->dtype, ot = c->out.dtype;
  bool arg = c->prim == WEIR__P_ARGMAX || c->prim == WEIR__P_ARGMIN;
  bool extreme = arg || c->prim == WEIR__P_MAX || c->prim == WEIR__P_MIN;
  if (kept_size != c->out.size)
    return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "%s: output has %lld elements, the kept axes %lld", name,
                          (long long)c->out.size, (long long)kept_size);
  if (arg ? ot != WEIR_UINT32 : (extreme && ot != t))
    return weir__cpu_fail(c, WEIR_ERR_INTERNAL, "%s of %s: output dtype %s not expected", name, weir_dtype_name(t),
                          weir_dtype_name(ot));
  if (extreme && count == 0 && c->out.size > 0)
    return weir__cpu_fail(c, WEIR_ERR_INVALID_ARGUMENT, "%s of an empty array", name);
  if (lo >= hi) return WEIR_OK;
  weir__tensor empty; /* an empty reduction (count 0, a non-empty output): kernel_math.h */
  if (count == 0) {
    empty = *in;
    empty.ndim = weir__empty_reduce_shape(in->shape, in->ndim, &mask, empty.shape);
    in = &empty;
  }

  reducer R;
  pick(&R, c->prim, t, count);
  R.in = (const char *)in->data;
  R.isz = weir__cpu_dsize(t);
  R.store = stores[ot];

  /* Merge consecutive axes of one kind, skipping size-1 axes (strides are row-major). */
  int64_t gshape[WEIR_MAX_NDIM];
  bool gred[WEIR_MAX_NDIM];
  int ng = weir__merge_reduce_axes(in->shape, in->ndim, mask, gshape, gred);
  if (ng == 0) { /* one element */
    gshape[0] = 1;
    gred[ng++] = false;
  }
  int64_t gstride[WEIR_MAX_NDIM], s = 1;
  for (int g = ng - 1; g >= 0; g--) {
    gstride[g] = s;
    s *= gshape[g];
  }
  counter kept = {0}, red = {0};
  for (int g = 0; g < ng - 1; g++) counter_add(gred[g] ? &red : &kept, gshape[g], gstride[g]);
  if (ng == 1 && gred[0] && lo == 0 && hi == 1 && reduce_all_parallel(&R, c->prim, c, count)) return WEIR_OK;
  if (gred[ng - 1]) {
    run_inner_reduced(&R, c, &kept, &red, gshape[ng - 1], lo, hi);
  } else {
    run_inner_kept(&R, c, &kept, &red, gshape[ng - 1], lo, hi);
  }
  return WEIR_OK;
}
