/* floor_divide, remainder, arctan2, the bitwise ops, the shifts and bitwise_invert on the CPU,
   against references computed here (int64 / float64 loops written from the definitions) on fresh
   random inputs: every dtype that takes them, broadcasting, a transposed input, 0-d and size 0,
   zero divisors and MIN // -1, float specials, out-of-range shift amounts, result dtypes, and the
   errors for dtypes that the ops refuse. */
#include "harness.h"

#define CPU weir_on(WEIR_CPU_DEVICE)
typedef weir_status (*bin_fn)(weir_array **, const weir_array *, const weir_array *, weir_stream);

enum op_id { FDIV, MOD, ATAN2, AND, OR, XOR, SHL, SHR };
typedef struct {
  const char *name;
  bin_fn fn;
  enum op_id id;
} binop;
static const binop OPS[] = {
    {"floor_divide", weir_floor_divide, FDIV}, {"remainder", weir_remainder, MOD},
    {"arctan2", weir_arctan2, ATAN2},          {"bitwise_and", weir_bitwise_and, AND},
    {"bitwise_or", weir_bitwise_or, OR},       {"bitwise_xor", weir_bitwise_xor, XOR},
    {"left_shift", weir_left_shift, SHL},      {"right_shift", weir_right_shift, SHR},
};
#define NOPS ((int)(sizeof OPS / sizeof OPS[0]))

static const weir_dtype ALL[] = {WEIR_BOOL,    WEIR_UINT8,   WEIR_UINT16,  WEIR_UINT32,   WEIR_UINT64,
                                 WEIR_INT8,    WEIR_INT16,   WEIR_INT32,   WEIR_INT64,    WEIR_FLOAT16,
                                 WEIR_BFLOAT16, WEIR_FLOAT32, WEIR_FLOAT64};
#define NALL ((int)(sizeof ALL / sizeof ALL[0]))

static int bits_of(weir_dtype t) { return 8 * (int)weir_dtype_size(t); }

/* Python's floor division and modulo, written out (not through the library's helpers). */
static int64_t py_floordiv(int64_t a, int64_t b) {
  if (b == 0) return 0;
  double q = floor((double)a / (double)b); /* exact for |a| < 2^52 */
  return (int64_t)q;
}

static double ref_int(enum op_id id, weir_dtype t, double da, double db) {
  int64_t a = (int64_t)da, b = (int64_t)db;
  bool uns = h_is_unsigned(t) || t == WEIR_BOOL;
  int bits = bits_of(t);
  switch (id) {
  case FDIV:
    if (t == WEIR_BOOL) return (a && b) ? 1 : 0;
    return h_wrap_int(t, (uint64_t)py_floordiv(a, b));
  case MOD: {
    if (b == 0) return 0;
    int64_t r = a - py_floordiv(a, b) * b;
    return h_wrap_int(t, (uint64_t)r);
  }
  case AND: return h_wrap_int(t, (uint64_t)a & (uint64_t)b);
  case OR: return h_wrap_int(t, (uint64_t)a | (uint64_t)b);
  case XOR: return h_wrap_int(t, (uint64_t)a ^ (uint64_t)b);
  case SHL:
    if (b < 0 || b >= bits) return 0;
    return h_wrap_int(t, (uint64_t)a * ((uint64_t)1 << b));
  case SHR:
    if (b < 0 || b >= bits) return (!uns && a < 0) ? -1 : 0;
    return (double)(int64_t)floor((double)a / ldexp(1.0, (int)b)); /* arithmetic: rounds down */
  default: return NAN;
  }
}

/* Float reference: numpy's divmod (npy_divmod) written out in double, each step rounded to the
   type the kernel computes in (float32 for the half types), the result rounded to t. */
static double ref_float(enum op_id id, weir_dtype t, double a, double b) {
  weir_dtype c = t == WEIR_FLOAT64 ? WEIR_FLOAT64 : WEIR_FLOAT32;
  double m = fmod(a, b); /* exact */
  switch (id) {
  case FDIV: {
    if (b == 0) return h_round_to(t, a / b);
    double d = h_round_to(c, h_round_to(c, a - m) / b);
    if (m != 0 && ((b < 0) != (m < 0))) d = h_round_to(c, d - 1);
    if (d == 0) return copysign(0.0, a / b);
    double f = floor(d);
    return h_round_to(t, d - f > 0.5 ? f + 1 : f);
  }
  case MOD:
    if (b == 0) return m;
    if (m != 0) return h_round_to(t, ((b < 0) != (m < 0)) ? h_round_to(c, m + b) : m);
    return copysign(0.0, b);
  case ATAN2: return h_round_to(t, atan2(a, b));
  default: return NAN;
  }
}

static weir_dtype result_dtype(enum op_id id, weir_dtype t) {
  if (id == ATAN2) return h_is_float(t) ? t : WEIR_FLOAT32;
  if ((id == SHL || id == SHR) && t == WEIR_BOOL) return WEIR_UINT8;
  return t;
}

/* Values for a (lhs) and b (rhs) of op id in dtype t. */
static void rand_inputs(enum op_id id, weir_dtype t, double *va, int64_t na, double *vb, int64_t nb) {
  double lo = h_is_unsigned(t) ? 0 : -120, hi = t == WEIR_INT8 ? 127 : t == WEIR_UINT8 ? 255 : 3000;
  if (t == WEIR_INT8) lo = -128;
  h_rand_vals(va, na, t, lo, hi);
  if (id == SHL || id == SHR) h_rand_vals(vb, nb, t, h_is_unsigned(t) ? 0 : -2, bits_of(t) + 2);
  else if (id == FDIV || id == MOD) h_rand_vals(vb, nb, t, h_is_unsigned(t) ? 0 : -9, 9); /* zeros too */
  else h_rand_vals(vb, nb, t, lo, hi);
}

static bool same(weir_dtype t, double got, double want, double ulps) {
  if (isnan(want)) return isnan(got);
  if (isinf(want) || ulps == 0) return got == want;
  return fabs(got - want) <= ulps * h_ulp(t, want);
}

/* op(a, b) for a of shape sa and b of shape sb, checked element by element. */
static void check(const binop *op, weir_dtype t, const int64_t *sa, int na, const int64_t *sb, int nb) {
  int64_t n_a = 1, n_b = 1;
  for (int i = 0; i < na; i++) n_a *= sa[i];
  for (int i = 0; i < nb; i++) n_b *= sb[i];
  double *va = malloc(sizeof(double) * (size_t)(n_a + 1)), *vb = malloc(sizeof(double) * (size_t)(n_b + 1));
  rand_inputs(op->id, t, va, n_a, vb, n_b);
  weir_array *a = h_make(t, sa, na, va), *b = h_make(t, sb, nb, vb), *o = NULL;
  if (a && b && CHECK_OK(op->fn(&o, a, b, CPU))) {
    weir_dtype want_t = result_dtype(op->id, t);
    CHECK_MSG(weir_array_dtype(o) == want_t, "%s(%s) -> %s, want %s", op->name, weir_dtype_name(t),
              weir_dtype_name(weir_array_dtype(o)), weir_dtype_name(want_t));
    int64_t n = weir_array_size(o);
    double *got = malloc(sizeof(double) * (size_t)(n + 1));
    int bad = 0;
    if (CHECK_OK(h_read(o, got)))
      for (int64_t i = 0; i < n && bad < 3; i++) {
        double x = va[h_bcast_index(i, weir_array_shape(o), weir_array_ndim(o), sa, na)];
        double y = vb[h_bcast_index(i, weir_array_shape(o), weir_array_ndim(o), sb, nb)];
        double want;
        if (op->id == ATAN2 && !h_is_float(t)) want = h_round_to(WEIR_FLOAT32, atan2(x, y));
        else if (h_is_float(t)) want = ref_float(op->id, t, x, y);
        else want = ref_int(op->id, t == WEIR_BOOL && (op->id == SHL || op->id == SHR) ? WEIR_UINT8 : t, x, y);
        /* float64 arctan2 is glibc's scalar atan2; float32 rounds libmvec's double atan2
           (vector_math.h): 1 ulp either way */
        double ulps = op->id == ATAN2 ? 1 : 0;
        if (!same(want_t, got[i], want, ulps)) {
          bad++;
          CHECK_MSG(false, "%s %s: (%.17g, %.17g) -> %.17g, want %.17g", op->name, weir_dtype_name(t), x, y, got[i],
                    want);
        }
      }
    if (!bad) CHECK(true);
    free(got);
  }
  weir_array_free(a);
  weir_array_free(b);
  weir_array_free(o);
  free(va);
  free(vb);
}

static void test_random_all_dtypes(void) {
  const int64_t s35[] = {3, 5}, s5[] = {5}, s0[] = {0, 4}, s14[] = {1, 4}, big[] = {70000};
  for (int k = 0; k < NOPS; k++)
    for (int ti = 0; ti < NALL; ti++) {
      weir_dtype t = ALL[ti];
      if (!h_is_float(t) || OPS[k].id <= ATAN2) { /* floats: the bitwise ops and shifts refuse them */
        check(&OPS[k], t, s35, 2, s35, 2);
        check(&OPS[k], t, s35, 2, s5, 1);  /* broadcast */
        check(&OPS[k], t, NULL, 0, s35, 2); /* 0-d */
        check(&OPS[k], t, s0, 2, s14, 2);  /* size 0 */
        check(&OPS[k], t, big, 1, big, 1); /* the multithreaded path */
      }
    }
}

/* A transposed (non-contiguous) left operand. */
static void test_strided(void) {
  const int64_t s[] = {6, 9};
  for (int k = 0; k < NOPS; k++) {
    weir_dtype t = OPS[k].id <= ATAN2 ? WEIR_FLOAT32 : WEIR_INT32;
    double va[54], vb[54];
    rand_inputs(OPS[k].id, t, va, 54, vb, 54);
    weir_array *a = h_make(t, s, 2, va), *b = h_make(t, s, 2, vb), *at = NULL, *bt = NULL, *o = NULL;
    if (!a || !b || !CHECK_OK(weir_transpose(&at, a, NULL, 0, CPU)) || !CHECK_OK(weir_transpose(&bt, b, NULL, 0, CPU)) ||
        !CHECK_OK(OPS[k].fn(&o, at, bt, CPU)))
      goto next;
    double got[54];
    if (CHECK_OK(h_read(o, got)))
      for (int i = 0; i < 9; i++)
        for (int j = 0; j < 6; j++) {
          double x = va[j * 9 + i], y = vb[j * 9 + i];
          double want = h_is_float(t) ? ref_float(OPS[k].id, t, x, y) : ref_int(OPS[k].id, t, x, y);
          CHECK_MSG(same(t, got[i * 6 + j], want, OPS[k].id == ATAN2 ? 1 : 0), "%s transposed at (%d, %d)",
                    OPS[k].name, i, j);
        }
  next:
    weir_array_free(a);
    weir_array_free(b);
    weir_array_free(at);
    weir_array_free(bt);
    weir_array_free(o);
  }
}

static double one(bin_fn fn, weir_dtype t, double x, double y) {
  weir_array *a = h_make(t, NULL, 0, &x), *b = h_make(t, NULL, 0, &y), *o = NULL;
  double v = NAN;
  if (a && b && CHECK_OK(fn(&o, a, b, CPU))) CHECK_OK(h_read(o, &v));
  weir_array_free(a);
  weir_array_free(b);
  weir_array_free(o);
  return v;
}

static void test_edges(void) {
  /* integers: no trap for a zero divisor or MIN // -1 */
  CHECK(one(weir_floor_divide, WEIR_INT32, 5, 0) == 0);
  CHECK(one(weir_remainder, WEIR_INT32, 5, 0) == 0);
  CHECK(one(weir_remainder, WEIR_UINT8, 200, 0) == 0);
  CHECK(one(weir_floor_divide, WEIR_INT32, -2147483648.0, -1) == -2147483648.0);
  CHECK(one(weir_remainder, WEIR_INT32, -2147483648.0, -1) == 0);
  CHECK(one(weir_floor_divide, WEIR_INT64, -9223372036854775808.0, -1) == -9223372036854775808.0);
  CHECK(one(weir_remainder, WEIR_INT64, -9223372036854775808.0, -1) == 0);
  CHECK(one(weir_floor_divide, WEIR_INT8, -7, 2) == -4);
  CHECK(one(weir_remainder, WEIR_INT8, -7, 2) == 1);
  CHECK(one(weir_remainder, WEIR_INT16, 7, -2) == -1);
  /* floats: floor(a / b); remainder with b's sign */
  CHECK(one(weir_floor_divide, WEIR_FLOAT32, 5, 0) == INFINITY);
  CHECK(one(weir_floor_divide, WEIR_FLOAT32, -5, 0) == -INFINITY);
  CHECK(isnan(one(weir_floor_divide, WEIR_FLOAT32, 0, 0)));
  CHECK(one(weir_floor_divide, WEIR_FLOAT64, -7.5, 2) == -4);
  CHECK(one(weir_floor_divide, WEIR_FLOAT64, 1.0, 0.1) == 9); /* Python's and numpy's, not floor(1 / 0.1) */
  CHECK(one(weir_floor_divide, WEIR_FLOAT64, -7.0, 0.7) == -11);
  CHECK(isnan(one(weir_floor_divide, WEIR_FLOAT32, INFINITY, 2))); /* numpy: nan */
  CHECK(signbit(one(weir_remainder, WEIR_FLOAT32, 6, -3)));           /* a zero takes the divisor's sign */
  CHECK(!signbit(one(weir_remainder, WEIR_FLOAT32, -0.0, 3)));
  CHECK(one(weir_remainder, WEIR_FLOAT32, 7.5, -2) == -0.5);
  CHECK(one(weir_remainder, WEIR_FLOAT32, -7.5, 2) == 0.5);
  CHECK(one(weir_remainder, WEIR_FLOAT32, 1, INFINITY) == 1);
  CHECK(one(weir_remainder, WEIR_FLOAT32, -1, INFINITY) == INFINITY);
  CHECK(isnan(one(weir_remainder, WEIR_FLOAT32, 5, 0)));
  CHECK(isnan(one(weir_remainder, WEIR_FLOAT16, INFINITY, 2)));
  CHECK(isnan(one(weir_floor_divide, WEIR_BFLOAT16, NAN, 2)));
  CHECK_CLOSE(one(weir_arctan2, WEIR_FLOAT64, 1, -1), 3 * M_PI / 4, 1e-15);
  CHECK(one(weir_arctan2, WEIR_FLOAT32, 0, -1) == (double)(float)M_PI);
  /* shifts outside [0, bits) */
  CHECK(one(weir_left_shift, WEIR_INT32, 1, 33) == 0);
  CHECK(one(weir_left_shift, WEIR_INT32, 1, -1) == 0);
  CHECK(one(weir_left_shift, WEIR_INT8, 2, 9) == 0);
  CHECK(one(weir_left_shift, WEIR_INT8, 1, 7) == -128);
  CHECK(one(weir_right_shift, WEIR_INT8, -128, 3) == -16);
  CHECK(one(weir_right_shift, WEIR_INT8, -1, 9) == -1);
  CHECK(one(weir_right_shift, WEIR_UINT8, 200, 9) == 0);
  CHECK(one(weir_right_shift, WEIR_INT64, -5, 64) == -1);
  CHECK(one(weir_left_shift, WEIR_UINT64, 1, 63) == 9223372036854775808.0);
  CHECK(one(weir_left_shift, WEIR_BOOL, 1, 1) == 2); /* bool shifts compute as uint8 */
}

static void test_invert(void) {
  const weir_dtype ints[] = {WEIR_UINT8, WEIR_UINT16, WEIR_UINT32, WEIR_INT8, WEIR_INT16, WEIR_INT32, WEIR_INT64};
  const int64_t s[] = {4, 7};
  for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++) {
    weir_dtype t = ints[k];
    double v[28], got[28];
    h_rand_vals(v, 28, t, h_is_unsigned(t) ? 0 : -100, t == WEIR_INT8 ? 127 : 250);
    weir_array *a = h_make(t, s, 2, v), *o = NULL;
    if (a && CHECK_OK(weir_bitwise_invert(&o, a, CPU)) && CHECK_OK(h_read(o, got))) {
      CHECK(weir_array_dtype(o) == t);
      for (int i = 0; i < 28; i++)
        CHECK_MSG(got[i] == h_wrap_int(t, ~(uint64_t)(int64_t)v[i]), "~%g in %s gave %g", v[i], weir_dtype_name(t), got[i]);
    }
    weir_array_free(a);
    weir_array_free(o);
  }
  double bv[3] = {1, 0, 1}, got[3];
  const int64_t n3[] = {3};
  weir_array *b = h_make(WEIR_BOOL, n3, 1, bv), *o = NULL;
  if (b && CHECK_OK(weir_bitwise_invert(&o, b, CPU)) && CHECK_OK(h_read(o, got)))
    CHECK(weir_array_dtype(o) == WEIR_BOOL && got[0] == 0 && got[1] == 1 && got[2] == 0);
  weir_array_free(b);
  weir_array_free(o);
}

static void test_errors(void) {
  double v = 1.5;
  weir_array *f = h_make(WEIR_FLOAT32, NULL, 0, &v), *o = NULL;
  double iv = 3;
  weir_array *i = h_make(WEIR_INT32, NULL, 0, &iv);
  for (int k = 3; k < NOPS && f && i; k++) { /* the bitwise ops and shifts refuse floats */
    CHECK_STATUS(OPS[k].fn(&o, f, i, CPU), WEIR_ERR_UNSUPPORTED);
    CHECK_ERR_MENTIONS("integer");
    CHECK_ERR_MENTIONS(OPS[k].name);
    CHECK(o == NULL);
  }
  CHECK_STATUS(weir_bitwise_invert(&o, f, CPU), WEIR_ERR_UNSUPPORTED);
  CHECK_ERR_MENTIONS("bitwise_invert");
  for (int k = 0; k < NOPS; k++) {
    CHECK_STATUS(OPS[k].fn(NULL, i, i, CPU), WEIR_ERR_INVALID_ARGUMENT);
    CHECK_ERR_MENTIONS("out");
    CHECK_STATUS(OPS[k].fn(&o, NULL, i, CPU), WEIR_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(OPS[k].fn(&o, i, NULL, CPU), WEIR_ERR_INVALID_ARGUMENT);
    CHECK_ERR_MENTIONS("b");
  }
  CHECK_STATUS(weir_bitwise_invert(&o, NULL, CPU), WEIR_ERR_INVALID_ARGUMENT);
  /* shapes that do not broadcast */
  const int64_t s2[] = {2}, s3[] = {3};
  double z[3] = {1, 2, 3};
  weir_array *a2 = h_make(WEIR_INT32, s2, 1, z), *a3 = h_make(WEIR_INT32, s3, 1, z);
  if (a2 && a3) CHECK_STATUS(weir_floor_divide(&o, a2, a3, CPU), WEIR_ERR_INVALID_ARGUMENT);
  weir_array_free(a2);
  weir_array_free(a3);
  weir_array_free(f);
  weir_array_free(i);
}

int main(void) {
  h_init("test_ops_divmod_bits");
  H_RUN(test_random_all_dtypes);
  H_RUN(test_strided);
  H_RUN(test_edges);
  H_RUN(test_invert);
  H_RUN(test_errors);
  return h_finish();
}
