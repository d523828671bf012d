/* Streams: creation, defaults, resolution, equality, printing, set_default_stream, push/pop
   (per thread), free, synchronize, validation, and the workers' adaptive poll budget. */
#include "harness.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "core/fault_injection.h" /* a test hook: make one kernel fail */
#include "core/poll.h"            /* the workers' adaptive poll budget */

#define CPU WEIR_CPU_DEVICE

static weir_stream g_cpu_default;

static bool index_or_arg(weir_status st) { return st == WEIR_ERR_INDEX || st == WEIR_ERR_INVALID_ARGUMENT; }

/* Builds ones(n) + 1 on s and checks the op landed on want and computes 2. */
static void check_op_lands(weir_stream s, weir_stream want, const char *what) {
  int64_t shape[1] = {5};
  weir_array *a = NULL, *b = NULL, *c = NULL;
  if (!CHECK_OK(weir_ones(&a, shape, 1, WEIR_FLOAT32, s))) return;
  CHECK_OK(weir_ones(&b, shape, 1, WEIR_FLOAT32, s));
  if (CHECK_OK(weir_add(&c, a, b, s))) {
    weir_stream got = weir_array_stream(c);
    CHECK_MSG(h_stream_is(got, want), "%s: op on (%d,%d,%d), wanted (%d,%d,%d)", what, got.device.type,
              got.device.index, got.index, want.device.type, want.device.index, want.index);
    double v[5] = {0};
    if (CHECK_OK(h_read(c, v)))
      for (int i = 0; i < 5; i++) CHECK_CLOSE(v[i], 2.0, 0);
  }
  weir_array_free(a);
  weir_array_free(b);
  weir_array_free(c);
}

static void test_defaults(void) {
  CHECK_OK(weir_default_stream(CPU, &g_cpu_default));
  CHECK(g_cpu_default.index > 0);
  CHECK_EQ_INT(g_cpu_default.device.type, WEIR_CPU);
  CHECK_EQ_INT(g_cpu_default.device.index, 0);
  weir_stream again;
  CHECK_OK(weir_default_stream(CPU, &again));
  CHECK(h_stream_is(again, g_cpu_default));

  weir_stream r;
  CHECK_OK(weir_stream_resolve(weir_on(CPU), &r));
  CHECK(h_stream_is(r, g_cpu_default));
  weir_stream def_of_default;
  CHECK_OK(weir_default_stream(weir_default_device(), &def_of_default));
  CHECK_OK(weir_stream_resolve(WEIR_DEFAULT, &r));
  CHECK(h_stream_is(r, def_of_default));
  CHECK(weir_stream_equal(WEIR_DEFAULT, def_of_default));
  CHECK(weir_stream_equal(weir_on(CPU), g_cpu_default));
  CHECK(weir_stream_equal(g_cpu_default, weir_on(CPU)));

  CHECK_STATUS(weir_default_stream((weir_device){WEIR_CPU, 1}, &r), WEIR_ERR_INDEX);
  CHECK_STATUS(weir_default_stream(WEIR_GPU_DEVICE(7 + weir_device_count(WEIR_GPU)), &r), WEIR_ERR_INDEX);
  CHECK_ERR_MENTIONS("gpu");
  CHECK_STATUS(weir_default_stream(CPU, NULL), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_STATUS(weir_stream_resolve(WEIR_DEFAULT, NULL), WEIR_ERR_INVALID_ARGUMENT);
  int ngpu = weir_device_count(WEIR_GPU);
  for (int k = 0; k < ngpu; k++) {
    weir_stream g;
    if (CHECK_OK(weir_default_stream(WEIR_GPU_DEVICE(k), &g))) {
      CHECK_EQ_INT(g.device.type, WEIR_GPU); /* the default stream of gpu:k is on gpu:k */
      CHECK_EQ_INT(g.device.index, k);
      CHECK(g.index > 0);
    }
  }
  check_op_lands(weir_on(CPU), g_cpu_default, "weir_on(cpu)");
}

static void test_new_and_print(void) {
  weir_stream s1, s2;
  CHECK_OK(weir_stream_new(CPU, &s1));
  CHECK_OK(weir_stream_new(CPU, &s2));
  CHECK(s1.index > 0 && s2.index > s1.index);
  CHECK(s1.index != g_cpu_default.index);
  CHECK(!weir_stream_equal(s1, s2));
  CHECK(weir_stream_equal(s1, s1));
  CHECK_EQ_INT(s1.device.type, WEIR_CPU);

  char buf[96], want[96];
  snprintf(want, sizeof want, "Stream(Device(cpu, 0), %d)", s2.index);
  int n = weir_stream_tostring(s2, buf, sizeof buf);
  CHECK_STR(buf, want);
  CHECK_EQ_INT(n, (int)strlen(want));
  char small[10];
  n = weir_stream_tostring(s2, small, sizeof small);
  CHECK_EQ_INT(n, (int)strlen(want));
  CHECK_EQ_INT(strlen(small), sizeof small - 1);
  CHECK_EQ_INT(weir_stream_tostring(s2, NULL, 0), (int)strlen(want));
  snprintf(want, sizeof want, "Stream(Device(cpu, 0), %d)", g_cpu_default.index);
  weir_stream_tostring(weir_on(CPU), buf, sizeof buf); /* prints the resolved stream */
  CHECK_STR(buf, want);
  if (g_cpu_default.index == 1) {
    weir_stream_tostring(g_cpu_default, buf, sizeof buf);
    CHECK_STR(buf, "Stream(Device(cpu, 0), 1)");
  }

  check_op_lands(s1, s1, "new stream");
  CHECK_OK(weir_stream_free(s1));
  CHECK_OK(weir_stream_free(s2));

  weir_stream bad;
  CHECK_STATUS(weir_stream_new((weir_device){WEIR_CPU, 1}, &bad), WEIR_ERR_INDEX);
  CHECK_ERR_MENTIONS("cpu");
  CHECK_STATUS(weir_stream_new(WEIR_GPU_DEVICE(7 + weir_device_count(WEIR_GPU)), &bad), WEIR_ERR_INDEX);
  CHECK_ERR_MENTIONS("gpu");
  CHECK_STATUS(weir_stream_new(CPU, NULL), WEIR_ERR_INVALID_ARGUMENT);
  if (weir_device_count(WEIR_GPU) > 0) {
    weir_stream g;
    if (CHECK_OK(weir_stream_new(WEIR_GPU_DEVICE(0), &g))) {
      snprintf(want, sizeof want, "Stream(Device(gpu, 0), %d)", g.index);
      weir_stream_tostring(g, buf, sizeof buf);
      CHECK_STR(buf, want);
      check_op_lands(g, g, "gpu stream");
      CHECK_OK(weir_stream_free(g));
    }
  }
}

static void test_set_default_stream(void) {
  weir_stream s, old;
  CHECK_OK(weir_default_stream(CPU, &old));
  if (!CHECK_OK(weir_stream_new(CPU, &s))) return;
  CHECK_OK(weir_set_default_stream(s));
  weir_stream now;
  CHECK_OK(weir_default_stream(CPU, &now));
  CHECK(h_stream_is(now, s));
  check_op_lands(weir_on(CPU), s, "after set_default_stream");
  weir_device saved = weir_default_device();
  CHECK_OK(weir_set_default_device(CPU));
  check_op_lands(WEIR_DEFAULT, s, "WEIR_DEFAULT after set_default_stream");
  CHECK_OK(weir_set_default_device(saved));
  /* a default stream cannot be freed while it is the default */
  CHECK(weir_stream_free(s) != WEIR_OK);
  CHECK_OK(weir_set_default_stream(old));
  CHECK_OK(weir_default_stream(CPU, &now));
  CHECK(h_stream_is(now, old));
  CHECK_OK(weir_stream_free(s));
  /* freed and invalid streams are refused */
  CHECK(index_or_arg(weir_set_default_stream(s)));
  CHECK_ERR_MENTIONS("stream");
  CHECK_OK(weir_default_stream(CPU, &now));
  CHECK(h_stream_is(now, old));
  CHECK(index_or_arg(weir_set_default_stream((weir_stream){CPU, 1000000})));
  CHECK_STATUS(weir_set_default_stream((weir_stream){{WEIR_CPU, 1}, 1}), WEIR_ERR_INDEX);
}

typedef struct {
  weir_stream resolved, on_cpu;
  weir_device dev;
  weir_status st;
  int pop_status;
} seen_t;

static void *observe_thread(void *arg) {
  seen_t *o = arg;
  o->dev = weir_default_device();
  o->st = weir_stream_resolve(WEIR_DEFAULT, &o->resolved);
  if (o->st == WEIR_OK) o->st = weir_stream_resolve(weir_on(CPU), &o->on_cpu);
  o->pop_status = weir_stream_pop(); /* this thread never pushed */
  return NULL;
}

static void test_push_pop(void) {
  weir_stream base, s1, s2, r;
  CHECK_OK(weir_stream_resolve(WEIR_DEFAULT, &base));
  weir_device base_dev = weir_default_device();
  if (!CHECK_OK(weir_stream_new(CPU, &s1)) || !CHECK_OK(weir_stream_new(CPU, &s2))) return;

  CHECK_OK(weir_stream_push(s1));
  CHECK(weir_device_equal(weir_default_device(), CPU));
  CHECK_OK(weir_stream_resolve(WEIR_DEFAULT, &r));
  CHECK(h_stream_is(r, s1));
  CHECK_OK(weir_stream_resolve(weir_on(CPU), &r));
  CHECK(h_stream_is(r, s1));
  CHECK(weir_stream_equal(WEIR_DEFAULT, s1));
  check_op_lands(WEIR_DEFAULT, s1, "pushed s1");

  /* another thread does not see this thread's push */
  seen_t o;
  memset(&o, 0, sizeof o);
  pthread_t t;
  pthread_create(&t, NULL, observe_thread, &o);
  pthread_join(t, NULL);
  CHECK_OK(o.st);
  CHECK(h_stream_is(o.resolved, base));
  CHECK(h_stream_is(o.on_cpu, g_cpu_default));
  CHECK(weir_device_equal(o.dev, base_dev));
  CHECK_MSG(o.pop_status != WEIR_OK, "pop on another thread's empty stack must fail");

  /* nesting */
  CHECK_OK(weir_stream_push(s2));
  CHECK_OK(weir_stream_resolve(WEIR_DEFAULT, &r));
  CHECK(h_stream_is(r, s2));
  check_op_lands(WEIR_DEFAULT, s2, "pushed s2");
  CHECK_OK(weir_stream_pop());
  CHECK_OK(weir_stream_resolve(WEIR_DEFAULT, &r));
  CHECK(h_stream_is(r, s1));
  CHECK_OK(weir_stream_pop());
  CHECK_OK(weir_stream_resolve(WEIR_DEFAULT, &r));
  CHECK(h_stream_is(r, base));
  CHECK(weir_device_equal(weir_default_device(), base_dev));
  CHECK_OK(weir_stream_resolve(weir_on(CPU), &r));
  CHECK(h_stream_is(r, g_cpu_default));

  /* popping an empty stack */
  weir_status st = weir_stream_pop();
  CHECK_MSG(st == WEIR_ERR_INVALID_ARGUMENT || st == WEIR_ERR_INDEX, "pop on empty: %s", weir_status_name(st));
  CHECK_MSG(h_error_mentions("pop") || h_error_mentions("empty"), "pop message: \"%s\"", weir_last_error());
  CHECK_OK(weir_stream_resolve(WEIR_DEFAULT, &r));
  CHECK(h_stream_is(r, base));

  /* pushing an invalid stream is refused and pushes nothing */
  CHECK(index_or_arg(weir_stream_push((weir_stream){CPU, 1000000})));
  CHECK(weir_stream_pop() != WEIR_OK);

  /* pushing weir_on(cpu) pushes the resolved default */
  CHECK_OK(weir_stream_push(weir_on(CPU)));
  CHECK_OK(weir_stream_resolve(WEIR_DEFAULT, &r));
  CHECK(h_stream_is(r, g_cpu_default));
  CHECK_OK(weir_stream_pop());

  CHECK_OK(weir_stream_free(s1));
  CHECK_OK(weir_stream_free(s2));
}

static void test_free(void) {
  weir_stream s;
  if (!CHECK_OK(weir_stream_new(CPU, &s))) return;
  /* pending work is drained by free: the array stays readable afterwards */
  int64_t shape[1] = {1000};
  weir_array *a = NULL, *b = NULL;
  CHECK_OK(weir_full(&a, shape, 1, 3.0, WEIR_FLOAT32, s));
  CHECK_OK(weir_multiply(&b, a, a, s));
  CHECK_OK(weir_async_eval(&b, 1));
  CHECK_OK(weir_stream_free(s));
  double v[1000];
  if (CHECK_OK(h_read(b, v))) CHECK_CLOSE(v[999], 9.0, 0);

  /* an unevaluated array on a freed stream reports an error, not a hang */
  weir_stream s2;
  weir_array *c = NULL, *d = NULL;
  CHECK_OK(weir_stream_new(CPU, &s2));
  CHECK_OK(weir_full(&c, shape, 1, 1.0, WEIR_FLOAT32, s2));
  CHECK_OK(weir_stream_free(s2));
  weir_status st = weir_eval(&c, 1);
  CHECK_MSG(st == WEIR_OK || index_or_arg(st), "eval of a node on a freed stream: %s", weir_status_name(st));

  /* using the freed stream is an error naming the stream */
  CHECK(index_or_arg(weir_zeros(&d, shape, 1, WEIR_FLOAT32, s)));
  CHECK_ERR_MENTIONS("stream");
  CHECK(d == NULL);
  CHECK(index_or_arg(weir_add(&d, a, a, s)));
  CHECK(index_or_arg(weir_stream_free(s)));     /* twice */
  CHECK(index_or_arg(weir_synchronize(s)));
  CHECK(index_or_arg(weir_stream_push(s)));
  CHECK(weir_stream_free(g_cpu_default) != WEIR_OK); /* not for defaults */
  CHECK(weir_stream_free(weir_on(CPU)) != WEIR_OK);
  CHECK(weir_stream_free(WEIR_DEFAULT) != WEIR_OK);
  CHECK(index_or_arg(weir_stream_free((weir_stream){CPU, 1000000})));
  check_op_lands(weir_on(CPU), g_cpu_default, "default after frees");

  /* a new stream never reuses a freed index */
  weir_stream s3;
  CHECK_OK(weir_stream_new(CPU, &s3));
  CHECK(s3.index > s2.index);
  CHECK_OK(weir_stream_free(s3));
  weir_array_free(a);
  weir_array_free(b);
  weir_array_free(c);
}

static void test_synchronize(void) {
  weir_stream s;
  if (!CHECK_OK(weir_stream_new(CPU, &s))) return;
  int64_t shape[1] = {4096};
  weir_array *x = NULL;
  CHECK_OK(weir_zeros(&x, shape, 1, WEIR_FLOAT32, s));
  weir_array *one = NULL;
  CHECK_OK(weir_array_from_scalar(&one, 1.0, WEIR_FLOAT32));
  for (int i = 0; i < 50; i++) {
    weir_array *y = NULL;
    CHECK_OK(weir_add(&y, x, one, s));
    weir_array_free(x);
    x = y;
  }
  CHECK_OK(weir_async_eval(&x, 1));
  CHECK_OK(weir_synchronize(s));
  double v[4096];
  if (CHECK_OK(h_read(x, v))) CHECK_CLOSE(v[4095], 50.0, 0);
  CHECK_OK(weir_synchronize(WEIR_DEFAULT));
  CHECK_OK(weir_synchronize(weir_on(CPU)));
  CHECK_OK(weir_synchronize_all());
  CHECK_STATUS(weir_synchronize((weir_stream){{WEIR_CPU, 1}, 1}), WEIR_ERR_INDEX);
  CHECK(index_or_arg(weir_synchronize((weir_stream){CPU, 1000000})));
  weir_array_free(x);
  weir_array_free(one);
  CHECK_OK(weir_stream_free(s));
}

/* Many streams at once, each with its own worker; all in use, then all freed. */
static void test_many_streams(void) {
  enum { NS = 48 };
  weir_stream s[NS];
  weir_array *r[NS] = {0};
  int64_t shape[1] = {256};
  for (int i = 0; i < NS; i++) {
    if (!CHECK_OK(weir_stream_new(CPU, &s[i]))) return;
    weir_array *a = NULL;
    CHECK_OK(weir_full(&a, shape, 1, (double)i, WEIR_INT32, s[i]));
    CHECK_OK(weir_multiply(&r[i], a, a, s[i]));
    weir_array_free(a);
  }
  CHECK_OK(weir_eval(r, NS));
  for (int i = 0; i < NS; i++) {
    int64_t v = -1;
    weir_array *m = NULL;
    CHECK_OK(weir_max(&m, r[i], NULL, 0, false, s[(i + 1) % NS]));
    CHECK_OK(weir_array_item_int64(m, &v));
    CHECK_EQ_INT(v, i * i);
    weir_array_free(m);
  }
  for (int i = 0; i < NS; i++) {
    weir_array_free(r[i]);
    CHECK_OK(weir_stream_free(s[i]));
  }
}

/* Deep nesting: pushes either succeed or fail cleanly at a documented depth; pops undo exactly
   the successful pushes. */
static void test_deep_push(void) {
  weir_stream s, base, r;
  if (!CHECK_OK(weir_stream_new(CPU, &s))) return;
  CHECK_OK(weir_stream_resolve(WEIR_DEFAULT, &base));
  int pushed = 0;
  weir_status st = WEIR_OK;
  while (pushed < 5000 && (st = weir_stream_push(pushed % 2 ? s : weir_on(CPU))) == WEIR_OK) pushed++;
  CHECK(pushed >= 64);
  if (st != WEIR_OK) {
    CHECK_MSG(st == WEIR_ERR_INVALID_ARGUMENT || st == WEIR_ERR_INDEX, "deep push: %s", weir_status_name(st));
    CHECK_ERR_MENTIONS("push");
  }
  int popped = 0;
  while (weir_stream_pop() == WEIR_OK) popped++;
  CHECK_EQ_INT(popped, pushed);
  CHECK_OK(weir_stream_resolve(WEIR_DEFAULT, &r));
  CHECK(h_stream_is(r, base));
  CHECK_OK(weir_stream_free(s));
}

/* A program that makes a stream per request: 300,000 new + free pairs keep working (indices stay
   unique, freed streams' memory is recycled) and work runs on streams made after the churn. */
static void test_stream_churn(void) {
  long n = h_scaled(300000);
  int first = -1, last = -1;
  bool ok = true;
  for (long i = 0; i < n && ok; i++) {
    weir_stream s;
    ok = CHECK_OK(weir_stream_new(CPU, &s));
    if (!ok) break;
    if (first < 0) first = s.index;
    CHECK(s.index > last);
    last = s.index;
    if (i % 25000 == 0) { /* the recycled stream really works */
      weir_array *x = NULL, *y = NULL;
      double v = 0;
      CHECK_OK(weir_full(&x, (const int64_t[]){1}, 1, (double)i, WEIR_FLOAT64, s));
      CHECK_OK(weir_add(&y, x, x, s));
      if (CHECK_OK(weir_array_item_double(y, &v))) CHECK_CLOSE(v, 2.0 * (double)i, 0);
      weir_array_free(x);
      weir_array_free(y);
    }
    ok = CHECK_OK(weir_stream_free(s));
  }
  CHECK(last - first == (int)(n - 1));
  weir_array *z = NULL; /* a freed index stays an error, with the right message */
  CHECK(weir_zeros(&z, (const int64_t[]){1}, 1, WEIR_FLOAT32, (weir_stream){CPU, first}) != WEIR_OK);
  CHECK_ERR_MENTIONS("freed");
  CHECK(z == NULL);
}

/* ---- freeing a stream while other threads still use what it produced ----
   Producers make a stream, run work on it, hand the output to a consumer and free the stream at
   once (sometimes before the work was even scheduled); consumers read the outputs, feed them to
   work on other streams (some made and freed on the spot), and look the freed streams up again.
   A helper thread keeps synchronizing every stream. Values are checked exactly. */
enum { FP = 3, FC = 3, FSLOTS = 8, FN = 96 };

typedef struct {
  weir_array *a;
  double want;            /* every element */
  bool maybe_unevaluated; /* handed over before any eval: "freed before evaluated" is also right */
  weir_status fails;      /* the injected failure it carries, or WEIR_OK */
  weir_stream origin;     /* the producer's stream (freed or being freed) */
} fslot;

static struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  fslot q[FSLOTS];
  int head, count, producers_left;
  _Atomic bool done;
  _Atomic long failures;
} g_f = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

#define FCHECK(cond, ...)                                                                         \
  do {                                                                                            \
    if (!(cond)) {                                                                                \
      if (atomic_fetch_add(&g_f.failures, 1) < 20) {                                              \
        fprintf(stderr, "thread FAIL %s:%d: %s (last error: %s): ", __FILE__, __LINE__, #cond,    \
                weir_last_error());                                                               \
        fprintf(stderr, __VA_ARGS__);                                                             \
        fputc('\n', stderr);                                                                      \
      }                                                                                           \
    }                                                                                             \
  } while (0)

static void f_put(fslot s) {
  pthread_mutex_lock(&g_f.mu);
  while (g_f.count == FSLOTS) pthread_cond_wait(&g_f.cv, &g_f.mu);
  g_f.q[(g_f.head + g_f.count++) % FSLOTS] = s;
  pthread_cond_broadcast(&g_f.cv);
  pthread_mutex_unlock(&g_f.mu);
}

static bool f_take(fslot *out) {
  pthread_mutex_lock(&g_f.mu);
  while (g_f.count == 0 && g_f.producers_left > 0) pthread_cond_wait(&g_f.cv, &g_f.mu);
  bool got = g_f.count > 0;
  if (got) {
    *out = g_f.q[g_f.head];
    g_f.head = (g_f.head + 1) % FSLOTS;
    g_f.count--;
    pthread_cond_broadcast(&g_f.cv);
  }
  pthread_mutex_unlock(&g_f.mu);
  return got;
}

/* A device for round i: GPUs too when there are any. */
static weir_device f_device(long i) {
  int ngpu = weir_device_count(WEIR_GPU);
  return ngpu > 0 && i % 2 ? WEIR_GPU_DEVICE((int)(i / 2 % ngpu)) : CPU;
}

/* Reads every element of a (evaluating it) and compares with want. */
static weir_status f_check(const weir_array *a, double want, const char *what) {
  const void *p = NULL;
  weir_status st = weir_array_data(a, &p);
  if (st != WEIR_OK) return st;
  int64_t n = weir_array_size(a);
  for (int64_t i = 0; i < n; i++) {
    double v = h_load(p, weir_array_dtype(a), i);
    if (v != want) {
      FCHECK(v == want, "%s: element %lld is %g, want %g", what, (long long)i, v, want);
      break;
    }
  }
  return WEIR_OK;
}

static void *f_producer(void *arg) {
  int id = (int)(intptr_t)arg;
  long rounds = h_scaled(1000);
  const int64_t shape[1] = {FN};
  for (long i = 0; i < rounds; i++) {
    weir_stream s;
    weir_device d = f_device(i + id);
    if (weir_stream_new(d, &s) != WEIR_OK) {
      FCHECK(false, "weir_stream_new");
      continue;
    }
    double v = (double)(id * 100 + i % 100); /* small: every result below is exact in float32 */
    weir_array *x = NULL, *y = NULL, *z = NULL;
    FCHECK(weir_full(&x, shape, 1, v, WEIR_FLOAT32, s) == WEIR_OK, "full");
    FCHECK(weir_add(&y, x, x, s) == WEIR_OK, "add"); /* 2v */
    FCHECK(weir_add(&z, y, x, s) == WEIR_OK, "add"); /* 3v */
    fslot out = {.a = z, .want = 3 * v, .origin = s};
    int mode = (int)(i % 4);
    if (id == 0 && i % 8 == 3) { /* an execution error on s, reported after s is gone */
      weir_array *p = NULL;
      FCHECK(weir_prod(&p, z, NULL, 0, false, s) == WEIR_OK, "prod");
      weir__inject_kernel_failure(WEIR__P_PROD, WEIR_ERR_DEVICE); /* only producer 0 uses prod */
      FCHECK(weir_async_eval(&p, 1) == WEIR_OK, "async_eval");
      weir_array_free(z);
      out = (fslot){.a = p, .fails = WEIR_ERR_DEVICE, .origin = s};
      mode = 0;
    }
    if (mode == 0) FCHECK(weir_async_eval(&out.a, 1) == WEIR_OK, "async_eval");
    if (mode == 1) FCHECK(weir_eval(&out.a, 1) == WEIR_OK, "eval");
    out.maybe_unevaluated = mode == 2;
    if (mode == 3) { /* also hand over an intermediate, written on s, that nobody waited for */
      FCHECK(weir_async_eval(&z, 1) == WEIR_OK, "async_eval");
      f_put((fslot){.a = weir_array_retain(y), .want = 2 * v, .origin = s});
    }
    f_put(out); /* the consumer owns z (or p) now */
    weir_status st = weir_stream_free(s);
    FCHECK(st == WEIR_OK || (out.fails != WEIR_OK && st == out.fails), "weir_stream_free: %s", weir_status_name(st));
    weir_array_free(x);
    weir_array_free(y);
  }
  pthread_mutex_lock(&g_f.mu);
  g_f.producers_left--;
  pthread_cond_broadcast(&g_f.cv);
  pthread_mutex_unlock(&g_f.mu);
  return NULL;
}

static void f_consume(fslot *f, weir_stream mine, long k) {
  weir_status st = WEIR_OK;
  weir_array *w = NULL;
  double want = f->want;
  switch (k % 4) {
  case 0: /* read it directly */
    st = f_check(f->a, want, "read");
    break;
  case 1: /* an input on a long-lived stream of this thread */
    st = weir_add(&w, f->a, f->a, mine);
    if (st == WEIR_OK) st = f_check(w, 2 * want, "on another stream");
    break;
  case 2: { /* an input on a stream made and freed here, on the same or another device */
    weir_stream t;
    st = weir_stream_new(f_device(k / 4), &t);
    FCHECK(st == WEIR_OK, "weir_stream_new");
    if (st != WEIR_OK) return;
    st = weir_multiply(&w, f->a, f->a, t);
    if (st == WEIR_OK) st = weir_async_eval(&w, 1);
    weir_status fst = weir_stream_free(t);
    if (st == WEIR_OK) st = f_check(w, want * want, "on a freed consumer stream");
    FCHECK(fst == WEIR_OK || fst == st, "weir_stream_free: %s", weir_status_name(fst));
    break;
  }
  default: { /* the producer's stream, looked up again (freed or not) while reading */
    weir_stream r;
    weir_status rs = weir_stream_resolve((weir_stream){{WEIR_DEVICE_DEFAULT, 0}, f->origin.index}, &r);
    FCHECK(rs == WEIR_OK || index_or_arg(rs), "resolve: %s", weir_status_name(rs));
    FCHECK(rs != WEIR_OK || h_stream_is(r, f->origin), "resolve gave another stream");
    weir_status ss = weir_synchronize(f->origin);
    FCHECK(ss == WEIR_OK || index_or_arg(ss) || ss == f->fails, "synchronize: %s", weir_status_name(ss));
    st = weir_eval(&f->a, 1);
    if (st == WEIR_OK) st = f_check(f->a, want, "after a lookup");
  }
  }
  if (f->fails != WEIR_OK)
    FCHECK(st == f->fails, "a poisoned output gave %s", weir_status_name(st));
  else if (f->maybe_unevaluated)
    FCHECK(st == WEIR_OK || (index_or_arg(st) && h_error_mentions("freed")), "%s", weir_status_name(st));
  else
    FCHECK(st == WEIR_OK, "%s", weir_status_name(st));
  weir_array_free(w);
}

static void *f_consumer(void *arg) {
  weir_stream mine;
  if (weir_stream_new(f_device((long)(intptr_t)arg), &mine) != WEIR_OK) {
    FCHECK(false, "weir_stream_new");
    return NULL;
  }
  fslot f;
  for (long k = (long)(intptr_t)arg; f_take(&f); k++) {
    f_consume(&f, mine, k);
    weir_array_free(f.a);
  }
  weir_status st = weir_stream_free(mine);
  FCHECK(st == WEIR_OK || st == WEIR_ERR_DEVICE, "weir_stream_free: %s", weir_status_name(st));
  return NULL;
}

static void *f_syncer(void *arg) {
  (void)arg;
  while (!atomic_load(&g_f.done)) {
    weir_status st = weir_synchronize_all();
    FCHECK(st == WEIR_OK || st == WEIR_ERR_DEVICE, "synchronize_all: %s", weir_status_name(st));
    nanosleep(&(struct timespec){0, 200000}, NULL); /* it scans every index ever made: leave the cores */
  }
  return NULL;
}

static void test_free_while_in_use(void) {
  pthread_t p[FP], c[FC], sy;
  g_f.producers_left = FP;
  atomic_store(&g_f.done, false);
  for (int i = 0; i < FC; i++) pthread_create(&c[i], NULL, f_consumer, (void *)(intptr_t)i);
  for (int i = 0; i < FP; i++) pthread_create(&p[i], NULL, f_producer, (void *)(intptr_t)i);
  pthread_create(&sy, NULL, f_syncer, NULL);
  for (int i = 0; i < FP; i++) pthread_join(p[i], NULL);
  for (int i = 0; i < FC; i++) pthread_join(c[i], NULL);
  atomic_store(&g_f.done, true);
  pthread_join(sy, NULL);
  long f = atomic_load(&g_f.failures);
  CHECK_MSG(f == 0, "%ld failures in threads", f);
  (void)weir_synchronize_all(); /* clear errors the syncer may have left unreported */
  check_op_lands(weir_on(CPU), g_cpu_default, "default after the hammering");
}

/* A worker's poll budget (weir__poll_adapt): stays in [WEIR__POLL_NS, WEIR__POLL_MAX_NS]; work
   that came within the maximum after the wait began is covered by the next budget; after a long
   sleep the budget shrinks; a steady gap is covered after a few rounds; idleness brings the
   budget back to the minimum. Random budgets and sleeps. */
static void test_worker_poll_budget(void) {
  const uint64_t lo = WEIR__POLL_NS, hi = WEIR__POLL_MAX_NS;
  for (int i = 0; i < 20000; i++) {
    uint64_t poll = (uint64_t)h_rand_int((int64_t)lo, (int64_t)hi);
    uint64_t slept = (uint64_t)h_rand_int(0, (int64_t)(4 * hi));
    uint64_t next = weir__poll_adapt(poll, slept);
    if (!CHECK_MSG(next >= lo && next <= hi, "budget %llu out of range", (unsigned long long)next)) return;
    if (poll + slept <= hi) {
      uint64_t want = poll + slept > 2 * poll ? poll + slept : 2 * poll;
      if (want > hi) want = hi;
      if (!CHECK_MSG(next >= want, "poll %llu slept %llu: next %llu does not cover the gap", (unsigned long long)poll,
                     (unsigned long long)slept, (unsigned long long)next))
        return;
    } else if (!CHECK_MSG(next <= poll && (next < poll || poll == lo), "poll %llu, long sleep: next %llu",
                          (unsigned long long)poll, (unsigned long long)next)) {
      return;
    }
  }
  uint64_t gap = (uint64_t)h_rand_int(100000, 900000), poll = lo;
  for (int r = 0; r < 8 && poll < gap; r++) poll = weir__poll_adapt(poll, gap - poll);
  CHECK_MSG(poll >= gap, "a steady %llu ns gap is still not covered: budget %llu", (unsigned long long)gap,
            (unsigned long long)poll);
  for (int r = 0; r < 16; r++) poll = weir__poll_adapt(poll, 10 * hi);
  CHECK_EQ_U64(poll, lo);
}

int main(void) {
  h_init("test_streams");
  H_RUN(test_worker_poll_budget);
  H_RUN(test_deep_push);
  H_RUN(test_defaults);
  H_RUN(test_new_and_print);
  H_RUN(test_set_default_stream);
  H_RUN(test_push_pop);
  H_RUN(test_free);
  H_RUN(test_synchronize);
  H_RUN(test_many_streams);
  H_RUN(test_stream_churn);
  H_RUN(test_free_while_in_use);
  return h_finish();
}
