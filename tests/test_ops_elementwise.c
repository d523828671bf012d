/* Elementwise ops against float64 (and exact integer) loop references on fresh random inputs:
   every binary op (arithmetic, comparisons, logical) and every unary op, over float32, float64,
   float16, bfloat16 (1 ulp of the format), and integer types (exact, wrapping), with broadcasting,
   special values, big arrays (the multithreaded path), and result dtypes. */
#include "harness.h"

#define CPU WEIR_CPU_DEVICE
typedef weir_status (*bin_fn)(weir_array **, const weir_array *, const weir_array *, weir_stream);
typedef weir_status (*un_fn)(weir_array **, const weir_array *, weir_stream);

enum kind { ARITH, DIV, POW, CMP, LOGIC };
typedef struct {
  const char *name;
  bin_fn fn;
  enum kind kind;
  int id;
} binop;

enum { ADD, SUB, MUL, DIVIDE, MAX, MIN, POWER, EQ, NE, LT, LE, GT, GE, AND, OR };
static const binop BINOPS[] = {
    {"add", weir_add, ARITH, ADD},           {"subtract", weir_subtract, ARITH, SUB},
    {"multiply", weir_multiply, ARITH, MUL}, {"divide", weir_divide, DIV, DIVIDE},
    {"maximum", weir_maximum, ARITH, MAX},   {"minimum", weir_minimum, ARITH, MIN},
    {"power", weir_power, POW, POWER},       {"equal", weir_equal, CMP, EQ},
    {"not_equal", weir_not_equal, CMP, NE},  {"less", weir_less, CMP, LT},
    {"less_equal", weir_less_equal, CMP, LE}, {"greater", weir_greater, CMP, GT},
    {"greater_equal", weir_greater_equal, CMP, GE}, {"logical_and", weir_logical_and, LOGIC, AND},
    {"logical_or", weir_logical_or, LOGIC, OR},
};
#define NBIN ((int)(sizeof BINOPS / sizeof BINOPS[0]))

static double ref_float(int id, double a, double b) {
  switch (id) {
  case ADD: return a + b;
  case SUB: return a - b;
  case MUL: return a * b;
  case DIVIDE: return a / b;
  case MAX: return isnan(a) || isnan(b) ? NAN : a > b ? a : b;
  case MIN: return isnan(a) || isnan(b) ? NAN : a < b ? a : b;
  case POWER: return pow(a, b);
  case EQ: return a == b;
  case NE: return a != b;
  case LT: return a < b;
  case LE: return a <= b;
  case GT: return a > b;
  case GE: return a >= b;
  case AND: return (a != 0) && (b != 0);
  case OR: return (a != 0) || (b != 0);
  }
  return NAN;
}

static double ref_int(int id, weir_dtype t, double da, double db) {
  int64_t a = (int64_t)da, b = (int64_t)db;
  uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
  switch (id) {
  case ADD: return h_wrap_int(t, ua + ub);
  case SUB: return h_wrap_int(t, ua - ub);
  case MUL: return h_wrap_int(t, ua * ub);
  case MAX: return (double)(a > b ? a : b);
  case MIN: return (double)(a < b ? a : b);
  case POWER: {
    uint64_t r = 1;
    for (int64_t i = 0; i < b; i++) r *= ua;
    return h_wrap_int(t, r);
  }
  default: return ref_float(id, da, db);
  }
}

static int64_t prod(const int64_t *s, int n) {
  int64_t p = 1;
  for (int i = 0; i < n; i++) p *= s[i];
  return p;
}

/* Compares got with ref for dtype t: exact for integers/bool, within `ulps` units of t otherwise. */
static bool close_in(weir_dtype t, double got, double ref, double ulps, double abs_floor) {
  if (isnan(ref)) return isnan(got);
  if (isinf(ref) || !h_is_float(t)) return got == ref;
  return fabs(got - ref) <= ulps * h_ulp(t, ref) + abs_floor;
}

static weir_dtype float_of(weir_dtype t) { return h_is_float(t) ? t : WEIR_FLOAT32; }

/* Runs one binary op on random inputs of dtypes ta, tb and shapes sa, sb, with values in [lo, hi]. */
static void check_binary(const binop *op, weir_dtype ta, weir_dtype tb, const int64_t *sa, int na,
                         const int64_t *sb, int nb, double lo, double hi, double blo, double bhi) {
  int64_t n_a = prod(sa, na), n_b = prod(sb, nb);
  double *va = malloc(sizeof(double) * (size_t)(n_a ? n_a : 1)), *vb = malloc(sizeof(double) * (size_t)(n_b ? n_b : 1));
  weir_array *a = h_rand_array(ta, sa, na, lo, hi, va), *b = h_rand_array(tb, sb, nb, blo, bhi, vb), *o = NULL;
  weir_dtype tp = weir_dtype_promote(ta, tb);
  weir_dtype want = op->kind == CMP || op->kind == LOGIC ? WEIR_BOOL : op->kind == DIV ? float_of(tp) : tp;
  if (!a || !b || !CHECK_OK(op->fn(&o, a, b, weir_on(CPU)))) goto done;
  CHECK_MSG(weir_array_dtype(o) == want, "%s(%s, %s) -> %s, want %s", op->name, weir_dtype_name(ta),
            weir_dtype_name(tb), weir_dtype_name(weir_array_dtype(o)), weir_dtype_name(want));
  int nout = weir_array_ndim(o);
  const int64_t *so = weir_array_shape(o);
  int64_t n = weir_array_size(o);
  double *got = malloc(sizeof(double) * (size_t)(n ? n : 1));
  int bad = 0;
  if (CHECK_OK(h_read(o, got))) {
    for (int64_t i = 0; i < n; i++) {
      double x = va[h_bcast_index(i, so, nout, sa, na)], y = vb[h_bcast_index(i, so, nout, sb, nb)];
      double ref;
      /* inputs are first cast to the compute dtype (the promoted one; float32 for integer divide) */
      weir_dtype tc = op->kind == DIV ? float_of(tp) : tp;
      if (op->kind == LOGIC) ref = ref_float(op->id, x, y);
      else if (h_is_float(tc)) ref = h_round_to(want, ref_float(op->id, h_round_to(tc, x), h_round_to(tc, y)));
      else ref = ref_int(op->id, tc, x, y);
      double ulps = 1;
      if (op->kind == POW && (want == WEIR_FLOAT32 || want == WEIR_FLOAT64)) ulps = 2;
      if ((want == WEIR_FLOAT32 || want == WEIR_FLOAT64) && op->kind != POW) ulps = 0; /* correctly rounded */
      if (!close_in(want, got[i], ref, ulps, 0) && bad++ < 3)
        CHECK_MSG(false, "%s(%s %.9g, %s %.9g) at %lld = %.9g, want %.9g", op->name, weir_dtype_name(ta), x,
                  weir_dtype_name(tb), y, (long long)i, got[i], ref);
    }
    CHECK_MSG(bad == 0, "%s %s x %s: %d of %lld wrong", op->name, weir_dtype_name(ta), weir_dtype_name(tb), bad,
              (long long)n);
  }
  free(got);
done:
  weir_array_free(a);
  weir_array_free(b);
  weir_array_free(o);
  free(va);
  free(vb);
}

static const weir_dtype ALL[] = {WEIR_BOOL,  WEIR_UINT8, WEIR_UINT16, WEIR_UINT32,  WEIR_UINT64,
                                 WEIR_INT8,  WEIR_INT16, WEIR_INT32,  WEIR_INT64,   WEIR_FLOAT16,
                                 WEIR_BFLOAT16, WEIR_FLOAT32, WEIR_FLOAT64};

/* Value range for random inputs of t, so results stay meaningful (wrapping is tested apart). */
static void range_for(const binop *op, weir_dtype t, double *lo, double *hi, double *blo, double *bhi) {
  bool u = h_is_unsigned(t) || t == WEIR_BOOL;
  if (h_is_float(t)) *lo = -8, *hi = 8;
  else if (t == WEIR_BOOL) *lo = 0, *hi = 1;
  else if (t == WEIR_INT8 || t == WEIR_UINT8) *lo = u ? 0 : -128, *hi = u ? 255 : 127;
  else *lo = u ? 0 : -3000, *hi = 3000;
  *blo = *lo, *bhi = *hi;
  if (op->kind == POW) {
    if (h_is_float(t)) *lo = 0.25, *hi = 4, *blo = -3, *bhi = 3;
    else *lo = u ? 0 : -9, *hi = 9, *blo = 0, *bhi = 4;
  }
  if (op->kind == DIV && !h_is_float(t) && t != WEIR_BOOL) {
    *blo = 1; /* no division by zero for integers (float division by zero is tested apart) */
  }
}

static void test_binary_all_dtypes(void) {
  int64_t shape[1];
  for (int k = 0; k < NBIN; k++) {
    const binop *op = &BINOPS[k];
    for (size_t d = 0; d < sizeof ALL / sizeof ALL[0]; d++) {
      weir_dtype t = ALL[d];
      if (op->kind == POW && t == WEIR_BOOL) continue;
      if (op->kind == DIV && t == WEIR_BOOL) continue;
      double lo, hi, blo, bhi;
      range_for(op, t, &lo, &hi, &blo, &bhi);
      shape[0] = h_rand_int(1, 700);
      check_binary(op, t, t, shape, 1, shape, 1, lo, hi, blo, bhi);
    }
  }
}

/* Mixed dtypes: the result follows promotion and values are computed in the promoted dtype. */
static void test_binary_mixed(void) {
  static const weir_dtype pairs[][2] = {
      {WEIR_INT32, WEIR_FLOAT16}, {WEIR_UINT8, WEIR_INT8},     {WEIR_BOOL, WEIR_INT32},
      {WEIR_INT16, WEIR_FLOAT32}, {WEIR_FLOAT16, WEIR_BFLOAT16}, {WEIR_FLOAT32, WEIR_FLOAT64},
      {WEIR_UINT16, WEIR_INT16},  {WEIR_UINT32, WEIR_INT8},    {WEIR_BFLOAT16, WEIR_INT8}};
  int64_t shape[1] = {333};
  for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++)
    for (int k = 0; k < NBIN; k++) {
      const binop *op = &BINOPS[k];
      if (op->kind == POW) continue;
      bool small = pairs[p][0] == WEIR_UINT8 || pairs[p][0] == WEIR_BFLOAT16;
      double lo = pairs[p][0] == WEIR_BOOL || h_is_unsigned(pairs[p][0]) ? 0 : -100, hi = small ? 100 : 1000;
      double blo = h_is_unsigned(pairs[p][1]) ? 0 : -100, bhi = pairs[p][1] == WEIR_INT8 ? 100 : 1000;
      if (op->kind == DIV) blo = 1;
      check_binary(op, pairs[p][0], pairs[p][1], shape, 1, shape, 1, lo, hi, blo, bhi);
    }
}

static void test_broadcasting(void) {
  struct {
    int na, nb;
    int64_t a[4], b[4], out[4];
    int nout;
  } cases[] = {
      {3, 2, {3, 1, 4}, {2, 1}, {3, 2, 4}, 3},  {1, 0, {5}, {0}, {5}, 1},
      {2, 2, {4, 1}, {1, 5}, {4, 5}, 2},        {4, 3, {2, 3, 1, 5}, {3, 4, 1}, {2, 3, 4, 5}, 4},
      {0, 2, {0}, {2, 3}, {2, 3}, 2},           {2, 1, {0, 3}, {3}, {0, 3}, 2},
      {3, 3, {1, 1, 1}, {2, 1, 3}, {2, 1, 3}, 3},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    for (int k = 0; k < NBIN; k += 3) {
      check_binary(&BINOPS[k], WEIR_FLOAT32, WEIR_FLOAT32, cases[c].a, cases[c].na, cases[c].b, cases[c].nb, 0.5, 4,
                   0.5, 4);
    }
    weir_array *a = NULL, *b = NULL, *o = NULL;
    CHECK_OK(weir_zeros(&a, cases[c].a, cases[c].na, WEIR_INT32, weir_on(CPU)));
    CHECK_OK(weir_ones(&b, cases[c].b, cases[c].nb, WEIR_INT32, weir_on(CPU)));
    if (CHECK_OK(weir_add(&o, a, b, weir_on(CPU))))
      CHECK_MSG(h_shape_is(o, cases[c].nout, cases[c].out), "broadcast case %zu: shape", c);
    weir_array_free(a);
    weir_array_free(b);
    weir_array_free(o);
  }
}

/* Big arrays (the multithreaded path) and odd sizes around vector widths. */
static void test_sizes(void) {
  int64_t sizes[] = {1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 63, 65, 1023, 4097, 100003, 1 << 20};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    check_binary(&BINOPS[0], WEIR_FLOAT32, WEIR_FLOAT32, &sizes[i], 1, &sizes[i], 1, -100, 100, -100, 100);
    check_binary(&BINOPS[2], WEIR_INT32, WEIR_INT32, &sizes[i], 1, &sizes[i], 1, -50000, 50000, -50000, 50000);
  }
  int64_t big[2] = {1024, 1024}, row[1] = {1024};
  check_binary(&BINOPS[1], WEIR_FLOAT64, WEIR_FLOAT64, big, 2, row, 1, -1, 1, -1, 1);
  check_binary(&BINOPS[3], WEIR_FLOAT16, WEIR_FLOAT16, big, 2, big, 2, 0.5, 2, 0.5, 2);
}

/* Wraparound and special values, exactly. */
static void test_special_values(void) {
  struct {
    weir_dtype t;
    double a, b;
    int op;
    double want;
  } cases[] = {
      {WEIR_INT8, 127, 1, ADD, -128},       {WEIR_UINT8, 255, 1, ADD, 0},
      {WEIR_UINT8, 0, 1, SUB, 255},         {WEIR_INT16, -32768, 1, SUB, 32767},
      {WEIR_INT32, 2147483647, 1, ADD, -2147483648.0}, {WEIR_UINT32, 0, 1, SUB, 4294967295.0},
      {WEIR_INT32, 65536, 65536, MUL, 0},   {WEIR_INT8, 16, 16, MUL, 0},
      {WEIR_UINT16, 2, 17, POWER, 0},       {WEIR_INT32, 3, 21, POWER, 1870418611},
      {WEIR_FLOAT32, 1, 0, DIVIDE, INFINITY}, {WEIR_FLOAT32, -1, 0, DIVIDE, -INFINITY},
      {WEIR_FLOAT32, 0, 0, DIVIDE, NAN},    {WEIR_FLOAT32, NAN, 1, MAX, NAN},
      {WEIR_FLOAT32, 1, NAN, MIN, NAN},     {WEIR_FLOAT32, NAN, NAN, EQ, 0},
      {WEIR_FLOAT32, NAN, NAN, NE, 1},      {WEIR_FLOAT32, NAN, 1, LT, 0},
      {WEIR_FLOAT32, INFINITY, 1e30, GT, 1}, {WEIR_FLOAT16, 65504, 65504, ADD, INFINITY},
      {WEIR_FLOAT32, 3e38, 3e38, ADD, INFINITY}, {WEIR_FLOAT32, NAN, 0, AND, 0},
      {WEIR_FLOAT32, NAN, 0, OR, 1},        {WEIR_FLOAT32, -0.0, 0, OR, 0},
      {WEIR_INT64, 9007199254740993.0, 0, ADD, 9007199254740993.0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    weir_array *a = NULL, *b = NULL, *o = NULL;
    int64_t one[1] = {1};
    a = h_make(cases[i].t, one, 1, &cases[i].a);
    b = h_make(cases[i].t, one, 1, &cases[i].b);
    if (cases[i].t == WEIR_INT64) { /* 2^53 + 1 is not a double: build it exactly */
      int64_t big = ((int64_t)1 << 53) + 1;
      weir_array_free(a);
      CHECK_OK(weir_array_from_data(&a, &big, one, 1, WEIR_INT64));
    }
    const binop *op = NULL;
    for (int k = 0; k < NBIN; k++)
      if (BINOPS[k].id == cases[i].op) op = &BINOPS[k];
    if (a && b && CHECK_OK(op->fn(&o, a, b, weir_on(CPU)))) {
      if (cases[i].t == WEIR_INT64) {
        int64_t v = 0;
        CHECK_OK(weir_array_item_int64(o, &v));
        CHECK_EQ_INT(v, ((int64_t)1 << 53) + 1);
      } else {
        double v = 0;
        CHECK_OK(weir_array_item_double(o, &v));
        CHECK_MSG(v == cases[i].want || (isnan(v) && isnan(cases[i].want)), "%s %s(%g, %g) = %.17g, want %.17g",
                  weir_dtype_name(cases[i].t), op->name, cases[i].a, cases[i].b, v, cases[i].want);
      }
    }
    weir_array_free(a);
    weir_array_free(b);
    weir_array_free(o);
  }
}

/* ---- unary ---- */
enum {
  U_ABS, U_NEG, U_EXP, U_LOG, U_SIN, U_COS, U_TANH, U_SQRT, U_SQUARE, U_SIGMOID, U_NOT,
  U_EXPM1, U_LOG1P, U_LOG2, U_LOG10, U_RSQRT, U_RECIP, U_TAN, U_ASIN, U_ACOS, U_ATAN, U_SINH, U_COSH, U_ERF,
  U_FLOOR, U_CEIL, U_ROUND, U_SIGN, U_ISNAN, U_ISINF
};
typedef struct {
  const char *name;
  un_fn fn;
  int id;
  bool floating; /* integer inputs give float32 */
  double lo, hi; /* float input range */
  double ulps;   /* float32/float64 tolerance in ulps */
} unop;
static const unop UNOPS[] = {
    {"abs", weir_abs, U_ABS, false, -100, 100, 0},         {"negative", weir_negative, U_NEG, false, -100, 100, 0},
    {"exp", weir_exp, U_EXP, true, -20, 20, 4},            {"log", weir_log, U_LOG, true, 1e-3, 1e3, 4},
    {"sin", weir_sin, U_SIN, true, -10, 10, 4},            {"cos", weir_cos, U_COS, true, -10, 10, 4},
    {"tanh", weir_tanh, U_TANH, true, -6, 6, 4},           {"sqrt", weir_sqrt, U_SQRT, true, 0, 1e4, 0},
    {"square", weir_square, U_SQUARE, false, -300, 300, 0}, {"sigmoid", weir_sigmoid, U_SIGMOID, true, -12, 12, 4},
    {"logical_not", weir_logical_not, U_NOT, false, -2, 2, 0},
    {"expm1", weir_expm1, U_EXPM1, true, -20, 20, 4},      {"log1p", weir_log1p, U_LOG1P, true, -0.999, 1e3, 4},
    {"log2", weir_log2, U_LOG2, true, 1e-3, 1e3, 4},       {"log10", weir_log10, U_LOG10, true, 1e-3, 1e3, 4},
    {"rsqrt", weir_rsqrt, U_RSQRT, true, 1e-3, 1e4, 2},    {"reciprocal", weir_reciprocal, U_RECIP, true, -100, 100, 0},
    {"tan", weir_tan, U_TAN, true, -1.5, 1.5, 4},          {"arcsin", weir_arcsin, U_ASIN, true, -1, 1, 4},
    {"arccos", weir_arccos, U_ACOS, true, -1, 1, 4},       {"arctan", weir_arctan, U_ATAN, true, -100, 100, 4},
    {"sinh", weir_sinh, U_SINH, true, -20, 20, 4},         {"cosh", weir_cosh, U_COSH, true, -20, 20, 4},
    {"erf", weir_erf, U_ERF, true, -4, 4, 4},              {"floor", weir_floor, U_FLOOR, false, -100, 100, 0},
    {"ceil", weir_ceil, U_CEIL, false, -100, 100, 0},      {"round", weir_round, U_ROUND, false, -100, 100, 0},
    {"sign", weir_sign, U_SIGN, false, -100, 100, 0},      {"isnan", weir_isnan, U_ISNAN, false, -100, 100, 0},
    {"isinf", weir_isinf, U_ISINF, false, -100, 100, 0},
};
#define NUNOPS (sizeof UNOPS / sizeof UNOPS[0])
static bool bool_out(int id) { return id == U_NOT || id == U_ISNAN || id == U_ISINF; }
static const unop *unop_of(int id) {
  for (size_t k = 0; k < NUNOPS; k++)
    if (UNOPS[k].id == id) return &UNOPS[k];
  return NULL;
}

static double ref_unary(int id, double x) {
  switch (id) {
  case U_ABS: return fabs(x);
  case U_NEG: return -x;
  case U_EXP: return exp(x);
  case U_LOG: return log(x);
  case U_SIN: return sin(x);
  case U_COS: return cos(x);
  case U_TANH: return tanh(x);
  case U_SQRT: return sqrt(x);
  case U_SQUARE: return x * x;
  case U_SIGMOID: return 1.0 / (1.0 + exp(-x));
  case U_NOT: return x == 0;
  case U_EXPM1: return expm1(x);
  case U_LOG1P: return log1p(x);
  case U_LOG2: return log2(x);
  case U_LOG10: return log10(x);
  case U_RSQRT: return 1.0 / sqrt(x);
  case U_RECIP: return 1.0 / x;
  case U_TAN: return tan(x);
  case U_ASIN: return asin(x);
  case U_ACOS: return acos(x);
  case U_ATAN: return atan(x);
  case U_SINH: return sinh(x);
  case U_COSH: return cosh(x);
  case U_ERF: return erf(x);
  case U_FLOOR: return floor(x);
  case U_CEIL: return ceil(x);
  case U_ROUND: return nearbyint(x); /* half to even in the default rounding mode */
  case U_SIGN: return x > 0 ? 1 : x < 0 ? -1 : x;
  case U_ISNAN: return isnan(x);
  case U_ISINF: return isinf(x) != 0;
  }
  return NAN;
}

static void check_unary(const unop *op, weir_dtype t, int64_t n) {
  double *v = malloc(sizeof(double) * (size_t)n), *got = malloc(sizeof(double) * (size_t)n);
  double lo = op->lo, hi = op->hi;
  if (!h_is_float(t)) {
    lo = h_is_unsigned(t) || t == WEIR_BOOL ? 0 : -100;
    hi = t == WEIR_BOOL ? 1 : 100;
    if (op->id == U_LOG || op->id == U_SQRT || op->id == U_LOG2 || op->id == U_LOG10 || op->id == U_RSQRT) lo = 1;
    if (op->id == U_LOG1P) lo = 0;
    if (op->id == U_EXP || op->id == U_EXPM1 || op->id == U_SINH || op->id == U_COSH) lo = -20, hi = 20;
    if (op->id == U_ASIN || op->id == U_ACOS) lo = -1, hi = 1;
    if (h_is_unsigned(t) && lo < 0) lo = 0;
    if (t == WEIR_BOOL) lo = 0, hi = 1; /* 0 gives -inf / inf for the logs, rsqrt, reciprocal */
  }
  int64_t shape[1] = {n};
  weir_array *a = h_rand_array(t, shape, 1, lo, hi, v), *o = NULL;
  weir_dtype want = bool_out(op->id) ? WEIR_BOOL : (op->floating && !h_is_float(t)) ? WEIR_FLOAT32 : t;
  if (a && CHECK_OK(op->fn(&o, a, weir_on(CPU)))) {
    CHECK_MSG(weir_array_dtype(o) == want, "%s(%s) -> %s, want %s", op->name, weir_dtype_name(t),
              weir_dtype_name(weir_array_dtype(o)), weir_dtype_name(want));
    int bad = 0;
    if (CHECK_OK(h_read(o, got)))
      for (int64_t i = 0; i < n; i++) {
        double ref;
        if (!h_is_float(want)) {
          uint64_t r = (uint64_t)(int64_t)ref_unary(op->id, v[i]);
          ref = bool_out(op->id) ? ref_unary(op->id, v[i]) : h_wrap_int(want, r);
        } else {
          ref = h_round_to(want, ref_unary(op->id, v[i]));
        }
        double ulps = (want == WEIR_FLOAT32 || want == WEIR_FLOAT64) ? op->ulps : 1;
        double floor = (want == WEIR_FLOAT32 || want == WEIR_FLOAT64) && op->ulps > 0 ? 2 * h_ulp(want, 1.0) : 0;
        if (!close_in(want, got[i], ref, ulps, floor) && bad++ < 3)
          CHECK_MSG(false, "%s(%s %.9g) = %.9g, want %.9g", op->name, weir_dtype_name(t), v[i], got[i], ref);
      }
    CHECK_MSG(bad == 0, "%s %s: %d of %lld wrong", op->name, weir_dtype_name(t), bad, (long long)n);
  }
  weir_array_free(a);
  weir_array_free(o);
  free(v);
  free(got);
}

static void test_unary_all_dtypes(void) {
  for (size_t k = 0; k < NUNOPS; k++)
    for (size_t d = 0; d < sizeof ALL / sizeof ALL[0]; d++) {
      weir_dtype t = ALL[d];
      const unop *op = &UNOPS[k];
      if (t == WEIR_BOOL && op->id < U_EXPM1 && op->id != U_NOT && op->id != U_ABS) continue;
      if (h_is_unsigned(t) && op->id == U_NEG) continue; /* wraps: tested below */
      check_unary(op, t, h_rand_int(1, 2000));
    }
  for (size_t k = 0; k < NUNOPS; k++) check_unary(&UNOPS[k], WEIR_FLOAT32, 1 << 18);
}

static void test_unary_special(void) {
  struct {
    weir_dtype t;
    int op;
    double x, want;
  } cases[] = {
      {WEIR_FLOAT32, U_LOG, 0, -INFINITY}, {WEIR_FLOAT32, U_LOG, -1, NAN},   {WEIR_FLOAT32, U_SQRT, -1, NAN},
      {WEIR_FLOAT32, U_EXP, 100, INFINITY}, {WEIR_FLOAT32, U_EXP, -200, 0},  {WEIR_FLOAT32, U_ABS, -0.0, 0},
      {WEIR_FLOAT32, U_NEG, 0, -0.0},      {WEIR_FLOAT32, U_SIGMOID, 200, 1}, {WEIR_FLOAT32, U_SIGMOID, -200, 0},
      {WEIR_FLOAT32, U_TANH, 50, 1},       {WEIR_FLOAT32, U_NOT, NAN, 0},     {WEIR_INT8, U_ABS, -128, -128},
      {WEIR_INT8, U_NEG, -128, -128},      {WEIR_UINT8, U_NEG, 1, 255},       {WEIR_UINT32, U_NEG, 5, 4294967291.0},
      {WEIR_INT16, U_SQUARE, 200, -25536}, {WEIR_FLOAT16, U_SQUARE, 300, INFINITY}, {WEIR_FLOAT32, U_ABS, NAN, NAN},
      {WEIR_BOOL, U_NOT, 1, 0},
      {WEIR_FLOAT32, U_ROUND, 0.5, 0},     {WEIR_FLOAT32, U_ROUND, 1.5, 2},   {WEIR_FLOAT32, U_ROUND, 2.5, 2},
      {WEIR_FLOAT32, U_ROUND, -0.5, -0.0}, {WEIR_FLOAT32, U_ROUND, -2.5, -2}, {WEIR_FLOAT16, U_ROUND, 3.5, 4},
      {WEIR_BFLOAT16, U_ROUND, -1.5, -2},  {WEIR_FLOAT64, U_ROUND, 4.5, 4},   {WEIR_FLOAT32, U_FLOOR, -0.5, -1},
      {WEIR_FLOAT32, U_CEIL, -0.5, -0.0},  {WEIR_INT32, U_ROUND, -7, -7},     {WEIR_UINT8, U_FLOOR, 255, 255},
      {WEIR_INT64, U_CEIL, -9, -9},        {WEIR_BOOL, U_ROUND, 1, 1},        {WEIR_FLOAT32, U_SIGN, NAN, NAN},
      {WEIR_FLOAT32, U_SIGN, -0.0, -0.0},  {WEIR_FLOAT16, U_SIGN, -3, -1},    {WEIR_INT8, U_SIGN, -128, -1},
      {WEIR_UINT8, U_SIGN, 200, 1},        {WEIR_UINT64, U_SIGN, 0, 0},       {WEIR_BOOL, U_SIGN, 1, 1},
      {WEIR_FLOAT32, U_ISNAN, NAN, 1},     {WEIR_FLOAT16, U_ISNAN, NAN, 1},   {WEIR_BFLOAT16, U_ISINF, -INFINITY, 1},
      {WEIR_FLOAT64, U_ISINF, INFINITY, 1}, {WEIR_FLOAT32, U_ISINF, NAN, 0},  {WEIR_INT32, U_ISNAN, 5, 0},
      {WEIR_UINT8, U_ISINF, 255, 0},       {WEIR_BOOL, U_ISNAN, 1, 0},        {WEIR_FLOAT32, U_RECIP, -0.0, -INFINITY},
      {WEIR_FLOAT32, U_RSQRT, 0, INFINITY}, {WEIR_FLOAT32, U_RSQRT, -1, NAN}, {WEIR_FLOAT32, U_LOG1P, -1, -INFINITY},
      {WEIR_FLOAT32, U_LOG2, 8, 3},        {WEIR_FLOAT32, U_LOG10, 1, 0},     {WEIR_FLOAT32, U_ASIN, 2, NAN},
      {WEIR_FLOAT32, U_EXPM1, -0.0, -0.0}, {WEIR_FLOAT32, U_SINH, 100, INFINITY}, {WEIR_FLOAT32, U_ERF, INFINITY, 1},
      {WEIR_INT32, U_RECIP, 0, INFINITY},  {WEIR_UINT8, U_ACOS, 1, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int64_t one[1] = {1};
    weir_array *a = h_make(cases[i].t, one, 1, &cases[i].x), *o = NULL;
    const unop *op = unop_of(cases[i].op);
    if (a && CHECK_OK(op->fn(&o, a, weir_on(CPU)))) {
      double v = 0;
      CHECK_OK(weir_array_item_double(o, &v));
      bool same = v == cases[i].want || (isnan(v) && isnan(cases[i].want));
      if (cases[i].want == 0 && v == 0) same = signbit(v) == signbit(cases[i].want);
      CHECK_MSG(same, "%s(%s %g) = %g, want %g", op->name, weir_dtype_name(cases[i].t), cases[i].x, v,
                cases[i].want);
    }
    weir_array_free(a);
    weir_array_free(o);
  }
}

/* Ops read strided (transposed, broadcast) inputs correctly. */
static void test_strided_inputs(void) {
  int64_t shape[3] = {3, 4, 5};
  double v[60];
  weir_array *a = h_rand_array(WEIR_FLOAT32, shape, 3, -3, 3, v), *t = NULL, *e = NULL, *s = NULL;
  int perm[3] = {2, 0, 1};
  CHECK_OK(weir_transpose(&t, a, perm, 3, weir_on(CPU)));
  CHECK_OK(weir_exp(&e, t, weir_on(CPU)));
  CHECK_OK(weir_add(&s, t, t, weir_on(CPU)));
  double ge[60], gs[60];
  if (CHECK_OK(h_read(e, ge)) && CHECK_OK(h_read(s, gs))) {
    CHECK_SHAPE(e, 5, 3, 4);
    for (int k = 0; k < 5; k++)
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++) {
          double x = v[i * 20 + j * 5 + k];
          int o = k * 12 + i * 4 + j;
          CHECK_MSG(close_in(WEIR_FLOAT32, ge[o], h_round_f32(exp(x)), 4, 0), "exp of transposed at %d", o);
          CHECK_MSG(gs[o] == h_round_f32(x + x), "add of transposed at %d", o);
        }
  }
  weir_array_free(a);
  weir_array_free(t);
  weir_array_free(e);
  weir_array_free(s);
}

/* The newer unary ops on the special values of every float dtype (NaN, +-inf, +-0, halves,
   subnormals, domain edges), against libm in double rounded to the dtype. */
static void test_unary_special_sweep(void) {
  static const double xs[] = {NAN,  INFINITY, -INFINITY, 0.0,  -0.0, 0.5,  -0.5,  1.5,  2.5,  -2.5,  1.0,  -1.0,
                              1e-6, -1e-6,    1e-40,     -3.7, 7.25, 88.0, -88.0, 1e30, 0.25, 0.999, -0.999};
  const int n = (int)(sizeof xs / sizeof xs[0]);
  static const weir_dtype fts[] = {WEIR_FLOAT16, WEIR_BFLOAT16, WEIR_FLOAT32, WEIR_FLOAT64};
  for (size_t k = 0; k < NUNOPS; k++) {
    const unop *op = &UNOPS[k];
    if (op->id < U_EXPM1) continue;
    for (size_t d = 0; d < 4; d++) {
      weir_dtype t = fts[d], want = bool_out(op->id) ? WEIR_BOOL : t;
      int64_t shape[1] = {n};
      double in[sizeof xs / sizeof xs[0]], got[sizeof xs / sizeof xs[0]];
      weir_array *a = h_make(t, shape, 1, xs), *o = NULL;
      if (!a || !CHECK_OK(h_read(a, in)) || !CHECK_OK(op->fn(&o, a, weir_on(CPU)))) {
        weir_array_free(a);
        continue;
      }
      if (CHECK_OK(h_read(o, got)))
        for (int i = 0; i < n; i++) {
          double ref = ref_unary(op->id, in[i]);
          if (want != WEIR_BOOL) ref = h_round_to(want, ref);
          double ulps = want == WEIR_BOOL ? 0 : (t == WEIR_FLOAT32 || t == WEIR_FLOAT64) ? op->ulps : 1;
          bool ok = close_in(want, got[i], ref, ulps, 0);
          if (ok && ref == 0 && want != WEIR_BOOL && op->ulps == 0) ok = signbit(got[i]) == signbit(ref);
          CHECK_MSG(ok, "%s(%s %.9g) = %.9g, want %.9g", op->name, weir_dtype_name(t), in[i], got[i], ref);
        }
      weir_array_free(a);
      weir_array_free(o);
    }
  }
}

/* The newer unary ops on transposed inputs, float32 and int32. */
static void test_unary_strided_new(void) {
  int64_t shape[2] = {6, 7};
  double v[42], got[42];
  static const weir_dtype ts[] = {WEIR_FLOAT32, WEIR_INT32};
  for (size_t ti = 0; ti < 2; ti++)
    for (size_t k = 0; k < NUNOPS; k++) {
      const unop *op = &UNOPS[k];
      if (op->id < U_EXPM1) continue;
      double lo = op->lo, hi = op->hi;
      if (ts[ti] == WEIR_INT32) {
        if (op->id == U_LOG2 || op->id == U_LOG10 || op->id == U_RSQRT) lo = 1;
        if (hi > 20) hi = 20;
      }
      weir_array *a = h_rand_array(ts[ti], shape, 2, lo, hi, v), *t = NULL, *o = NULL;
      int perm[2] = {1, 0};
      CHECK_OK(weir_transpose(&t, a, perm, 2, weir_on(CPU)));
      weir_dtype want = bool_out(op->id) ? WEIR_BOOL : (op->floating && ts[ti] == WEIR_INT32) ? WEIR_FLOAT32 : ts[ti];
      double ulps = want == WEIR_FLOAT32 ? op->ulps : 0;
      if (t && CHECK_OK(op->fn(&o, t, weir_on(CPU))) && CHECK_OK(h_read(o, got))) {
        CHECK_SHAPE(o, 7, 6);
        for (int i = 0; i < 7; i++)
          for (int j = 0; j < 6; j++) {
            double ref = ref_unary(op->id, v[j * 7 + i]);
            if (want != WEIR_BOOL) ref = h_round_to(want, ref);
            CHECK_MSG(close_in(want, got[i * 6 + j], ref, ulps, 0), "%s of transposed %s at %d,%d", op->name,
                      weir_dtype_name(ts[ti]), i, j);
          }
      }
      weir_array_free(a);
      weir_array_free(t);
      weir_array_free(o);
    }
}

int main(void) {
  h_init("test_ops_elementwise");
  H_RUN(test_binary_all_dtypes);
  H_RUN(test_binary_mixed);
  H_RUN(test_broadcasting);
  H_RUN(test_sizes);
  H_RUN(test_special_values);
  H_RUN(test_unary_all_dtypes);
  H_RUN(test_unary_special);
  H_RUN(test_strided_inputs);
  H_RUN(test_unary_special_sweep);
  H_RUN(test_unary_strided_new);
  return h_finish();
}
