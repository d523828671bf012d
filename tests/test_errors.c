/* Errors: every weir_status code triggered (where this machine can) and named; bad input (NULL
   pointers, bad dtype enums, bad axes, negative dims, bad devices, freed streams, an empty push
   stack) gives a clear error naming the argument; execution errors poison outputs and their
   dependents, are reported by eval/synchronize/item/data, and leave the streams usable. */
#include "harness.h"
#include "core/fault_injection.h"

#define CPU WEIR_CPU_DEVICE

static bool g_seen[WEIR_ERR_INTERNAL + 1];
static int g_ngpu;

/* Expects status `want` with a message mentioning each needle (NULL-terminated list). */
static void expect(weir_status got, weir_status want, const char *what, const char *n1, const char *n2, int line) {
  if (got >= 0 && got <= WEIR_ERR_INTERNAL) g_seen[got] = true;
  h_record(got == want, __FILE__, line, "%s: %s, expected %s (\"%s\")", what, weir_status_name(got),
           weir_status_name(want), weir_last_error());
  if (got == WEIR_OK) return;
  h_record(weir_last_error()[0] != 0, __FILE__, line, "%s: empty message", what);
  if (n1) h_record(h_error_mentions(n1), __FILE__, line, "%s: message should mention \"%s\": \"%s\"", what, n1,
                   weir_last_error());
  if (n2) h_record(h_error_mentions(n2), __FILE__, line, "%s: message should mention \"%s\": \"%s\"", what, n2,
                   weir_last_error());
}
#define EXPECT(call, want, n1, n2) expect((call), (want), #call, (n1), (n2), __LINE__)

static void test_status_names(void) {
  static const char *names[] = {"WEIR_OK",           "WEIR_ERR_INVALID_ARGUMENT", "WEIR_ERR_INDEX",
                                "WEIR_ERR_TYPE",     "WEIR_ERR_UNSUPPORTED",      "WEIR_ERR_OUT_OF_MEMORY",
                                "WEIR_ERR_DEVICE",   "WEIR_ERR_INTERNAL"};
  for (int s = 0; s <= WEIR_ERR_INTERNAL; s++) CHECK_STR(weir_status_name((weir_status)s), names[s]);
  CHECK_STR(weir_status_name(WEIR_ERR_INDEX), "WEIR_ERR_INDEX");
  CHECK_STR(weir_status_name((weir_status)99), "WEIR_ERR_UNKNOWN");
  CHECK_STR(weir_status_name((weir_status)-1), "WEIR_ERR_UNKNOWN");
}

static void test_null_pointers(void) {
  int64_t shape[2] = {2, 3};
  weir_array *a = NULL, *o = NULL;
  CHECK_OK(weir_ones(&a, shape, 2, WEIR_FLOAT32, weir_on(CPU)));
  EXPECT(weir_zeros(NULL, shape, 2, WEIR_FLOAT32, WEIR_DEFAULT), WEIR_ERR_INVALID_ARGUMENT, "NULL", "out");
  EXPECT(weir_add(&o, NULL, a, WEIR_DEFAULT), WEIR_ERR_INVALID_ARGUMENT, "NULL", "add");
  EXPECT(weir_add(&o, a, NULL, WEIR_DEFAULT), WEIR_ERR_INVALID_ARGUMENT, "NULL", NULL);
  EXPECT(weir_add(NULL, a, a, WEIR_DEFAULT), WEIR_ERR_INVALID_ARGUMENT, "NULL", "out");
  EXPECT(weir_exp(&o, NULL, WEIR_DEFAULT), WEIR_ERR_INVALID_ARGUMENT, "NULL", "exp");
  EXPECT(weir_sum(&o, NULL, NULL, 0, false, WEIR_DEFAULT), WEIR_ERR_INVALID_ARGUMENT, "NULL", "sum");
  EXPECT(weir_matmul(&o, a, NULL, WEIR_DEFAULT), WEIR_ERR_INVALID_ARGUMENT, "NULL", "matmul");
  EXPECT(weir_reshape(&o, a, NULL, 2, WEIR_DEFAULT), WEIR_ERR_INVALID_ARGUMENT, "NULL", "shape");
  EXPECT(weir_zeros(&o, NULL, 2, WEIR_FLOAT32, WEIR_DEFAULT), WEIR_ERR_INVALID_ARGUMENT, "NULL", "shape");
  EXPECT(weir_array_from_data(&o, NULL, shape, 2, WEIR_FLOAT32), WEIR_ERR_INVALID_ARGUMENT, "NULL", "data");
  EXPECT(weir_array_from_data(NULL, shape, shape, 1, WEIR_INT64), WEIR_ERR_INVALID_ARGUMENT, "NULL", "out");
  EXPECT(weir_array_from_scalar(NULL, 1.0, WEIR_FLOAT32), WEIR_ERR_INVALID_ARGUMENT, "NULL", NULL);
  const void *p = NULL;
  double d;
  char *str = NULL;
  bool b;
  EXPECT(weir_array_data(NULL, &p), WEIR_ERR_INVALID_ARGUMENT, "NULL", NULL);
  EXPECT(weir_array_data(a, NULL), WEIR_ERR_INVALID_ARGUMENT, "NULL", NULL);
  EXPECT(weir_array_item_double(NULL, &d), WEIR_ERR_INVALID_ARGUMENT, "NULL", NULL);
  EXPECT(weir_array_item_int64(a, NULL), WEIR_ERR_INVALID_ARGUMENT, "NULL", NULL);
  EXPECT(weir_array_tostring(a, NULL), WEIR_ERR_INVALID_ARGUMENT, "NULL", NULL);
  EXPECT(weir_array_tostring(NULL, &str), WEIR_ERR_INVALID_ARGUMENT, "NULL", NULL);
  EXPECT(weir_allclose(&b, a, NULL, 1e-5, 1e-8), WEIR_ERR_INVALID_ARGUMENT, "NULL", NULL);
  EXPECT(weir_array_equal(NULL, a, a), WEIR_ERR_INVALID_ARGUMENT, "NULL", NULL);
  EXPECT(weir_random_key(NULL, 1), WEIR_ERR_INVALID_ARGUMENT, "NULL", NULL);
  EXPECT(weir_capture_start(NULL), WEIR_ERR_INVALID_ARGUMENT, "path", NULL);
  CHECK(o == NULL);
  /* a NULL array is fine where documented */
  weir_array_free(NULL);
  CHECK(weir_array_ndim(a) == 2);
  weir_array_free(a);
}

static void test_bad_values(void) {
  weir_array *a = NULL, *b = NULL, *o = NULL;
  int64_t s3[1] = {3}, s4[1] = {4}, s23[2] = {2, 3};
  CHECK_OK(weir_ones(&a, s3, 1, WEIR_FLOAT32, weir_on(CPU)));
  CHECK_OK(weir_ones(&b, s4, 1, WEIR_FLOAT32, weir_on(CPU)));
  /* negative dims */
  EXPECT(weir_zeros(&o, (const int64_t[]){3, -2}, 2, WEIR_FLOAT32, WEIR_DEFAULT), WEIR_ERR_INVALID_ARGUMENT, "-2",
         NULL);
  EXPECT(weir_full(&o, (const int64_t[]){-1}, 1, 1.0, WEIR_INT32, WEIR_DEFAULT), WEIR_ERR_INVALID_ARGUMENT, "-1",
         NULL);
  EXPECT(weir_random_uniform(&o, (const int64_t[]){-7}, 1, WEIR_FLOAT32, 0, 1, NULL, WEIR_DEFAULT),
         WEIR_ERR_INVALID_ARGUMENT, "-7", NULL);
  /* bad ndim */
  EXPECT(weir_zeros(&o, s3, -1, WEIR_FLOAT32, WEIR_DEFAULT), WEIR_ERR_INVALID_ARGUMENT, "ndim", NULL);
  int64_t many[WEIR_MAX_NDIM + 1];
  for (int i = 0; i <= WEIR_MAX_NDIM; i++) many[i] = 1;
  EXPECT(weir_zeros(&o, many, WEIR_MAX_NDIM + 1, WEIR_FLOAT32, WEIR_DEFAULT), WEIR_ERR_INVALID_ARGUMENT, "32", NULL);
  CHECK_OK(weir_zeros(&o, many, WEIR_MAX_NDIM, WEIR_FLOAT32, WEIR_DEFAULT));
  weir_array_free(o);
  o = NULL;
  /* bad dtype enum values */
  EXPECT(weir_zeros(&o, s3, 1, (weir_dtype)42, WEIR_DEFAULT), WEIR_ERR_INVALID_ARGUMENT, "dtype", "42");
  EXPECT(weir_astype(&o, a, (weir_dtype)-3, WEIR_DEFAULT), WEIR_ERR_INVALID_ARGUMENT, "dtype", NULL);
  EXPECT(weir_array_from_scalar(&o, 1, (weir_dtype)13), WEIR_ERR_INVALID_ARGUMENT, "dtype", NULL);
  float host[3] = {1, 2, 3};
  EXPECT(weir_array_from_data(&o, host, s3, 1, (weir_dtype)100), WEIR_ERR_INVALID_ARGUMENT, "dtype", NULL);
  EXPECT(weir_arange(&o, 0, 3, 1, (weir_dtype)77, WEIR_DEFAULT), WEIR_ERR_INVALID_ARGUMENT, "dtype", NULL);
  EXPECT(weir_random_normal(&o, s3, 1, WEIR_INT32, 0, 1, NULL, WEIR_DEFAULT), WEIR_ERR_INVALID_ARGUMENT, "float",
         NULL);
  CHECK_EQ_U64(weir_dtype_size((weir_dtype)42), 0);
  CHECK_STR(weir_dtype_name((weir_dtype)42), "unknown");
  /* shapes */
  EXPECT(weir_add(&o, a, b, WEIR_DEFAULT), WEIR_ERR_INVALID_ARGUMENT, "broadcast", NULL);
  EXPECT(weir_reshape(&o, a, s23, 2, WEIR_DEFAULT), WEIR_ERR_INVALID_ARGUMENT, "reshape", NULL);
  EXPECT(weir_reshape(&o, a, (const int64_t[]){-1, -1}, 2, WEIR_DEFAULT), WEIR_ERR_INVALID_ARGUMENT, "one", NULL);
  EXPECT(weir_matmul(&o, a, b, WEIR_DEFAULT), WEIR_ERR_INVALID_ARGUMENT, "matmul", NULL);
  EXPECT(weir_arange(&o, 0, 3, 0, WEIR_FLOAT32, WEIR_DEFAULT), WEIR_ERR_INVALID_ARGUMENT, "step", NULL);
  /* item on more than one element */
  double d;
  int64_t i64;
  EXPECT(weir_array_item_double(a, &d), WEIR_ERR_INVALID_ARGUMENT, "item", "3");
  EXPECT(weir_array_item_int64(b, &i64), WEIR_ERR_INVALID_ARGUMENT, "item", NULL);
  weir_array *empty = NULL;
  CHECK_OK(weir_zeros(&empty, (const int64_t[]){0}, 1, WEIR_FLOAT32, weir_on(CPU)));
  EXPECT(weir_array_item_double(empty, &d), WEIR_ERR_INVALID_ARGUMENT, "item", NULL);
  weir_array_free(empty);
  /* random keys of the wrong kind */
  weir_status st = weir_random_uniform(&o, s3, 1, WEIR_FLOAT32, 0, 1, a, WEIR_DEFAULT); /* float32 key */
  if (st >= 0 && st <= WEIR_ERR_INTERNAL) g_seen[st] = true;
  CHECK_MSG(st == WEIR_ERR_TYPE || st == WEIR_ERR_INVALID_ARGUMENT, "float32 key: %s", weir_status_name(st));
  CHECK_ERR_MENTIONS("key");
  CHECK(o == NULL);
  weir_array_free(a);
  weir_array_free(b);
}

static void test_bad_indices(void) {
  weir_array *x = NULL, *o = NULL;
  int64_t shape[3] = {2, 3, 4};
  CHECK_OK(weir_ones(&x, shape, 3, WEIR_FLOAT32, weir_on(CPU)));
  EXPECT(weir_sum(&o, x, (const int[]){3}, 1, false, WEIR_DEFAULT), WEIR_ERR_INDEX, "axis", "3");
  EXPECT(weir_max(&o, x, (const int[]){0, -4}, 2, false, WEIR_DEFAULT), WEIR_ERR_INDEX, "axis", "-4");
  EXPECT(weir_argmax(&o, x, 5, false, WEIR_DEFAULT), WEIR_ERR_INDEX, "axis", "5");
  EXPECT(weir_argmin(&o, x, -4, true, WEIR_DEFAULT), WEIR_ERR_INDEX, "axis", NULL);
  EXPECT(weir_sum(&o, x, (const int[]){1, 1}, 2, false, WEIR_DEFAULT), WEIR_ERR_INVALID_ARGUMENT, "axis", NULL);
  EXPECT(weir_transpose(&o, x, (const int[]){0, 1, 3}, 3, WEIR_DEFAULT), WEIR_ERR_INDEX, "3", NULL);
  EXPECT(weir_transpose(&o, x, (const int[]){0, 0, 1}, 3, WEIR_DEFAULT), WEIR_ERR_INVALID_ARGUMENT, "perm", NULL);
  EXPECT(weir_transpose(&o, x, (const int[]){0, 1}, 2, WEIR_DEFAULT), WEIR_ERR_INVALID_ARGUMENT, "2", "3");
  /* devices */
  weir_device gpu7 = WEIR_GPU_DEVICE(7 + g_ngpu), cpu1 = {WEIR_CPU, 1};
  EXPECT(weir_zeros(&o, shape, 3, WEIR_FLOAT32, weir_on(gpu7)), WEIR_ERR_INDEX, "gpu", NULL);
  EXPECT(weir_add(&o, x, x, weir_on(cpu1)), WEIR_ERR_INDEX, "cpu", NULL);
  EXPECT(weir_copy(&o, x, weir_on(gpu7)), WEIR_ERR_INDEX, "gpu", NULL);
  EXPECT(weir_set_default_device(gpu7), WEIR_ERR_INDEX, "gpu", NULL);
  weir_stream s;
  EXPECT(weir_stream_new(cpu1, &s), WEIR_ERR_INDEX, "cpu", NULL);
  EXPECT(weir_sum(&o, x, NULL, 0, false, (weir_stream){{(weir_device_type)5, 0}, 0}), WEIR_ERR_INVALID_ARGUMENT,
         "device", NULL);
  /* freed streams and the empty push stack */
  CHECK_OK(weir_stream_new(CPU, &s));
  CHECK_OK(weir_stream_free(s));
  weir_status st = weir_add(&o, x, x, s);
  CHECK_MSG(st == WEIR_ERR_INDEX || st == WEIR_ERR_INVALID_ARGUMENT, "op on a freed stream: %s",
            weir_status_name(st));
  CHECK_ERR_MENTIONS("stream");
  st = weir_stream_pop();
  CHECK_MSG(st == WEIR_ERR_INVALID_ARGUMENT || st == WEIR_ERR_INDEX, "pop on empty: %s", weir_status_name(st));
  CHECK_MSG(h_error_mentions("pop") || h_error_mentions("empty"), "pop: \"%s\"", weir_last_error());
  CHECK(o == NULL);
  weir_array_free(x);
}

/* Execution errors: out of memory on stream A poisons a dependent on stream B and its dependents;
   every reader reports it; unrelated work does not; the streams stay usable. */
static void test_poisoning(void) {
  weir_stream sa, sb;
  if (!CHECK_OK(weir_stream_new(CPU, &sa)) || !CHECK_OK(weir_stream_new(CPU, &sb))) return;
  CHECK_OK(weir_synchronize_all());
  weir_array *one = NULL;
  CHECK_OK(weir_array_from_scalar(&one, 1, WEIR_FLOAT32));
  size_t lim = weir_memory_active() + 65536, prev = weir_memory_set_limit(lim);
  int64_t big[1] = {1 << 20};
  weir_array *a = NULL, *b = NULL, *c = NULL;
  CHECK_OK(weir_full(&a, big, 1, 3, WEIR_FLOAT32, sa));
  CHECK_OK(weir_add(&b, a, one, sb));
  CHECK_OK(weir_sum(&c, b, NULL, 0, false, sb));
  weir_status st = weir_async_eval(&c, 1);
  CHECK_MSG(st == WEIR_OK || st == WEIR_ERR_OUT_OF_MEMORY, "async_eval: %s", weir_status_name(st));
  if (st == WEIR_OK) {
    st = weir_synchronize(sa); /* the failure happened in A's work: its synchronize reports it */
    expect(st, WEIR_ERR_OUT_OF_MEMORY, "synchronize(A) after a failed task", "memory", NULL, __LINE__);
  }
  /* reported once: afterwards synchronize is clean, on both streams */
  CHECK_OK(weir_synchronize(sa));
  CHECK_OK(weir_synchronize(sb));
  g_seen[WEIR_ERR_OUT_OF_MEMORY] = true;
  EXPECT(weir_eval(&c, 1), WEIR_ERR_OUT_OF_MEMORY, "memory", NULL);
  EXPECT(weir_eval(&b, 1), WEIR_ERR_OUT_OF_MEMORY, "memory", NULL);
  double v;
  EXPECT(weir_array_item_double(c, &v), WEIR_ERR_OUT_OF_MEMORY, "memory", NULL);
  const void *p = NULL;
  EXPECT(weir_array_data(b, &p), WEIR_ERR_OUT_OF_MEMORY, "memory", NULL);
  char *str = NULL;
  EXPECT(weir_array_tostring(c, &str), WEIR_ERR_OUT_OF_MEMORY, "memory", NULL);
  bool eq = true;
  weir_array *b2 = weir_array_retain(b);
  CHECK(weir_array_equal(&eq, b, b2) == WEIR_ERR_OUT_OF_MEMORY);
  weir_array_free(b2);
  /* a further dependent built after the failure is poisoned as well */
  weir_array *d = NULL;
  CHECK_OK(weir_multiply(&d, b, one, sa));
  EXPECT(weir_eval(&d, 1), WEIR_ERR_OUT_OF_MEMORY, "memory", NULL);

  /* every failure was reported already (the poisoned arrays keep reporting it when read, but
     a synchronize does not report it again) */
  CHECK_OK(weir_synchronize(sa));
  CHECK_OK(weir_synchronize(sb));
  CHECK_OK(weir_synchronize_all());

  /* unrelated work: no error from the earlier failure, on either stream */
  weir_array *u = NULL, *w = NULL;
  CHECK_OK(weir_full(&u, (const int64_t[]){4}, 1, 2, WEIR_FLOAT32, sa));
  CHECK_OK(weir_add(&w, u, one, sb));
  CHECK_OK(weir_eval(&w, 1));
  double got[4];
  if (CHECK_OK(h_read(w, got))) CHECK_CLOSE(got[3], 3.0, 0);
  CHECK_OK(weir_synchronize(sb));
  CHECK_OK(weir_synchronize(sa));
  CHECK_EQ_U64(weir_memory_set_limit(prev), lim);

  /* after restoring the limit, the same computation rebuilt succeeds */
  weir_array *a2 = NULL, *b3 = NULL, *c2 = NULL;
  CHECK_OK(weir_full(&a2, big, 1, 3, WEIR_FLOAT32, sa));
  CHECK_OK(weir_add(&b3, a2, one, sb));
  CHECK_OK(weir_sum(&c2, b3, NULL, 0, false, sb));
  CHECK_OK(weir_array_item_double(c2, &v));
  CHECK_CLOSE(v, 4.0 * (1 << 20), 0);
  weir_array *list[] = {one, a, b, c, d, u, w, a2, b3, c2};
  for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) weir_array_free(list[i]);
  CHECK_OK(weir_stream_free(sa));
  CHECK_OK(weir_stream_free(sb));
}

/* Codes this machine can produce besides the ones above. */
static void test_other_codes(void) {
  /* WEIR_ERR_DEVICE: the capture file cannot be written (a full device) */
  if (access("/dev/full", W_OK) == 0) {
    if (CHECK_OK(weir_capture_start("/dev/full"))) {
      weir_array *x = NULL;
      CHECK_OK(weir_ones(&x, (const int64_t[]){8}, 1, WEIR_FLOAT32, weir_on(CPU)));
      CHECK_OK(weir_eval(&x, 1));
      weir_array_free(x);
      weir_status st = weir_capture_stop();
      if (st >= 0 && st <= WEIR_ERR_INTERNAL) g_seen[st] = true;
      CHECK_MSG(st == WEIR_ERR_DEVICE, "writing a capture to /dev/full: %s (\"%s\")", weir_status_name(st),
                weir_last_error());
      CHECK_ERR_MENTIONS("/dev/full");
    }
  }
  /* a capture path in a directory that does not exist fails at start */
  EXPECT(weir_capture_start("/nonexistent-weir-dir/trace.json"), WEIR_ERR_INVALID_ARGUMENT, "nonexistent", NULL);
  EXPECT(weir_capture_stop(), WEIR_ERR_INVALID_ARGUMENT, "capture", NULL);
  /* WEIR_ERR_UNSUPPORTED: float64 on a GPU stream */
  if (g_ngpu > 0) {
    weir_array *o = NULL, *x = NULL;
    EXPECT(weir_zeros(&o, (const int64_t[]){2}, 1, WEIR_FLOAT64, weir_on(WEIR_GPU_DEVICE(0))), WEIR_ERR_UNSUPPORTED,
           "float64", "GPU");
    CHECK_OK(weir_ones(&x, (const int64_t[]){2}, 1, WEIR_FLOAT64, weir_on(CPU)));
    EXPECT(weir_exp(&o, x, weir_on(WEIR_GPU_DEVICE(0))), WEIR_ERR_UNSUPPORTED, "float64", "stream=mx.cpu");
    weir_array_free(x);
  }
  /* WEIR_ERR_UNSUPPORTED on the CPU: an integer matmul, negating a bool */
  {
    weir_array *o = NULL, *i32 = NULL, *b = NULL;
    CHECK_OK(weir_ones(&i32, (const int64_t[]){2, 2}, 2, WEIR_INT32, weir_on(CPU)));
    CHECK_OK(weir_ones(&b, (const int64_t[]){2}, 1, WEIR_BOOL, weir_on(CPU)));
    EXPECT(weir_matmul(&o, i32, i32, weir_on(CPU)), WEIR_ERR_UNSUPPORTED, "floating", NULL);
    EXPECT(weir_negative(&o, b, weir_on(CPU)), WEIR_ERR_UNSUPPORTED, "bool", "logical_not");
    weir_array_free(i32);
    weir_array_free(b);
  }
  /* WEIR_ERR_TYPE: an integer asked of a string-valued device info key */
  {
    weir_device_info *info = NULL;
    int64_t v = 0;
    if (CHECK_OK(weir_device_info_get(CPU, &info))) {
      EXPECT(weir_device_info_int(info, "device_name", &v), WEIR_ERR_TYPE, "device_name", "string");
      weir_device_info_free(info);
    }
  }
  /* Execution-time failures (test hook): each code poisons the node and its dependents only,
     is reported by eval / item / synchronize once, and the stream keeps working. */
  static const weir_status injected[] = {WEIR_ERR_INTERNAL, WEIR_ERR_DEVICE, WEIR_ERR_OUT_OF_MEMORY};
  weir_stream sx;
  if (CHECK_OK(weir_stream_new(CPU, &sx))) {
    for (size_t k = 0; k < sizeof injected / sizeof injected[0]; k++) {
      weir_array *x = NULL, *y = NULL, *z = NULL, *other = NULL;
      CHECK_OK(weir_full(&x, (const int64_t[]){16}, 1, 2.0, WEIR_FLOAT32, sx));
      CHECK_OK(weir_eval(&x, 1));
      weir__inject_kernel_failure(WEIR__P_SQRT, injected[k]);
      CHECK_OK(weir_sqrt(&y, x, sx));
      CHECK_OK(weir_multiply(&z, y, x, weir_on(CPU))); /* dependent on another stream */
      CHECK_OK(weir_square(&other, x, sx));            /* independent, same stream */
      weir_array *both[2] = {z, other};
      CHECK_OK(weir_async_eval(both, 2));
      double v = 0;
      weir_array *zs = NULL; /* item of a 1-element reduction of the poisoned array */
      CHECK_OK(weir_sum(&zs, z, NULL, 0, false, sx));
      CHECK_STATUS(weir_array_item_double(zs, &v), injected[k]);
      CHECK_ERR_MENTIONS("injected");
      weir_array_free(zs);
      weir_status st = weir_eval(&z, 1);
      if (st >= 0 && st <= WEIR_ERR_INTERNAL) g_seen[st] = true;
      CHECK_MSG(st == injected[k], "injected %s, eval of a dependent gave %s", weir_status_name(injected[k]),
                weir_status_name(st));
      CHECK_ERR_MENTIONS("injected");
      CHECK_STATUS(weir_eval(&y, 1), injected[k]);
      weir_array *s = NULL;
      CHECK_OK(weir_sum(&s, other, NULL, 0, false, sx)); /* independent work is intact */
      if (CHECK_OK(weir_array_item_double(s, &v))) CHECK_CLOSE(v, 16 * 4.0, 0);
      CHECK_OK(weir_synchronize(sx)); /* already reported by eval: not again */
      weir_array *list[] = {x, y, z, other, s};
      for (size_t i = 0; i < 5; i++) weir_array_free(list[i]);
    }
    /* an unreported failure is reported by synchronize, once */
    weir_array *x = NULL, *y = NULL;
    CHECK_OK(weir_full(&x, (const int64_t[]){4}, 1, 2.0, WEIR_FLOAT32, sx));
    weir__inject_kernel_failure(WEIR__P_SQRT, WEIR_ERR_INTERNAL);
    CHECK_OK(weir_sqrt(&y, x, sx));
    CHECK_OK(weir_async_eval(&y, 1));
    CHECK_STATUS(weir_synchronize(sx), WEIR_ERR_INTERNAL);
    CHECK_ERR_MENTIONS("injected");
    CHECK_OK(weir_synchronize(sx));
    weir_array_free(x);
    weir_array_free(y);
    CHECK_OK(weir_stream_free(sx));
  }
  for (int s = 1; s <= WEIR_ERR_INTERNAL; s++)
    CHECK_MSG(g_seen[s], "%s was not produced by any call here", weir_status_name((weir_status)s));
}

/* A failed build leaves *out NULL and allocates nothing. */
static void test_no_side_effects(void) {
  CHECK_OK(weir_synchronize_all());
  size_t a0 = weir_memory_active();
  weir_array *o = NULL, *x = NULL;
  CHECK_OK(weir_ones(&x, (const int64_t[]){5}, 1, WEIR_INT32, weir_on(CPU)));
  for (int i = 0; i < 1000; i++) {
    weir_status st = weir_reshape(&o, x, (const int64_t[]){7}, 1, WEIR_DEFAULT);
    if (st == WEIR_OK || o != NULL) {
      CHECK_MSG(false, "failed reshape produced an array");
      break;
    }
  }
  CHECK_OK(weir_eval(&x, 1));
  CHECK_EQ_U64(weir_memory_active(), a0 + 20);
  weir_array_free(x);
  CHECK_EQ_U64(weir_memory_active(), a0);
}

int main(void) {
  h_init("test_errors");
  g_ngpu = weir_device_count(WEIR_GPU);
  H_RUN(test_status_names);
  H_RUN(test_null_pointers);
  H_RUN(test_bad_values);
  H_RUN(test_bad_indices);
  H_RUN(test_poisoning);
  H_RUN(test_other_codes);
  H_RUN(test_no_side_effects);
  return h_finish();
}
