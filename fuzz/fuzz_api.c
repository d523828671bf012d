/* libFuzzer target for weir's C API: the input is a program. Each step reads an opcode byte and
   its arguments from the input and makes one call: array creation (random shapes and dtypes,
   0-size and huge dims), broadcasting binary ops, unary ops, reductions with random axes,
   reshape/transpose/slice/pad/tile arguments, selection/joins/sorting, astype/copy across
   streams (several CPU streams; GPU streams when a GPU is present), eval/async_eval/synchronize,
   stream creation/free/push/pop, memory limits, and frees in random order.

   Checked for every call: it returns WEIR_OK with a well-formed result, or a status inside the
   enum (never WEIR_ERR_INTERNAL) with a non-empty message and no result. After each input every
   array and stream is released and the runtime's active memory is back where it started.
   Sanitizers (ASan, UBSan, LeakSanitizer) and libFuzzer's timeout catch the rest.

   The fuzzer's own memory is bounded: arrays kept in the slots hold at most CAP elements (a
   larger result, which ops only describe lazily, is freed unevaluated, or evaluated under a memory
   limit smaller than it, where eval must fail), and contractions (matmul, tensordot,
   einsum, allclose) run only when the product of their operand sizes is small. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weir/weir.h>

#include "fuzz_api.h"

static weir_stream persistent[MAX_STREAMS];
static int npersistent;
static size_t base_limit, base_cache_limit, base_active;
static weir_stream base_default[3]; /* cpu, gpu:0, gpu:1 (when present) */
static int base_defaults;

void fz_die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "fuzz_api: ");
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  abort();
}

uint8_t fz_u8(fz *f) {
  if (!f->n) return 0;
  f->n--;
  return *f->p++;
}
/* Mostly small values, sometimes one from the list of edge cases. */
int64_t fz_small(fz *f, int small) {
  static const int64_t edges[] = {INT64_MAX, INT64_MIN, -1, -2, INT32_MAX, INT32_MIN, (int64_t)1 << 31,
                                  (int64_t)1 << 32, ((int64_t)1 << 32) + 1, (int64_t)1 << 40, (int64_t)1 << 62,
                                  65536, 65537, 1000003, INT64_MAX - 1, INT64_MIN + 1};
  uint8_t b = fz_u8(f);
  if (b < 232) return (int64_t)(b % (small + 1));
  return edges[b % (sizeof edges / sizeof edges[0])];
}
int64_t fz_signed(fz *f, int small, int64_t off) {
  int64_t v = fz_small(f, small), r;
  return __builtin_sub_overflow(v, off, &r) ? v : r;
}
static int64_t dim(fz *f) { return fz_small(f, 6); }
int fz_axis(fz *f) {
  uint8_t b = fz_u8(f);
  if (b < 240) return (int)(b % 11) - 5; /* -5..5 */
  static const int edges[] = {INT32_MAX, INT32_MIN, 32, -33, 100, -100, 31, -32};
  return edges[b % 8];
}
/* ndim for a shape argument: usually 0..4, sometimes out of range. The buffers passed with it
   hold SHAPE_BUF entries; weir must refuse ndim > WEIR_MAX_NDIM before reading past that. */
#define SHAPE_BUF (WEIR_MAX_NDIM + 8)
static int ndim_arg(fz *f) {
  uint8_t b = fz_u8(f);
  if (b < 240) return b % 5;
  static const int edges[] = {-1, 32, 33, SHAPE_BUF, INT32_MAX, INT32_MIN, 5, 8};
  return edges[b % 8];
}
static int fz_shape(fz *f, int64_t *shape) {
  int nd = ndim_arg(f);
  int fill = nd < 0 ? 0 : nd > SHAPE_BUF ? SHAPE_BUF : nd;
  for (int i = 0; i < SHAPE_BUF; i++) shape[i] = i < fill ? dim(f) : 1;
  return nd;
}
weir_dtype fz_dtype(fz *f) {
  uint8_t b = fz_u8(f);
  if (b < 250) return (weir_dtype)(b % WEIR_NUM_DTYPES);
  return (weir_dtype)(b % 2 ? -1 : WEIR_NUM_DTYPES + b % 3); /* not a dtype */
}
double fz_double(fz *f) {
  static const double edges[] = {0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 1e300, -1e300, 65504.0, 3e38, 1e-300, 255.0};
  uint8_t b = fz_u8(f);
  if (b < 200) return edges[b % 12];
  if (b < 240) return (double)(int8_t)fz_u8(f);
  if (b < 250) return b % 2 ? INFINITY : -INFINITY;
  return NAN;
}

weir_stream fz_stream(fz *f) {
  uint8_t b = fz_u8(f);
  if (b < 200) return f->streams[b % f->nstreams];
  switch (b % 8) {
  case 0: return WEIR_DEFAULT;
  case 1: return weir_on(WEIR_CPU_DEVICE);
  case 2: return weir_on(WEIR_GPU_DEVICE(0)); /* no GPU here: an error */
  case 3: return (weir_stream){WEIR_CPU_DEVICE, 1 << 20};
  case 4: return (weir_stream){{(weir_device_type)7, 0}, 0};
  case 5: return (weir_stream){{WEIR_CPU, -1}, 0};
  case 6: return (weir_stream){{WEIR_GPU, 99}, 0};
  default: return f->ndead ? f->dead[b % f->ndead] : (weir_stream){WEIR_CPU_DEVICE, -5};
  }
}

/* An array argument: a slot's array, or NULL for an empty slot (which must be refused). */
weir_array *fz_arr(fz *f) { return f->slot[fz_u8(f) % NSLOT]; }

void fz_check(weir_status st, const char *what) {
  if (st == WEIR_OK) return;
  if ((int)st < WEIR_ERR_INVALID_ARGUMENT || (int)st > WEIR_ERR_INTERNAL)
    fz_die("%s: status %d is outside the enum", what, (int)st);
  const char *m = weir_last_error();
  if (!m || !m[0]) fz_die("%s: %s with an empty message", what, weir_status_name(st));
  if (st == WEIR_ERR_INTERNAL) fz_die("%s: internal error: %s", what, m);
}

static void check_shape(const weir_array *a, const char *what) {
  int nd = weir_array_ndim(a);
  if (nd < 0 || nd > WEIR_MAX_NDIM) fz_die("%s: result ndim %d", what, nd);
  const int64_t *sh = weir_array_shape(a);
  if (nd && !sh) fz_die("%s: NULL shape", what);
  int64_t size = 1;
  for (int i = 0; i < nd; i++) {
    if (sh[i] < 0) fz_die("%s: result dim %d is %lld", what, i, (long long)sh[i]);
    if (!sh[i]) size = 0;
  }
  for (int i = 0; size && i < nd; i++) {
    if (size > INT64_MAX / sh[i]) fz_die("%s: result size overflows", what);
    size *= sh[i];
  }
  if (size != weir_array_size(a))
    fz_die("%s: size %lld, shape product %lld", what, (long long)weir_array_size(a), (long long)size);
  if (weir_array_dtype(a) < 0 || weir_array_dtype(a) >= WEIR_NUM_DTYPES)
    fz_die("%s: result dtype %d", what, (int)weir_array_dtype(a));
}

/* Keeps a result: an op's status and out. A result too large to keep is freed unevaluated, or
   evaluated under a memory limit (EVAL_LIMIT) it is larger than: that must fail. */
#define EVAL_LIMIT ((size_t)64 << 20)
void fz_put(fz *f, weir_status st, weir_array **outp, const char *what) {
  weir_array *out = *outp; /* read after the op ran (a pointer argument: no order of evaluation to rely on) */
  fz_check(st, what);
  if (st != WEIR_OK) {
    if (out) fz_die("%s failed (%s) but set its result", what, weir_last_error());
    return;
  }
  if (!out) fz_die("%s: WEIR_OK and no result", what);
  check_shape(out, what);
  uint8_t b = fz_u8(f);
  if (weir_array_size(out) > CAP) {
    size_t nbytes = (size_t)weir_array_size(out) * weir_dtype_size(weir_array_dtype(out));
    if (b % 4 == 0 && nbytes > EVAL_LIMIT) {
      /* under a limit smaller than the result (a composite op's intermediates stay under it too) */
      size_t limit = weir_memory_limit();
      weir_memory_set_limit(limit < EVAL_LIMIT ? limit : EVAL_LIMIT);
      st = weir_eval(&out, 1);
      weir_memory_set_limit(limit);
      if (st == WEIR_OK) fz_die("%s: eval of %zu bytes passed a limit of %zu", what, nbytes, (size_t)EVAL_LIMIT);
      fz_check(st, "eval (over the limit)");
    }
    weir_array_free(out);
    return;
  }
  weir_array_free(f->slot[b % NSLOT]);
  f->slot[b % NSLOT] = out;
}

static bool small_product(const weir_array *a, const weir_array *b) {
  return !a || !b || weir_array_size(a) * weir_array_size(b) <= CONTRACT_CAP;
}

/* Reads the evaluated data of a kept array (each byte, so ASan sees a short buffer). */
static void read_back(fz *f, const weir_array *a) {
  uint8_t b = fz_u8(f) % 5;
  if (b == 0) {
    const void *data = NULL;
    weir_status st = weir_array_data(a, &data);
    fz_check(st, "weir_array_data");
    if (st == WEIR_OK) {
      if (!data && weir_array_nbytes(a)) fz_die("weir_array_data: OK and NULL data");
      volatile uint8_t sum = 0;
      for (size_t i = 0; i < weir_array_nbytes(a); i++) sum += ((const uint8_t *)data)[i];
      (void)sum;
    }
  } else if (b == 1) {
    double d;
    fz_check(weir_array_item_double(a, &d), "weir_array_item_double");
  } else if (b == 2) {
    int64_t v;
    fz_check(weir_array_item_int64(a, &v), "weir_array_item_int64");
  } else if (b == 3) {
    char *s = NULL;
    weir_status st = weir_array_tostring(a, &s);
    fz_check(st, "weir_array_tostring");
    if (st == WEIR_OK && (!s || !s[0])) fz_die("weir_array_tostring: OK and an empty string");
    free(s);
  } else {
    weir_stream s = weir_array_stream(a);
    char buf[96];
    weir_stream_tostring(s, buf, sizeof buf);
  }
}

static void step_create(fz *f) {
  int64_t shape[SHAPE_BUF];
  int nd = fz_shape(f, shape);
  weir_dtype t = fz_dtype(f);
  weir_stream s = fz_stream(f);
  weir_array *out = NULL;
  weir_status st;
  switch (fz_u8(f) % 9) {
  case 0: st = weir_zeros(&out, shape, nd, t, s); fz_put(f, st, &out, "weir_zeros"); break;
  case 1: st = weir_ones(&out, shape, nd, t, s); fz_put(f, st, &out, "weir_ones"); break;
  case 2: st = weir_full(&out, shape, nd, fz_double(f), t, s); fz_put(f, st, &out, "weir_full"); break;
  case 3: {
    double a = fz_double(f), b = fz_double(f), c = fz_double(f);
    st = weir_arange(&out, a, b, c, t, s);
    fz_put(f, st, &out, "weir_arange");
    break;
  }
  case 4: {
    /* data: a buffer of the right size when the shape is small; NULL otherwise (refused) */
    int64_t size = 1;
    bool small = nd >= 0 && nd <= WEIR_MAX_NDIM;
    for (int i = 0; small && i < nd; i++) {
      if (shape[i] < 0 || shape[i] > CAP) small = false;
      else if (shape[i] == 0) size = 0;
      else if ((size *= shape[i]) > CAP) small = false;
    }
    size_t es = weir_dtype_size(t) ? weir_dtype_size(t) : 8;
    uint8_t *data = small ? malloc((size_t)size * es + 1) : NULL;
    for (size_t i = 0; data && i < (size_t)size * es; i++) data[i] = fz_u8(f) ^ (uint8_t)i;
    st = weir_array_from_data(&out, data, shape, nd, t);
    free(data);
    fz_put(f, st, &out, "weir_array_from_data");
    break;
  }
  case 5: st = weir_array_from_scalar(&out, fz_double(f), t); fz_put(f, st, &out, "weir_array_from_scalar"); break;
  case 6: {
    double a = fz_double(f), b = fz_double(f);
    weir_array *key = fz_u8(f) % 2 ? fz_arr(f) : NULL;
    if (fz_u8(f) % 2) st = weir_random_normal(&out, shape, nd, t, a, b, key, s);
    else st = weir_random_uniform(&out, shape, nd, t, a, b, key, s);
    fz_put(f, st, &out, "weir_random_normal/uniform");
    break;
  }
  case 7: {
    int64_t n = dim(f), m = dim(f), k = fz_signed(f, 4, 2);
    st = weir_eye(&out, n, m, k, t, s);
    fz_put(f, st, &out, "weir_eye");
    break;
  }
  default: {
    double a = fz_double(f), b = fz_double(f);
    int64_t num = dim(f);
    bool endpoint = fz_u8(f) % 2;
    st = weir_linspace(&out, a, b, num, endpoint, t, s);
    fz_put(f, st, &out, "weir_linspace");
  }
  }
}

typedef weir_status (*binary_fn)(weir_array **, const weir_array *, const weir_array *, weir_stream);
typedef weir_status (*unary_fn)(weir_array **, const weir_array *, weir_stream);
typedef weir_status (*reduce_fn)(weir_array **, const weir_array *, const int *, int, bool, weir_stream);

#define E(name) {weir_##name, "weir_" #name}
static const struct { binary_fn fn; const char *name; } binaries[] = {
    E(add), E(subtract), E(multiply), E(divide), E(maximum), E(minimum), E(power), E(floor_divide),
    E(remainder), E(arctan2), E(bitwise_and), E(bitwise_or), E(bitwise_xor), E(left_shift), E(right_shift),
    E(equal), E(not_equal), E(less), E(less_equal), E(greater), E(greater_equal), E(logical_and), E(logical_or)};
static const struct { unary_fn fn; const char *name; } unaries[] = {
    E(abs), E(negative), E(exp), E(log), E(sin), E(cos), E(tanh), E(sqrt), E(square), E(sigmoid), E(expm1),
    E(log1p), E(log2), E(log10), E(rsqrt), E(reciprocal), E(tan), E(arcsin), E(arccos), E(arctan), E(sinh),
    E(cosh), E(erf), E(floor), E(ceil), E(round), E(sign), E(isnan), E(isinf), E(logical_not),
    E(bitwise_invert), E(copy)};
static const struct { reduce_fn fn; const char *name; } reductions[] = {
    E(sum), E(mean), E(max), E(min), E(prod), E(all), E(any), E(logsumexp)};
#undef E
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void step_elementwise(fz *f) {
  weir_array *out = NULL;
  if (fz_u8(f) % 2) {
    unsigned i = fz_u8(f) % COUNT(binaries);
    weir_array *a = fz_arr(f), *b = fz_arr(f);
    fz_put(f, binaries[i].fn(&out, a, b, fz_stream(f)), &out, binaries[i].name);
  } else {
    unsigned i = fz_u8(f) % COUNT(unaries);
    weir_array *a = fz_arr(f);
    fz_put(f, unaries[i].fn(&out, a, fz_stream(f)), &out, unaries[i].name);
  }
}

/* Axes: NULL/0 (all), or 1..5 random ones (repeats, negative and out of range included). */
static int axes_arg(fz *f, int *axes) {
  uint8_t b = fz_u8(f);
  if (b % 4 == 0) return 0;
  int n = b % 6;
  if (b >= 250) n = b % 2 ? -1 : 40; /* a bad count */
  for (int i = 0; i < 8; i++) axes[i] = fz_axis(f);
  return n > 8 ? 8 + n % 2 : n;      /* never more than the buffer, but counts weir must refuse */
}

static void step_reduce(fz *f) {
  weir_array *out = NULL;
  int axes[9];
  weir_array *a = fz_arr(f);
  int n = axes_arg(f, axes);
  const int *ax = n ? axes : (fz_u8(f) % 8 ? NULL : axes);
  bool keep = fz_u8(f) % 2;
  weir_stream s = fz_stream(f);
  unsigned k = fz_u8(f) % (COUNT(reductions) + 4);
  if (k < COUNT(reductions)) {
    fz_put(f, reductions[k].fn(&out, a, ax, n, keep, s), &out, reductions[k].name);
  } else if (k == COUNT(reductions)) {
    int ddof = (int)fz_small(f, 3);
    weir_status st = fz_u8(f) % 2 ? weir_var(&out, a, ax, n, keep, ddof, s) : weir_std(&out, a, ax, n, keep, ddof, s);
    fz_put(f, st, &out, "weir_var/std");
  } else if (k == COUNT(reductions) + 1) {
    fz_put(f, weir_softmax(&out, a, ax, n, s), &out, "weir_softmax");
  } else if (k == COUNT(reductions) + 2) {
    fz_put(f, weir_argmax(&out, a, axes[0], keep, s), &out, "weir_argmax");
  } else {
    fz_put(f, weir_argmin(&out, a, axes[0], keep, s), &out, "weir_argmin");
  }
}

static void step_shape(fz *f) {
  weir_array *out = NULL;
  weir_array *a = fz_arr(f);
  int64_t shape[SHAPE_BUF];
  weir_status st;
  switch (fz_u8(f) % 6) {
  case 0: {
    int nd = fz_shape(f, shape);
    if (nd > 0 && fz_u8(f) % 2) shape[fz_u8(f) % nd % SHAPE_BUF] = -1; /* infer one dim */
    st = weir_reshape(&out, a, shape, nd, fz_stream(f));
    fz_put(f, st, &out, "weir_reshape");
    break;
  }
  case 1: {
    int perm[SHAPE_BUF];
    int n = ndim_arg(f);
    int first = fz_u8(f);
    for (int i = 0; i < SHAPE_BUF; i++) perm[i] = (first + i * (1 + first % 3)) % (n > 0 && n < 8 ? n : 5);
    if (fz_u8(f) % 4 == 0) perm[fz_u8(f) % SHAPE_BUF] = fz_axis(f);
    const int *p = fz_u8(f) % 5 ? perm : NULL;
    st = weir_transpose(&out, a, p, n, fz_stream(f));
    fz_put(f, st, &out, "weir_transpose");
    break;
  }
  case 2: {
    int64_t start[WEIR_MAX_NDIM], stop[WEIR_MAX_NDIM], step[WEIR_MAX_NDIM];
    for (int i = 0; i < WEIR_MAX_NDIM; i++) {
      start[i] = fz_signed(f, 8, 4);
      stop[i] = fz_u8(f) % 3 ? fz_signed(f, 8, 4) : (fz_u8(f) % 2 ? INT64_MAX : INT64_MIN);
      step[i] = fz_signed(f, 4, 2);
    }
    bool null = fz_u8(f) % 16 == 0;
    st = weir_slice(&out, a, null ? NULL : start, stop, step, fz_stream(f));
    fz_put(f, st, &out, "weir_slice");
    break;
  }
  case 3: {
    int64_t before[WEIR_MAX_NDIM], after[WEIR_MAX_NDIM];
    for (int i = 0; i < WEIR_MAX_NDIM; i++) before[i] = fz_small(f, 2), after[i] = fz_small(f, 2);
    double v = fz_double(f);
    st = weir_pad(&out, a, before, after, v, fz_stream(f));
    fz_put(f, st, &out, "weir_pad");
    break;
  }
  case 4: {
    int nd = fz_shape(f, shape);
    weir_stream s = fz_stream(f);
    if (fz_u8(f) % 2) st = weir_broadcast_to(&out, a, shape, nd, s), fz_put(f, st, &out, "weir_broadcast_to");
    else st = weir_tile(&out, a, shape, nd, s), fz_put(f, st, &out, "weir_tile");
    break;
  }
  default: {
    int x = fz_axis(f), y = fz_axis(f);
    weir_stream s = fz_stream(f);
    int axes[9];
    int n;
    switch (fz_u8(f) % 8) {
    case 0: fz_put(f, weir_flatten(&out, a, x, y, s), &out, "weir_flatten"); break;
    case 1: fz_put(f, weir_swapaxes(&out, a, x, y, s), &out, "weir_swapaxes"); break;
    case 2: fz_put(f, weir_moveaxis(&out, a, x, y, s), &out, "weir_moveaxis"); break;
    case 3: n = axes_arg(f, axes), fz_put(f, weir_expand_dims(&out, a, axes, n, s), &out, "weir_expand_dims"); break;
    case 4: n = axes_arg(f, axes), fz_put(f, weir_squeeze(&out, a, n ? axes : NULL, n, s), &out, "weir_squeeze"); break;
    case 5: {
      int64_t r = fz_small(f, 3);
      bool flat = fz_u8(f) % 2;
      fz_put(f, weir_repeat(&out, a, r, x, flat, s), &out, "weir_repeat");
      break;
    }
    case 6: fz_put(f, weir_tril(&out, a, fz_signed(f, 4, 2), s), &out, "weir_tril"); break;
    default: fz_put(f, weir_triu(&out, a, fz_signed(f, 4, 2), s), &out, "weir_triu");
    }
  }
  }
}

static void step_cast(fz *f) {
  weir_array *out = NULL;
  weir_array *a = fz_arr(f);
  weir_dtype t = fz_dtype(f);
  fz_put(f, weir_astype(&out, a, t, fz_stream(f)), &out, "weir_astype");
}

static void step_contract(fz *f) {
  weir_array *out = NULL;
  weir_array *a = fz_arr(f), *b = fz_arr(f);
  weir_stream s = fz_stream(f);
  uint8_t k = fz_u8(f) % 7;
  if (!small_product(a, b)) return; /* would compute too long */
  switch (k) {
  case 0: fz_put(f, weir_matmul(&out, a, b, s), &out, "weir_matmul"); break;
  case 1: fz_put(f, weir_outer(&out, a, b, s), &out, "weir_outer"); break;
  case 2: fz_put(f, weir_inner(&out, a, b, s), &out, "weir_inner"); break;
  case 3: {
    int ax[4], bx[4]; /* filled in order (an initializer list's order is unspecified) */
    for (int i = 0; i < 4; i++) ax[i] = fz_axis(f);
    for (int i = 0; i < 4; i++) bx[i] = fz_axis(f);
    int n = (int)fz_small(f, 4) % 5;
    bool ints = fz_u8(f) % 2;
    fz_put(f, weir_tensordot(&out, a, b, ints ? NULL : ax, ints ? NULL : bx, n, s), &out, "weir_tensordot");
    break;
  }
  case 4: {
    static const char *subs[] = {"ij,jk->ik", "i,i->", "ij->ji", "ij,jk", "bij,bjk->bik", "i,j->ij", "ii->i",
                                 "...i->i", "ij,,jk", "->", "", "i->", "ab,b->a", "I,i", "ij,jk->ikl", "a"};
    const weir_array *ops[2] = {a, b};
    int n = fz_u8(f) % 4;
    fz_put(f, weir_einsum(&out, subs[fz_u8(f) % 16], ops, n > 2 ? 1 : n, s), &out, "weir_einsum");
    break;
  }
  case 5: {
    bool eq = false;
    double rtol = fz_double(f), atol = fz_double(f);
    fz_check(weir_allclose(&eq, a, b, rtol, atol), "weir_allclose");
    break;
  }
  default: {
    bool eq = false;
    fz_check(weir_array_equal(&eq, a, b), "weir_array_equal");
  }
  }
}

static void step_eval(fz *f) {
  weir_array *list[NSLOT + 1];
  size_t n = fz_u8(f) % (NSLOT + 1);
  for (size_t i = 0; i < n; i++) list[i] = fz_arr(f); /* may hold NULLs: refused */
  uint8_t k = fz_u8(f) % 6;
  if (k == 0) fz_check(weir_async_eval(list, n), "weir_async_eval");
  else if (k == 1) fz_check(weir_eval(n ? list : NULL, n), "weir_eval");
  else if (k == 2) fz_check(weir_synchronize(fz_stream(f)), "weir_synchronize");
  else if (k == 3) fz_check(weir_synchronize_all(), "weir_synchronize_all");
  else if (k == 4) {
    weir_array *a = fz_arr(f);
    if (a) read_back(f, a);
  } else {
    fz_check(weir_eval(list, n), "weir_eval");
  }
}

static void step_free(fz *f) {
  uint8_t b = fz_u8(f);
  int i = b % NSLOT;
  if (b & 0x80 && f->slot[i]) { /* a second reference in another slot */
    int j = fz_u8(f) % NSLOT;
    if (j != i) {
      weir_array_free(f->slot[j]);
      f->slot[j] = weir_array_retain(f->slot[i]);
    }
    return;
  }
  weir_array_free(f->slot[i]);
  f->slot[i] = NULL;
}

static void step_streams(fz *f) {
  weir_status st;
  switch (fz_u8(f) % 7) {
  case 0: {
    weir_stream s = {{0, 0}, 0};
    weir_device d = WEIR_CPU_DEVICE;
    if (fz_u8(f) % 4 == 0) {
      d.type = (weir_device_type)(fz_u8(f) % 4);
      d.index = fz_u8(f) % 3 - 1;
    }
    st = weir_stream_new(d, &s);
    fz_check(st, "weir_stream_new");
    if (st == WEIR_OK) {
      if (f->nstreams < MAX_STREAMS) f->streams[f->nstreams++] = s;
      else fz_check(weir_stream_free(s), "weir_stream_free");
    }
    break;
  }
  case 1: { /* frees one of this input's streams (arrays made on it remain) */
    if (f->nstreams == f->npersistent) break;
    int i = f->npersistent + fz_u8(f) % (f->nstreams - f->npersistent);
    weir_stream s = f->streams[i];
    st = weir_stream_free(s);
    fz_check(st, "weir_stream_free");
    /* a freed stream is dead even when draining reported an error */
    f->streams[i] = f->streams[--f->nstreams];
    f->dead[f->ndead < 4 ? f->ndead++ : fz_u8(f) % 4] = s;
    break;
  }
  case 2: fz_check(weir_stream_free(fz_stream(f)), "weir_stream_free"); break; /* defaults, dead, bad */
  case 3:
    st = weir_stream_push(fz_stream(f));
    fz_check(st, "weir_stream_push");
    if (st == WEIR_OK) f->pushed++;
    break;
  case 4:
    st = weir_stream_pop();
    fz_check(st, "weir_stream_pop");
    if (st == WEIR_OK) {
      if (!f->pushed) fz_die("weir_stream_pop: OK with nothing pushed");
      f->pushed--;
    }
    break;
  case 5:
    st = weir_set_default_stream(fz_stream(f));
    fz_check(st, "weir_set_default_stream");
    if (st == WEIR_OK) f->default_changed = true;
    break;
  default: {
    weir_stream r;
    fz_check(weir_stream_resolve(fz_stream(f), &r), "weir_stream_resolve");
  }
  }
}

static void step_misc(fz *f) {
  static const size_t limits[] = {0, 1, 64, 4096, 1 << 16, 1 << 20, 1 << 24, SIZE_MAX};
  switch (fz_u8(f) % 4) {
  case 0:
    weir_memory_set_limit(limits[fz_u8(f) % 8]);
    f->limit_changed = true;
    break;
  case 1:
    weir_memory_set_cache_limit(limits[fz_u8(f) % 8]);
    f->cache_limit_changed = true;
    break;
  case 2: {
    weir_array *out = NULL;
    weir_array *key = fz_arr(f);
    int num = (int)fz_small(f, 4);
    weir_stream s = fz_stream(f);
    if (fz_u8(f) % 2) fz_put(f, weir_random_split(&out, key, num, s), &out, "weir_random_split");
    else fz_put(f, weir_random_key(&out, (uint64_t)fz_small(f, 255)), &out, "weir_random_key");
    break;
  }
  default: {
    weir_array *out = NULL;
    int64_t shape[SHAPE_BUF];
    int nd = fz_shape(f, shape);
    weir_array *key = fz_arr(f);
    fz_put(f, weir_random_bits(&out, shape, nd, key, fz_stream(f)), &out, "weir_random_bits");
  }
  }
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  base_limit = weir_memory_limit();
  base_cache_limit = weir_memory_cache_limit();
  for (int k = -1; k < weir_device_count(WEIR_GPU) && k < 2; k++) {
    weir_device d = k < 0 ? WEIR_CPU_DEVICE : WEIR_GPU_DEVICE(k);
    if (weir_default_stream(d, &base_default[base_defaults]) != WEIR_OK) fz_die("no default stream: %s", weir_last_error());
    persistent[npersistent++] = base_default[base_defaults++];
    for (int i = 0; i < (k < 0 ? 2 : 1); i++)
      if (weir_stream_new(d, &persistent[npersistent]) == WEIR_OK) npersistent++;
  }
  base_active = weir_memory_active();
  return 0;
}

static void finish(fz *f) {
  for (int i = 0; i < NSLOT; i++) weir_array_free(f->slot[i]);
  while (f->pushed-- > 0) fz_check(weir_stream_pop(), "weir_stream_pop (cleanup)");
  for (int i = 0; f->default_changed && i < base_defaults; i++)
    fz_check(weir_set_default_stream(base_default[i]), "weir_set_default_stream (cleanup)");
  for (int i = f->npersistent; i < f->nstreams; i++) fz_check(weir_stream_free(f->streams[i]), "weir_stream_free");
  fz_check(weir_synchronize_all(), "weir_synchronize_all (cleanup)");
  if (f->limit_changed) weir_memory_set_limit(base_limit);
  if (f->cache_limit_changed) weir_memory_set_cache_limit(base_cache_limit);
  /* every buffer is released once its last array is freed and the streams are idle */
  if (weir_memory_active() != base_active)
    fz_die("active memory %zu after freeing everything, %zu before", weir_memory_active(), base_active);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz f = {.p = data, .n = size};
  memcpy(f.streams, persistent, sizeof persistent);
  f.nstreams = f.npersistent = npersistent;
  for (int steps = 0; f.n && steps < MAX_STEPS; steps++) {
    switch (fz_u8(&f) % 12) {
    case 0: case 1: step_create(&f); break;
    case 2: case 3: step_elementwise(&f); break;
    case 4: step_reduce(&f); break;
    case 5: step_shape(&f); break;
    case 6: step_cast(&f); break;
    case 7: step_select(&f); break;
    case 8: step_contract(&f); break;
    case 9: step_eval(&f); break;
    case 10: fz_u8(&f) % 2 ? step_free(&f) : step_streams(&f); break;
    default: step_misc(&f);
    }
  }
  finish(&f);
  return 0;
}
