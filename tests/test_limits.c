/* Limits (issue 6): NULL for every pointer parameter of every function in the headers include/weir/ (a
   table per signature family, plus one line per remaining function), shapes whose element count
   overflows int64, ndim above WEIR_MAX_NDIM, negative and out-of-range axes, freed and
   double-freed streams, and a memory limit smaller than one array. Each is a clear error whose
   message names the argument, and the process keeps working afterwards. */
#include <ctype.h>

#include "harness.h"

#define S WEIR_DEFAULT
#define INVALID WEIR_ERR_INVALID_ARGUMENT

static weir_array *a2; /* 2x3 float32 */
static weir_array *o;  /* an out slot; each call that succeeds by mistake leaks nothing (freed) */

/* Whether the message names `word` as a whole word (so "a" in "arrays" does not count). */
static bool names_word(const char *word) {
  const char *msg = weir_last_error();
  size_t n = strlen(word);
  for (const char *p = strstr(msg, word); p; p = strstr(p + 1, word)) {
    bool before = p == msg || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
    bool after = !(isalnum((unsigned char)p[n]) || p[n] == '_');
    if (before && after) return true;
  }
  return false;
}

/* status `want` and a message that names `arg` and `fn`. */
static void expect_arg(weir_status got, weir_status want, const char *fn, const char *arg, const char *what,
                       int line) {
  h_record(got == want, __FILE__, line, "%s: %s, expected %s (\"%s\")", what, weir_status_name(got),
           weir_status_name(want), weir_last_error());
  if (got != WEIR_OK) {
    h_record(names_word(arg), __FILE__, line, "%s: the message should name the argument %s: \"%s\"", what, arg,
             weir_last_error());
    h_record(h_error_mentions(fn), __FILE__, line, "%s: the message should name the function %s: \"%s\"", what, fn,
             weir_last_error());
  }
  weir_array_free(o);
  o = NULL;
}
#define NULL_ARG(call, fn, arg) expect_arg((call), INVALID, (fn), (arg), #call, __LINE__)

/* status `want` and a message mentioning `needle` */
static void expect_msg(weir_status got, weir_status want, const char *needle, const char *what, int line) {
  h_record(got == want, __FILE__, line, "%s: %s, expected %s (\"%s\")", what, weir_status_name(got),
           weir_status_name(want), weir_last_error());
  if (got != WEIR_OK)
    h_record(h_error_mentions(needle), __FILE__, line, "%s: the message should mention \"%s\": \"%s\"", what, needle,
             weir_last_error());
  weir_array_free(o);
  o = NULL;
}
#define EXPECT_MSG(call, want, needle) expect_msg((call), (want), (needle), #call, __LINE__)

typedef weir_status (*unary_fn)(weir_array **, const weir_array *, weir_stream);
typedef weir_status (*binary_fn)(weir_array **, const weir_array *, const weir_array *, weir_stream);
typedef weir_status (*reduce_fn)(weir_array **, const weir_array *, const int *, int, bool, weir_stream);
#define ENTRY(f) {#f, weir_##f}
static const struct { const char *name; unary_fn fn; } unary[] = {
    ENTRY(abs),    ENTRY(negative), ENTRY(exp),     ENTRY(log),        ENTRY(sin),     ENTRY(cos),
    ENTRY(tanh),   ENTRY(sqrt),     ENTRY(square),  ENTRY(sigmoid),    ENTRY(expm1),   ENTRY(log1p),
    ENTRY(log2),   ENTRY(log10),    ENTRY(rsqrt),   ENTRY(reciprocal), ENTRY(tan),     ENTRY(arcsin),
    ENTRY(arccos), ENTRY(arctan),   ENTRY(sinh),    ENTRY(cosh),       ENTRY(erf),     ENTRY(floor),
    ENTRY(ceil),   ENTRY(round),    ENTRY(sign),    ENTRY(isnan),      ENTRY(isinf),   ENTRY(logical_not),
    ENTRY(bitwise_invert), ENTRY(copy)};
static const struct { const char *name; binary_fn fn; } binary[] = {
    ENTRY(add),          ENTRY(subtract),    ENTRY(multiply),    ENTRY(divide),      ENTRY(maximum),
    ENTRY(minimum),      ENTRY(power),       ENTRY(floor_divide), ENTRY(remainder),  ENTRY(arctan2),
    ENTRY(bitwise_and),  ENTRY(bitwise_or),  ENTRY(bitwise_xor), ENTRY(left_shift),  ENTRY(right_shift),
    ENTRY(equal),        ENTRY(not_equal),   ENTRY(less),        ENTRY(less_equal),  ENTRY(greater),
    ENTRY(greater_equal), ENTRY(logical_and), ENTRY(logical_or), ENTRY(matmul),      ENTRY(outer),
    ENTRY(inner)};
static const struct { const char *name; reduce_fn fn; } reduce[] = {
    ENTRY(sum), ENTRY(mean), ENTRY(max), ENTRY(min), ENTRY(prod), ENTRY(all), ENTRY(any), ENTRY(logsumexp)};
#undef ENTRY
#define COUNT(t) (sizeof(t) / sizeof((t)[0]))

static void test_null_op_families(void) {
  for (size_t i = 0; i < COUNT(unary); i++) {
    NULL_ARG(unary[i].fn(NULL, a2, S), unary[i].name, "out");
    NULL_ARG(unary[i].fn(&o, NULL, S), unary[i].name, "a");
  }
  for (size_t i = 0; i < COUNT(binary); i++) {
    NULL_ARG(binary[i].fn(NULL, a2, a2, S), binary[i].name, "out");
    NULL_ARG(binary[i].fn(&o, NULL, a2, S), binary[i].name, "a");
    NULL_ARG(binary[i].fn(&o, a2, NULL, S), binary[i].name, "b");
  }
  const int ax[1] = {0};
  for (size_t i = 0; i < COUNT(reduce); i++) {
    NULL_ARG(reduce[i].fn(NULL, a2, ax, 1, false, S), reduce[i].name, "out");
    NULL_ARG(reduce[i].fn(&o, NULL, ax, 1, false, S), reduce[i].name, "a");
    NULL_ARG(reduce[i].fn(&o, a2, NULL, 1, false, S), reduce[i].name, "axes");
  }
}

static void test_null_other_ops(void) {
  const int64_t shape[2] = {2, 3}, zeros2[2] = {0, 0}, ones2[2] = {1, 1};
  const int ax[1] = {0}, perm[2] = {1, 0};
  weir_array *idx = NULL, *key = NULL, *parts[2] = {NULL, NULL};
  CHECK_OK(weir_zeros(&idx, ones2, 2, WEIR_INT32, S));
  CHECK_OK(weir_random_key(&key, 7));
  const weir_array *two[2] = {a2, a2}, *with_null[2] = {a2, NULL};
  /* creation */
  NULL_ARG(weir_zeros(NULL, shape, 2, WEIR_FLOAT32, S), "zeros", "out");
  NULL_ARG(weir_zeros(&o, NULL, 2, WEIR_FLOAT32, S), "zeros", "shape");
  NULL_ARG(weir_ones(NULL, shape, 2, WEIR_FLOAT32, S), "ones", "out");
  NULL_ARG(weir_ones(&o, NULL, 2, WEIR_FLOAT32, S), "ones", "shape");
  NULL_ARG(weir_full(NULL, shape, 2, 1.0, WEIR_FLOAT32, S), "full", "out");
  NULL_ARG(weir_full(&o, NULL, 2, 1.0, WEIR_FLOAT32, S), "full", "shape");
  NULL_ARG(weir_arange(NULL, 0, 4, 1, WEIR_FLOAT32, S), "arange", "out");
  NULL_ARG(weir_eye(NULL, 3, 3, 0, WEIR_FLOAT32, S), "eye", "out");
  NULL_ARG(weir_linspace(NULL, 0, 1, 5, true, WEIR_FLOAT32, S), "linspace", "out");
  NULL_ARG(weir_astype(NULL, a2, WEIR_INT32, S), "astype", "out");
  NULL_ARG(weir_astype(&o, NULL, WEIR_INT32, S), "astype", "a");
  /* arrays */
  NULL_ARG(weir_array_from_data(NULL, shape, shape, 1, WEIR_INT64), "weir_array_from_data", "out");
  NULL_ARG(weir_array_from_data(&o, NULL, shape, 2, WEIR_FLOAT32), "weir_array_from_data", "data");
  NULL_ARG(weir_array_from_data(&o, shape, NULL, 1, WEIR_INT64), "weir_array_from_data", "shape");
  NULL_ARG(weir_array_from_scalar(NULL, 1.0, WEIR_FLOAT32), "weir_array_from_scalar", "out");
  const void *p;
  double d;
  int64_t i64;
  char *str;
  bool flag;
  NULL_ARG(weir_array_data(NULL, &p), "weir_array_data", "a");
  NULL_ARG(weir_array_data(a2, NULL), "weir_array_data", "out");
  NULL_ARG(weir_array_item_double(NULL, &d), "weir_array_item_double", "a");
  NULL_ARG(weir_array_item_double(a2, NULL), "weir_array_item_double", "out");
  NULL_ARG(weir_array_item_int64(NULL, &i64), "weir_array_item_int64", "a");
  NULL_ARG(weir_array_item_int64(a2, NULL), "weir_array_item_int64", "out");
  NULL_ARG(weir_array_tostring(NULL, &str), "weir_array_tostring", "a");
  NULL_ARG(weir_array_tostring(a2, NULL), "weir_array_tostring", "out");
  NULL_ARG(weir_eval(NULL, 1), "weir_eval", "arrays");
  NULL_ARG(weir_async_eval(NULL, 1), "weir_async_eval", "arrays");
  NULL_ARG(weir_allclose(NULL, a2, a2, 1e-5, 1e-8), "allclose", "out");
  NULL_ARG(weir_allclose(&flag, NULL, a2, 1e-5, 1e-8), "allclose", "a");
  NULL_ARG(weir_allclose(&flag, a2, NULL, 1e-5, 1e-8), "allclose", "b");
  NULL_ARG(weir_array_equal(NULL, a2, a2), "array_equal", "out");
  NULL_ARG(weir_array_equal(&flag, NULL, a2), "array_equal", "a");
  NULL_ARG(weir_array_equal(&flag, a2, NULL), "array_equal", "b");
  /* shape ops */
  NULL_ARG(weir_reshape(NULL, a2, shape, 2, S), "reshape", "out");
  NULL_ARG(weir_reshape(&o, NULL, shape, 2, S), "reshape", "a");
  NULL_ARG(weir_reshape(&o, a2, NULL, 2, S), "reshape", "shape");
  NULL_ARG(weir_transpose(NULL, a2, perm, 2, S), "transpose", "out");
  NULL_ARG(weir_transpose(&o, NULL, perm, 2, S), "transpose", "a");
  NULL_ARG(weir_slice(NULL, a2, zeros2, shape, ones2, S), "slice", "out");
  NULL_ARG(weir_slice(&o, NULL, zeros2, shape, ones2, S), "slice", "a");
  NULL_ARG(weir_slice(&o, a2, NULL, shape, ones2, S), "slice", "start");
  NULL_ARG(weir_slice(&o, a2, zeros2, NULL, ones2, S), "slice", "stop");
  NULL_ARG(weir_slice(&o, a2, zeros2, shape, NULL, S), "slice", "step");
  NULL_ARG(weir_flatten(NULL, a2, 0, -1, S), "flatten", "out");
  NULL_ARG(weir_flatten(&o, NULL, 0, -1, S), "flatten", "a");
  NULL_ARG(weir_swapaxes(NULL, a2, 0, 1, S), "swapaxes", "out");
  NULL_ARG(weir_swapaxes(&o, NULL, 0, 1, S), "swapaxes", "a");
  NULL_ARG(weir_moveaxis(NULL, a2, 0, 1, S), "moveaxis", "out");
  NULL_ARG(weir_moveaxis(&o, NULL, 0, 1, S), "moveaxis", "a");
  NULL_ARG(weir_expand_dims(NULL, a2, ax, 1, S), "expand_dims", "out");
  NULL_ARG(weir_expand_dims(&o, NULL, ax, 1, S), "expand_dims", "a");
  NULL_ARG(weir_expand_dims(&o, a2, NULL, 1, S), "expand_dims", "axes");
  NULL_ARG(weir_squeeze(NULL, a2, NULL, 0, S), "squeeze", "out");
  NULL_ARG(weir_squeeze(&o, NULL, NULL, 0, S), "squeeze", "a");
  NULL_ARG(weir_squeeze(&o, a2, NULL, 1, S), "squeeze", "axes");
  NULL_ARG(weir_broadcast_to(NULL, a2, shape, 2, S), "broadcast_to", "out");
  NULL_ARG(weir_broadcast_to(&o, NULL, shape, 2, S), "broadcast_to", "a");
  NULL_ARG(weir_broadcast_to(&o, a2, NULL, 2, S), "broadcast_to", "shape");
  NULL_ARG(weir_tile(NULL, a2, ones2, 2, S), "tile", "out");
  NULL_ARG(weir_tile(&o, NULL, ones2, 2, S), "tile", "a");
  NULL_ARG(weir_tile(&o, a2, NULL, 2, S), "tile", "reps");
  NULL_ARG(weir_repeat(NULL, a2, 2, 0, false, S), "repeat", "out");
  NULL_ARG(weir_repeat(&o, NULL, 2, 0, false, S), "repeat", "a");
  NULL_ARG(weir_pad(NULL, a2, ones2, ones2, 0, S), "pad", "out");
  NULL_ARG(weir_pad(&o, NULL, ones2, ones2, 0, S), "pad", "a");
  NULL_ARG(weir_pad(&o, a2, NULL, ones2, 0, S), "pad", "pad_before");
  NULL_ARG(weir_pad(&o, a2, ones2, NULL, 0, S), "pad", "pad_after");
  NULL_ARG(weir_tril(NULL, a2, 0, S), "tril", "out");
  NULL_ARG(weir_tril(&o, NULL, 0, S), "tril", "a");
  NULL_ARG(weir_triu(NULL, a2, 0, S), "triu", "out");
  NULL_ARG(weir_triu(&o, NULL, 0, S), "triu", "a");
  /* join */
  NULL_ARG(weir_concatenate(NULL, two, 2, 0, S), "concatenate", "out");
  NULL_ARG(weir_concatenate(&o, NULL, 2, 0, S), "concatenate", "arrays");
  NULL_ARG(weir_concatenate(&o, with_null, 2, 0, S), "concatenate", "arrays[1]");
  NULL_ARG(weir_stack(NULL, two, 2, 0, S), "stack", "out");
  NULL_ARG(weir_stack(&o, NULL, 2, 0, S), "stack", "arrays");
  NULL_ARG(weir_stack(&o, with_null, 2, 0, S), "stack", "arrays[1]");
  const int64_t sections[1] = {2};
  NULL_ARG(weir_split(NULL, a2, sections, 1, true, 1, S), "split", "outs");
  NULL_ARG(weir_split(parts, NULL, sections, 1, true, 1, S), "split", "a");
  NULL_ARG(weir_split(parts, a2, NULL, 1, false, 1, S), "split", "indices_or_sections");
  /* select, scan, sort */
  weir_array *cond = NULL;
  CHECK_OK(weir_greater(&cond, a2, a2, S));
  NULL_ARG(weir_where(NULL, cond, a2, a2, S), "where", "out");
  NULL_ARG(weir_where(&o, NULL, a2, a2, S), "where", "cond");
  NULL_ARG(weir_where(&o, cond, NULL, a2, S), "where", "x");
  NULL_ARG(weir_where(&o, cond, a2, NULL, S), "where", "y");
  NULL_ARG(weir_clip(NULL, a2, a2, a2, S), "clip", "out");
  NULL_ARG(weir_clip(&o, NULL, a2, a2, S), "clip", "a");
  NULL_ARG(weir_take(NULL, a2, idx, 0, false, S), "take", "out");
  NULL_ARG(weir_take(&o, NULL, idx, 0, false, S), "take", "a");
  NULL_ARG(weir_take(&o, a2, NULL, 0, false, S), "take", "indices");
  NULL_ARG(weir_take_along_axis(NULL, a2, idx, 0, S), "take_along_axis", "out");
  NULL_ARG(weir_take_along_axis(&o, NULL, idx, 0, S), "take_along_axis", "a");
  NULL_ARG(weir_take_along_axis(&o, a2, NULL, 0, S), "take_along_axis", "indices");
  NULL_ARG(weir_cumsum(NULL, a2, 0, false, true, S), "cumsum", "out");
  NULL_ARG(weir_cumsum(&o, NULL, 0, false, true, S), "cumsum", "a");
  NULL_ARG(weir_cumprod(NULL, a2, 0, false, true, S), "cumprod", "out");
  NULL_ARG(weir_cumprod(&o, NULL, 0, false, true, S), "cumprod", "a");
  NULL_ARG(weir_sort(NULL, a2, -1, S), "sort", "out");
  NULL_ARG(weir_sort(&o, NULL, -1, S), "sort", "a");
  NULL_ARG(weir_argsort(NULL, a2, -1, S), "argsort", "out");
  NULL_ARG(weir_argsort(&o, NULL, -1, S), "argsort", "a");
  NULL_ARG(weir_topk(NULL, a2, 1, -1, S), "topk", "out");
  NULL_ARG(weir_topk(&o, NULL, 1, -1, S), "topk", "a");
  NULL_ARG(weir_argmax(NULL, a2, 0, false, S), "argmax", "out");
  NULL_ARG(weir_argmax(&o, NULL, 0, false, S), "argmax", "a");
  NULL_ARG(weir_argmin(NULL, a2, 0, false, S), "argmin", "out");
  NULL_ARG(weir_argmin(&o, NULL, 0, false, S), "argmin", "a");
  /* composite reductions and linear algebra */
  NULL_ARG(weir_var(NULL, a2, NULL, 0, false, 0, S), "var", "out");
  NULL_ARG(weir_var(&o, NULL, NULL, 0, false, 0, S), "var", "a");
  NULL_ARG(weir_var(&o, a2, NULL, 1, false, 0, S), "var", "axes");
  NULL_ARG(weir_std(NULL, a2, NULL, 0, false, 0, S), "std", "out");
  NULL_ARG(weir_std(&o, NULL, NULL, 0, false, 0, S), "std", "a");
  NULL_ARG(weir_softmax(NULL, a2, NULL, 0, S), "softmax", "out");
  NULL_ARG(weir_softmax(&o, NULL, NULL, 0, S), "softmax", "a");
  NULL_ARG(weir_softmax(&o, a2, NULL, 1, S), "softmax", "axes");
  const int ta[1] = {1}, tb[1] = {0};
  weir_array *a3 = NULL;
  CHECK_OK(weir_transpose(&a3, a2, NULL, 0, S));
  NULL_ARG(weir_tensordot(NULL, a2, a3, ta, tb, 1, S), "tensordot", "out");
  NULL_ARG(weir_tensordot(&o, NULL, a3, ta, tb, 1, S), "tensordot", "a");
  NULL_ARG(weir_tensordot(&o, a2, NULL, ta, tb, 1, S), "tensordot", "b");
  NULL_ARG(weir_tensordot(&o, a2, a3, NULL, tb, 1, S), "tensordot", "axes_a");
  NULL_ARG(weir_tensordot(&o, a2, a3, ta, NULL, 1, S), "tensordot", "axes_b");
  const weir_array *ops2[2] = {a2, a3};
  NULL_ARG(weir_einsum(NULL, "ij,jk->ik", ops2, 2, S), "einsum", "out");
  NULL_ARG(weir_einsum(&o, NULL, ops2, 2, S), "einsum", "subscripts");
  NULL_ARG(weir_einsum(&o, "ij,jk->ik", NULL, 2, S), "einsum", "operands");
  /* random */
  NULL_ARG(weir_random_key(NULL, 1), "random_key", "out");
  NULL_ARG(weir_random_split(NULL, key, 2, S), "random_split", "out");
  NULL_ARG(weir_random_split(&o, NULL, 2, S), "random_split", "key");
  NULL_ARG(weir_random_bits(NULL, shape, 2, key, S), "random_bits", "out");
  NULL_ARG(weir_random_bits(&o, NULL, 2, key, S), "random_bits", "shape");
  NULL_ARG(weir_random_normal(NULL, shape, 2, WEIR_FLOAT32, 0, 1, key, S), "random_normal", "out");
  NULL_ARG(weir_random_normal(&o, NULL, 2, WEIR_FLOAT32, 0, 1, key, S), "random_normal", "shape");
  NULL_ARG(weir_random_uniform(NULL, shape, 2, WEIR_FLOAT32, 0, 1, key, S), "random_uniform", "out");
  NULL_ARG(weir_random_uniform(&o, NULL, 2, WEIR_FLOAT32, 0, 1, key, S), "random_uniform", "shape");
  weir_array_free(a3);
  weir_array_free(cond);
  weir_array_free(idx);
  weir_array_free(key);
}

/* Functions that return no status: NULL gives a neutral answer, never a crash. */
static void test_null_devices_streams_misc(void) {
  weir_stream st;
  weir_device_info *info = NULL;
  int64_t v;
  NULL_ARG(weir_stream_new(WEIR_CPU_DEVICE, NULL), "weir_stream_new", "out");
  NULL_ARG(weir_default_stream(WEIR_CPU_DEVICE, NULL), "weir_default_stream", "out");
  NULL_ARG(weir_stream_resolve(S, NULL), "weir_stream_resolve", "out");
  NULL_ARG(weir_device_info_get(WEIR_CPU_DEVICE, NULL), "weir_device_info_get", "out");
  NULL_ARG(weir_capture_start(NULL), "weir_capture_start", "path");
  CHECK_OK(weir_device_info_get(WEIR_CPU_DEVICE, &info));
  NULL_ARG(weir_device_info_int(NULL, "x", &v), "weir_device_info_int", "info");
  NULL_ARG(weir_device_info_int(info, NULL, &v), "weir_device_info_int", "key");
  NULL_ARG(weir_device_info_int(info, "device_name", NULL), "weir_device_info_int", "out");
  CHECK(weir_device_info_count(NULL) == 0);
  CHECK(weir_device_info_key(NULL, 0) == NULL);
  CHECK(weir_device_info_key(info, 1u << 30) == NULL);
  CHECK(!weir_device_info_is_string(NULL, "device_name"));
  CHECK(!weir_device_info_is_string(info, NULL));
  CHECK(weir_device_info_string(NULL, "device_name") == NULL);
  CHECK(weir_device_info_string(info, NULL) == NULL);
  weir_device_info_free(info);
  weir_device_info_free(NULL);
  /* snprintf-style printers: a NULL buffer of size 0 asks for the length */
  char buf[64];
  int n = weir_device_tostring(WEIR_CPU_DEVICE, NULL, 0);
  CHECK_EQ_INT(n, weir_device_tostring(WEIR_CPU_DEVICE, buf, sizeof buf));
  CHECK_EQ_INT(n, (int)strlen(buf));
  CHECK_OK(weir_default_stream(WEIR_CPU_DEVICE, &st));
  n = weir_stream_tostring(st, NULL, 0);
  CHECK_EQ_INT(n, weir_stream_tostring(st, buf, sizeof buf));
  CHECK_EQ_INT(n, (int)strlen(buf));
  /* array accessors and reference counting */
  CHECK(weir_array_retain(NULL) == NULL);
  weir_array_free(NULL);
  CHECK_EQ_INT(weir_array_ndim(NULL), 0);
  CHECK(weir_array_shape(NULL) == NULL);
  CHECK_EQ_INT(weir_array_size(NULL), 0);
  CHECK_EQ_INT(weir_array_nbytes(NULL), 0);
  (void)weir_array_dtype(NULL);
  (void)weir_array_stream(NULL);
  CHECK(weir_status_name((weir_status)-5) != NULL);
  CHECK(weir_dtype_name((weir_dtype)99) != NULL);
  CHECK_EQ_INT(weir_dtype_size((weir_dtype)99), 0);
  CHECK_OK(weir_eval(NULL, 0)); /* nothing to do */
  weir_array *arr[2] = {a2, NULL};
  NULL_ARG(weir_eval(arr, 2), "weir_eval", "arrays[1]");
}

/* ---- shapes and ndim ---- */
static void test_shape_overflow(void) {
  const int64_t big[2] = {INT64_C(1) << 32, INT64_C(1) << 32}, huge[3] = {INT64_MAX, 2, 1};
  const int64_t with_zero[3] = {0, INT64_MAX, INT64_MAX}, neg[2] = {2, -3};
  EXPECT_MSG(weir_zeros(&o, big, 2, WEIR_FLOAT32, S), INVALID, "shape");
  EXPECT_MSG(weir_ones(&o, huge, 3, WEIR_INT8, S), INVALID, "shape");
  EXPECT_MSG(weir_full(&o, big, 2, 1, WEIR_UINT8, S), INVALID, "shape");
  EXPECT_MSG(weir_random_normal(&o, big, 2, WEIR_FLOAT32, 0, 1, NULL, S), INVALID, "shape");
  EXPECT_MSG(weir_random_uniform(&o, huge, 3, WEIR_FLOAT32, 0, 1, NULL, S), INVALID, "shape");
  EXPECT_MSG(weir_broadcast_to(&o, a2, (const int64_t[3]){INT64_MAX / 2, 2, 3}, 3, S), INVALID, "shape");
  EXPECT_MSG(weir_reshape(&o, a2, big, 2, S), INVALID, "shape");
  EXPECT_MSG(weir_zeros(&o, neg, 2, WEIR_FLOAT32, S), INVALID, "negative");
  EXPECT_MSG(weir_tile(&o, a2, (const int64_t[2]){INT64_C(1) << 62, 4}, 2, S), INVALID, "tile");
  EXPECT_MSG(weir_repeat(&o, a2, INT64_MAX / 2, 0, false, S), INVALID, "repeat");
  EXPECT_MSG(weir_pad(&o, a2, (const int64_t[2]){INT64_MAX - 1, 0}, (const int64_t[2]){1, 0}, 0, S), INVALID, "pad");
  EXPECT_MSG(weir_eye(&o, INT64_C(1) << 40, INT64_C(1) << 40, 0, WEIR_FLOAT32, S), INVALID, "eye");
  EXPECT_MSG(weir_arange(&o, 0, 1e300, 1e-300, WEIR_FLOAT32, S), INVALID, "arange");
  EXPECT_MSG(weir_linspace(&o, 0, 1, INT64_MAX, true, WEIR_FLOAT32, S), INVALID, "linspace");
  /* a zero dimension makes any other dimension fine: 0 elements */
  CHECK_OK(weir_zeros(&o, with_zero, 3, WEIR_FLOAT32, S));
  CHECK_EQ_INT(weir_array_size(o), 0);
  CHECK_OK(weir_eval(&o, 1));
  weir_array_free(o);
  o = NULL;
  /* the largest shape that fits is accepted at the call (it fails only if evaluated) */
  const int64_t edge[1] = {INT64_MAX / 16};
  CHECK_OK(weir_zeros(&o, edge, 1, WEIR_UINT8, S));
  weir_array_free(o);
  o = NULL;
}

static void test_ndim_limit(void) {
  int64_t shape[WEIR_MAX_NDIM + 2];
  for (int i = 0; i < WEIR_MAX_NDIM + 2; i++) shape[i] = 1;
  CHECK_OK(weir_zeros(&o, shape, WEIR_MAX_NDIM, WEIR_FLOAT32, S)); /* the maximum itself works */
  CHECK_OK(weir_eval(&o, 1));
  weir_array_free(o);
  o = NULL;
  EXPECT_MSG(weir_zeros(&o, shape, WEIR_MAX_NDIM + 1, WEIR_FLOAT32, S), INVALID, "ndim");
  EXPECT_MSG(weir_zeros(&o, shape, -1, WEIR_FLOAT32, S), INVALID, "ndim");
  EXPECT_MSG(weir_array_from_data(&o, shape, shape, WEIR_MAX_NDIM + 1, WEIR_INT64), INVALID, "ndim");
  EXPECT_MSG(weir_reshape(&o, a2, shape, WEIR_MAX_NDIM + 1, S), INVALID, "ndim");
  EXPECT_MSG(weir_broadcast_to(&o, a2, shape, WEIR_MAX_NDIM + 1, S), INVALID, "ndim");
  EXPECT_MSG(weir_random_bits(&o, shape, WEIR_MAX_NDIM + 1, NULL, S), INVALID, "ndim");
  EXPECT_MSG(weir_tile(&o, a2, shape, WEIR_MAX_NDIM + 1, S), INVALID, "tile");
  /* expand_dims past the maximum */
  weir_array *m = NULL;
  CHECK_OK(weir_zeros(&m, shape, WEIR_MAX_NDIM, WEIR_FLOAT32, S));
  const int ax0[1] = {0};
  EXPECT_MSG(weir_expand_dims(&o, m, ax0, 1, S), INVALID, "dim");
  weir_array_free(m);
}

static void test_axes_out_of_range(void) {
  const int bad[1] = {2}, neg_bad[1] = {-3}, dup[2] = {0, -2}, ok_neg[1] = {-1};
  for (size_t i = 0; i < COUNT(reduce); i++) {
    EXPECT_MSG(reduce[i].fn(&o, a2, bad, 1, false, S), WEIR_ERR_INDEX, "axis");
    EXPECT_MSG(reduce[i].fn(&o, a2, neg_bad, 1, false, S), WEIR_ERR_INDEX, "axis");
    EXPECT_MSG(reduce[i].fn(&o, a2, dup, 2, false, S), INVALID, "duplicate");
    EXPECT_MSG(reduce[i].fn(&o, a2, ok_neg, 1, false, S), WEIR_OK, "");
  }
  EXPECT_MSG(weir_argmax(&o, a2, 2, false, S), WEIR_ERR_INDEX, "axis");
  EXPECT_MSG(weir_argmin(&o, a2, -3, false, S), WEIR_ERR_INDEX, "axis");
  EXPECT_MSG(weir_transpose(&o, a2, (const int[2]){0, 2}, 2, S), WEIR_ERR_INDEX, "axis");
  EXPECT_MSG(weir_transpose(&o, a2, (const int[2]){0, 0}, 2, S), INVALID, "perm");
  EXPECT_MSG(weir_transpose(&o, a2, (const int[1]){0}, 1, S), INVALID, "perm");
  EXPECT_MSG(weir_swapaxes(&o, a2, 0, 5, S), WEIR_ERR_INDEX, "axis");
  EXPECT_MSG(weir_moveaxis(&o, a2, -4, 0, S), WEIR_ERR_INDEX, "axis");
  /* flatten clamps start/end to the array's axes, as MLX does: no error to test there */
  EXPECT_MSG(weir_expand_dims(&o, a2, (const int[1]){4}, 1, S), WEIR_ERR_INDEX, "axis");
  EXPECT_MSG(weir_squeeze(&o, a2, (const int[1]){3}, 1, S), WEIR_ERR_INDEX, "axis");
  EXPECT_MSG(weir_squeeze(&o, a2, (const int[1]){0}, 1, S), INVALID, "squeeze");
  EXPECT_MSG(weir_cumsum(&o, a2, 2, false, true, S), WEIR_ERR_INDEX, "axis");
  EXPECT_MSG(weir_cumprod(&o, a2, -3, false, true, S), WEIR_ERR_INDEX, "axis");
  EXPECT_MSG(weir_sort(&o, a2, 2, S), WEIR_ERR_INDEX, "axis");
  EXPECT_MSG(weir_argsort(&o, a2, -3, S), WEIR_ERR_INDEX, "axis");
  EXPECT_MSG(weir_topk(&o, a2, 1, 2, S), WEIR_ERR_INDEX, "axis");
  const weir_array *two[2] = {a2, a2};
  EXPECT_MSG(weir_concatenate(&o, two, 2, 2, S), WEIR_ERR_INDEX, "axis");
  EXPECT_MSG(weir_stack(&o, two, 2, 4, S), WEIR_ERR_INDEX, "axis");
  weir_array *parts[3] = {NULL};
  EXPECT_MSG(weir_split(parts, a2, (const int64_t[1]){3}, 1, true, 2, S), WEIR_ERR_INDEX, "axis");
  EXPECT_MSG(weir_repeat(&o, a2, 2, 2, false, S), WEIR_ERR_INDEX, "axis");
  EXPECT_MSG(weir_softmax(&o, a2, bad, 1, S), WEIR_ERR_INDEX, "axis");
  EXPECT_MSG(weir_var(&o, a2, neg_bad, 1, false, 0, S), WEIR_ERR_INDEX, "axis");
  weir_array *idx = NULL;
  CHECK_OK(weir_zeros(&idx, (const int64_t[1]){1}, 1, WEIR_INT32, S));
  EXPECT_MSG(weir_take(&o, a2, idx, 2, false, S), WEIR_ERR_INDEX, "axis");
  weir_array_free(idx);
  EXPECT_MSG(weir_tensordot(&o, a2, a2, (const int[1]){2}, (const int[1]){0}, 1, S), WEIR_ERR_INDEX, "axes_a");
}

/* ---- freed streams, memory limit ---- */
static void test_freed_streams(void) {
  weir_stream s;
  CHECK_OK(weir_stream_new(WEIR_CPU_DEVICE, &s));
  CHECK_OK(weir_stream_free(s));
  EXPECT_MSG(weir_stream_free(s), INVALID, "stream");                 /* double free */
  EXPECT_MSG(weir_synchronize(s), INVALID, "stream");
  EXPECT_MSG(weir_add(&o, a2, a2, s), INVALID, "stream");
  EXPECT_MSG(weir_stream_push(s), INVALID, "stream");
  EXPECT_MSG(weir_set_default_stream(s), INVALID, "stream");
  weir_stream def;
  CHECK_OK(weir_default_stream(WEIR_CPU_DEVICE, &def));
  EXPECT_MSG(weir_stream_free(def), INVALID, "default");
  /* never-made indices */
  EXPECT_MSG(weir_synchronize((weir_stream){WEIR_CPU_DEVICE, 1 << 30}), WEIR_ERR_INDEX, "stream index");
  EXPECT_MSG(weir_synchronize((weir_stream){WEIR_CPU_DEVICE, -4}), WEIR_ERR_INDEX, "stream index");
}

static void test_memory_limit_below_one_array(void) {
  weir_memory_clear_cache();
  size_t before = weir_memory_active();
  size_t prev = weir_memory_set_limit(before + 1000);
  const int64_t shape[1] = {4096};
  weir_array *z = NULL;
  CHECK_OK(weir_full(&z, shape, 1, 3.0, WEIR_FLOAT32, S)); /* lazy: the call itself succeeds */
  EXPECT_MSG(weir_eval(&z, 1), WEIR_ERR_OUT_OF_MEMORY, "memory limit");
  CHECK(h_error_mentions("16384")); /* the bytes it asked for */
  double d;
  EXPECT_MSG(weir_array_item_double(z, &d), INVALID, "one element"); /* 4096 elements */
  const float data[4] = {1, 2, 3, 4};
  EXPECT_MSG(weir_array_from_data(&o, data, (const int64_t[1]){4}, 1, WEIR_FLOAT32), WEIR_OK, "");
  weir_array_free(z);
  CHECK_EQ_INT(weir_memory_set_limit(prev), before + 1000);
  /* the process keeps working, and the same array now evaluates */
  CHECK_OK(weir_full(&z, shape, 1, 3.0, WEIR_FLOAT32, S));
  const float *p;
  CHECK_OK(weir_array_data(z, (const void **)&p));
  CHECK(p[0] == 3.0f && p[4095] == 3.0f);
  weir_array_free(z);
  CHECK_EQ_INT(weir_memory_active(), before);
}

int main(void) {
  h_init("test_limits");
  const float v[6] = {1, 2, 3, 4, 5, 6};
  if (weir_array_from_data(&a2, v, (const int64_t[2]){2, 3}, 2, WEIR_FLOAT32) != WEIR_OK) return h_skip(weir_last_error());
  H_RUN(test_null_op_families);
  H_RUN(test_null_other_ops);
  H_RUN(test_null_devices_streams_misc);
  H_RUN(test_shape_overflow);
  H_RUN(test_ndim_limit);
  H_RUN(test_axes_out_of_range);
  H_RUN(test_freed_streams);
  H_RUN(test_memory_limit_below_one_array);
  weir_array_free(a2);
  return h_finish();
}
