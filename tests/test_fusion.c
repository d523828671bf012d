/* Fusion of small elementwise runs (core/fusion.c, backend/fused.h): the fused result of a
   random program must equal, bit for bit, a serial replay that evaluates every op on its own
   (which never fuses), on every device, for float32 / float16 / bfloat16, with broadcast scalar
   inputs, inputs from other streams, intermediates the user keeps (which must be written), and
   enough live values to force the run to be split. */
#include "harness.h"
#include "core/fusion.h"

#define MAX_VALUES 512

static const weir_dtype kDtypes[] = {WEIR_FLOAT32, WEIR_FLOAT16, WEIR_BFLOAT16};

typedef enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MAX, OP_MIN, OP_NEG, OP_ABS, OP_SQUARE, OP_COUNT } op_kind;

static weir_status apply(op_kind k, weir_array **out, weir_array *a, weir_array *b, weir_stream s) {
  switch (k) {
  case OP_ADD: return weir_add(out, a, b, s);
  case OP_SUB: return weir_subtract(out, a, b, s);
  case OP_MUL: return weir_multiply(out, a, b, s);
  case OP_DIV: return weir_divide(out, a, b, s);
  case OP_MAX: return weir_maximum(out, a, b, s);
  case OP_MIN: return weir_minimum(out, a, b, s);
  case OP_NEG: return weir_negative(out, a, s);
  case OP_ABS: return weir_abs(out, a, s);
  default: return weir_square(out, a, s);
  }
}

typedef struct {
  op_kind op[MAX_VALUES];
  int a[MAX_VALUES], b[MAX_VALUES]; /* operand value indices */
  bool keep[MAX_VALUES];            /* the user holds it */
  int nvalues, nexternal;
} program;

/* Values 0..nexternal-1 are inputs; the rest are ops over any earlier value (recent ones more
   often, so chains form, but far ones too, so many values stay live). */
static void random_program(program *p, int nexternal, int nops) {
  p->nexternal = nexternal;
  p->nvalues = nexternal + nops;
  for (int v = nexternal; v < p->nvalues; v++) {
    p->op[v] = (op_kind)h_rand_int(0, OP_COUNT - 1);
    for (int j = 0; j < 2; j++) {
      int pick = h_rand_int(0, 3) ? v - 1 - (int)h_rand_int(0, v - 1 < 3 ? v - 1 : 3) : (int)h_rand_int(0, v - 1);
      (j == 0 ? p->a : p->b)[v] = pick;
    }
    p->keep[v] = h_rand_int(0, 9) == 0 || v == p->nvalues - 1;
  }
}

/* Inputs: size n or 1 (broadcast), made on the host or computed on another stream. */
static void make_inputs(weir_array **vals, int nexternal, weir_dtype t, int64_t n, weir_stream other) {
  double *buf = malloc((size_t)n * sizeof(double));
  for (int i = 0; i < nexternal; i++) {
    int64_t len = h_rand_int(0, 3) ? n : 1;
    h_rand_vals(buf, len, t, -3.0, 3.0);
    weir_array *host = h_make(t, &len, 1, buf);
    if (h_rand_int(0, 2) == 0) { /* produced on another stream, not evaluated yet */
      CHECK_OK(weir_multiply(&vals[i], host, host, other));
      weir_array_free(host);
    } else {
      vals[i] = host;
    }
  }
  free(buf);
}

/* Builds the program's ops over vals on s; serial: evaluate each op as it is made. */
static void build(const program *p, weir_array **vals, weir_stream s, bool serial) {
  for (int v = p->nexternal; v < p->nvalues; v++) {
    vals[v] = NULL;
    if (!CHECK_OK(apply(p->op[v], &vals[v], vals[p->a[v]], vals[p->b[v]], s))) return;
    if (serial) CHECK_OK(weir_eval(&vals[v], 1));
  }
  for (int v = p->nexternal; v < p->nvalues; v++) /* the user keeps only some */
    if (!p->keep[v]) {
      weir_array_free(vals[v]);
      vals[v] = NULL;
    }
}

static bool same_bits(const void *x, const void *y, weir_dtype t, int64_t n) {
  size_t es = weir_dtype_size(t);
  for (int64_t i = 0; i < n; i++) {
    double a = h_load(x, t, i), b = h_load(y, t, i);
    if (a != a && b != b) continue; /* NaN payloads may differ between kernels */
    if (memcmp((const char *)x + i * es, (const char *)y + i * es, es) != 0) return false;
  }
  return true;
}

static void run_case(weir_device dev, weir_dtype t, int64_t n, int nexternal, int nops) {
  weir_stream s, other;
  if (!CHECK_OK(weir_stream_new(dev, &s)) || !CHECK_OK(weir_stream_new(dev, &other))) return;
  program p;
  random_program(&p, nexternal, nops);
  weir_array *fused[MAX_VALUES] = {NULL}, *serial[MAX_VALUES] = {NULL};
  make_inputs(fused, nexternal, t, n, other);
  for (int i = 0; i < nexternal; i++) serial[i] = weir_array_retain(fused[i]);
  build(&p, serial, s, true);
  build(&p, fused, s, false);
  weir_array *kept[MAX_VALUES];
  int nk = 0;
  for (int v = nexternal; v < p.nvalues; v++)
    if (p.keep[v]) kept[nk++] = fused[v];
  CHECK_OK(weir_eval(kept, (size_t)nk)); /* one eval: the whole program in one batch */
  for (int v = nexternal; v < p.nvalues; v++) {
    if (!p.keep[v]) continue;
    const void *x = NULL, *y = NULL;
    if (!CHECK_OK(weir_array_data(fused[v], &x)) || !CHECK_OK(weir_array_data(serial[v], &y))) break;
    char where[32];
    weir_device_tostring(dev, where, sizeof where);
    CHECK_MSG(same_bits(x, y, t, weir_array_size(fused[v])), "%s %s n=%lld: value %d (op %d) differs from serial replay",
              where, weir_dtype_name(t), (long long)n, v, (int)p.op[v]);
  }
  for (int v = 0; v < p.nvalues; v++) {
    weir_array_free(fused[v]);
    weir_array_free(serial[v]);
  }
  CHECK_OK(weir_stream_free(s));
  CHECK_OK(weir_stream_free(other));
}

static int g_ndev;
static weir_device g_devs[9];

static void test_random_programs(void) {
  static const int64_t sizes[] = {1, 7, 300, 4097};
  for (int d = 0; d < g_ndev; d++)
    for (size_t ti = 0; ti < 3; ti++)
      for (size_t si = 0; si < 4; si++)
        for (int rep = 0; rep < 3; rep++)
          run_case(g_devs[d], kDtypes[ti], sizes[si], (int)h_rand_int(1, 6), (int)h_rand_int(2, 120));
}

/* One op on its own with a host scalar operand (a Python scalar, say): on a GPU it runs as a
   one-node program carrying the scalar's value (no copy of it to the device). Its bits must equal
   the CPU's unfused kernel on the scalar broadcast to a full array (which is not a constant). */
static void test_host_constant_alone(void) {
  enum { N = 1000 };
  double xv[N], cv[1], full[N];
  for (int d = 0; d < g_ndev; d++)
    for (size_t ti = 0; ti < 3; ti++)
      for (int op = OP_ADD; op <= OP_MIN; op++)
        for (int side = 0; side < 2; side++) {
          weir_dtype t = kDtypes[ti];
          const int64_t n = N, one = 1;
          weir_array *x = h_rand_array(t, &n, 1, -3, 3, xv), *c = NULL, *cfull = NULL;
          h_rand_vals(cv, 1, t, -3, 3);
          for (int i = 0; i < N; i++) full[i] = cv[0];
          int cdim = (int)h_rand_int(0, 1);
          c = h_make(t, &one, cdim, cv); /* 0-d or (1,) */
          cfull = h_make(t, &n, 1, full);
          weir_array *got = NULL, *want = NULL;
          weir_stream s = weir_on(g_devs[d]), cpu = weir_on(WEIR_CPU_DEVICE);
          uint64_t fused0 = weir__fused_nodes_total();
          CHECK_OK(side ? apply((op_kind)op, &got, c, x, s) : apply((op_kind)op, &got, x, c, s));
          CHECK_OK(weir_eval(&got, 1));
          if (g_devs[d].type == WEIR_GPU)
            CHECK_MSG(weir__fused_nodes_total() == fused0 + 1, "gpu:%d: %s op %d with a host scalar did not run as a "
                      "one-node program", g_devs[d].index, weir_dtype_name(t), op);
          CHECK_OK(side ? apply((op_kind)op, &want, cfull, x, cpu) : apply((op_kind)op, &want, x, cfull, cpu));
          const void *a = NULL, *b = NULL;
          if (CHECK_OK(weir_array_data(got, &a)) && CHECK_OK(weir_array_data(want, &b)))
            CHECK_MSG(same_bits(a, b, t, N), "dev %d %s op %d side %d: one-node program differs from the CPU kernel",
                      d, weir_dtype_name(t), op, side);
          weir_array *all[] = {x, c, cfull, got, want};
          for (int k = 0; k < 5; k++) weir_array_free(all[k]);
        }
}

/* Forty values live at once: more than a fused program's registers, so the run is split. */
static void test_many_live_values(void) {
  for (int d = 0; d < g_ndev; d++) {
    weir_stream s;
    if (!CHECK_OK(weir_stream_new(g_devs[d], &s))) continue;
    enum { K = 40, N = 33 };
    double v[K][N], expect[N] = {0};
    weir_array *x[K], *sq[K], *acc = NULL;
    for (int k = 0; k < K; k++) {
      x[k] = h_rand_array(WEIR_FLOAT32, (const int64_t[]){N}, 1, -2, 2, v[k]);
      CHECK_OK(weir_square(&sq[k], x[k], s)); /* all forty computed first ... */
    }
    for (int k = 0; k < K; k++) { /* ... then summed, in order */
      weir_array *next = NULL;
      if (acc) CHECK_OK(weir_add(&next, acc, sq[k], s));
      else next = weir_array_retain(sq[k]);
      weir_array_free(acc);
      acc = next;
      for (int i = 0; i < N; i++) expect[i] = (double)(float)(expect[i] + (double)(float)(v[k][i] * v[k][i]));
    }
    for (int k = 0; k < K; k++) {
      weir_array_free(sq[k]);
      weir_array_free(x[k]);
    }
    double got[N];
    if (CHECK_OK(h_read(acc, got)))
      for (int i = 0; i < N; i++) CHECK_CLOSE(got[i], expect[i], 0);
    weir_array_free(acc);
    CHECK_OK(weir_stream_free(s));
  }
}

/* A 20,000-op chain of tiny adds: exact, and memory stays at a few buffers (no buffer per op). */
static void test_long_chain(void) {
  for (int d = 0; d < g_ndev; d++) {
    weir_stream s;
    if (!CHECK_OK(weir_stream_new(g_devs[d], &s))) continue;
    weir_array *one = NULL, *x = NULL;
    CHECK_OK(weir_full(&one, (const int64_t[]){1}, 1, 1.0, WEIR_FLOAT32, s));
    CHECK_OK(weir_full(&x, (const int64_t[]){1}, 1, 0.5, WEIR_FLOAT32, s));
    CHECK_OK(weir_eval(&x, 1));
    long n = h_scaled(20000);
    for (long i = 0; i < n; i++) {
      weir_array *y = NULL;
      CHECK_OK(weir_add(&y, x, one, s));
      weir_array_free(x);
      x = y;
    }
    double v = 0;
    if (CHECK_OK(weir_array_item_double(x, &v))) CHECK_CLOSE(v, 0.5 + (double)n, 0);
    weir_array_free(x);
    weir_array_free(one);
    CHECK_OK(weir_stream_free(s));
  }
}

/* A failing input poisons the whole fused run, and the stream goes on. */
static void test_poisoned_input(void) {
  for (int d = 0; d < g_ndev; d++) {
    weir_stream s;
    if (!CHECK_OK(weir_stream_new(g_devs[d], &s))) continue;
    size_t prev = weir_memory_set_limit(weir_memory_active() + 1024);
    weir_array *big = NULL, *x = NULL, *y = NULL, *z = NULL;
    CHECK_OK(weir_ones(&big, (const int64_t[]){1 << 16}, 1, WEIR_FLOAT32, s)); /* over the limit */
    CHECK_OK(weir_add(&x, big, big, s));
    CHECK_OK(weir_multiply(&y, x, x, s));
    CHECK_OK(weir_negative(&z, y, s));
    CHECK_STATUS(weir_eval(&z, 1), WEIR_ERR_OUT_OF_MEMORY);
    weir_memory_set_limit(prev);
    weir_array *list[] = {big, x, y, z};
    for (int i = 0; i < 4; i++) weir_array_free(list[i]);
    weir_array *a = NULL, *b = NULL;
    CHECK_OK(weir_full(&a, (const int64_t[]){3}, 1, 2.0, WEIR_FLOAT32, s));
    CHECK_OK(weir_square(&b, a, s));
    double got[3];
    if (CHECK_OK(h_read(b, got))) CHECK_CLOSE(got[2], 4.0, 0);
    weir_array_free(a);
    weir_array_free(b);
    weir_synchronize(s); /* the failure was reported by eval */
    CHECK_OK(weir_stream_free(s));
  }
}

/* Float chains hopping between streams: a later node's input from another stream may wait for
   the head of the run being built, so building a run must never block on it (this deadlocked). */
static void test_chain_across_streams(void) {
  for (int d = 0; d < g_ndev; d++) {
    weir_stream st[4];
    for (int k = 0; k < 4; k++) CHECK_OK(weir_stream_new(g_devs[d], &st[k]));
    for (int nstreams = 2; nstreams <= 4; nstreams++) {
      weir_array *one = NULL, *x = NULL;
      CHECK_OK(weir_full(&one, (const int64_t[]){3}, 1, 1.0, WEIR_FLOAT32, st[0]));
      CHECK_OK(weir_full(&x, (const int64_t[]){3}, 1, 0.0, WEIR_FLOAT32, st[0]));
      long n = h_scaled(1000);
      for (long i = 0; i < n; i++) {
        weir_array *y = NULL;
        CHECK_OK(weir_add(&y, x, one, st[i % nstreams]));
        weir_array_free(x);
        x = y;
      }
      double got[3];
      if (CHECK_OK(h_read(x, got))) CHECK_CLOSE(got[2], (double)n, 0);
      weir_array_free(x);
      weir_array_free(one);
    }
    for (int k = 0; k < 4; k++) CHECK_OK(weir_stream_free(st[k]));
  }
}

int main(void) {
  h_init("test_fusion");
  g_devs[g_ndev++] = WEIR_CPU_DEVICE;
  for (int k = 0; k < weir_device_count(WEIR_GPU) && g_ndev < 9; k++) g_devs[g_ndev++] = WEIR_GPU_DEVICE(k);
  uint64_t fused0 = weir__fused_nodes_total();
  H_RUN(test_random_programs);
  CHECK_MSG(weir__fused_nodes_total() > fused0 + 1000, "only %llu nodes ran fused",
            (unsigned long long)(weir__fused_nodes_total() - fused0));
  H_RUN(test_host_constant_alone);
  H_RUN(test_many_live_values);
  H_RUN(test_long_chain);
  H_RUN(test_chain_across_streams);
  H_RUN(test_poisoned_input);
  return h_finish();
}
