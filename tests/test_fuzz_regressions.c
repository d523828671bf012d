/* Regression tests for what the fuzzers found (fuzz/README.md lists each finding; the inputs
   themselves are in fuzz/corpus/, replayed by the ctest fuzz_api_corpus). Each test here states
   the finding in plain calls. */
#include "harness.h"

#define CPU WEIR_CPU_DEVICE

/* Empty shapes whose other dims multiply past int64, (2^62, 2, 0): weir__node_make multiplied
   the dims in order to get the size, and 2^62 * 2 overflowed before the 0 (UBSan). Such shapes
   are valid (size 0); they must build, go through ops and evaluate. */
static void test_zero_size_with_huge_dims(void) {
  const int64_t big = (int64_t)1 << 62;
  weir_array *a = NULL, *b = NULL, *r = NULL, *sum = NULL, *total = NULL, *t = NULL, *c = NULL;
  CHECK_OK(weir_zeros(&a, (const int64_t[]){big, 2, 0}, 3, WEIR_FLOAT32, weir_on(CPU)));
  CHECK_OK(weir_ones(&b, (const int64_t[]){1, 1, 1}, 3, WEIR_FLOAT32, weir_on(CPU)));
  if (!a || !b) return;
  CHECK_EQ_INT(weir_array_size(a), 0);
  CHECK_OK(weir_reshape(&r, a, (const int64_t[]){0, 2, big}, 3, weir_on(CPU)));
  CHECK_OK(weir_add(&sum, a, b, weir_on(CPU)));
  CHECK_OK(weir_transpose(&t, a, NULL, 0, weir_on(CPU)));
  CHECK_OK(weir_astype(&c, a, WEIR_INT8, weir_on(CPU)));
  CHECK_OK(weir_sum(&total, a, NULL, 0, false, weir_on(CPU)));
  weir_array *all[] = {a, r, sum, t, c, total};
  CHECK_OK(weir_eval(all, 6));
  for (int i = 1; i < 5; i++) CHECK(all[i] && weir_array_size(all[i]) == 0);
  double v = -1;
  CHECK_OK(weir_array_item_double(total, &v));
  CHECK_CLOSE(v, 0.0, 0);
  for (int i = 0; i < 6; i++) weir_array_free(all[i]);
  weir_array_free(b);
}

/* Reductions, scans and flatten of an empty array whose other dims multiply past int64,
   (2^62, 2^62, 0): the CPU reduction multiplied the reduced dims into its count and merged
   groups (UBSan in weir__cpu_reduce, found by fuzz_api), and by the same pattern the CPU scan
   its outer/inner lengths, and flatten merged dims 0 and 1 into 2^124; allclose's strides. */
static void test_empty_huge_reduce_flatten(void) {
  const int64_t big = (int64_t)1 << 62;
  weir_array *a = NULL, *s01 = NULL, *all = NULL, *f12 = NULL, *f01 = NULL, *m = NULL;
  CHECK_OK(weir_zeros(&a, (const int64_t[]){big, big, 0}, 3, WEIR_INT32, weir_on(CPU)));
  if (!a) return;
  CHECK_OK(weir_sum(&s01, a, (const int[]){0, 1}, 2, false, weir_on(CPU)));
  CHECK_OK(weir_prod(&all, a, NULL, 0, true, weir_on(CPU)));
  CHECK_STATUS(weir_max(&m, a, (const int[]){0, 1}, 2, false, weir_on(CPU)), WEIR_OK);
  CHECK_OK(weir_flatten(&f12, a, 1, 2, weir_on(CPU)));
  CHECK_STATUS(weir_flatten(&f01, a, 0, 1, weir_on(CPU)), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("flatten");
  CHECK(f01 == NULL);
  weir_array *cs = NULL; /* the CPU scan multiplied the dims around its axis first */
  CHECK_OK(weir_cumsum(&cs, a, 2, false, true, weir_on(CPU)));
  CHECK_OK(weir_eval(&cs, 1));
  weir_array_free(cs);
  /* matmul's batch strides, and tensordot's free/contracted products */
  weir_array *e = NULL, *w = NULL, *mm = NULL, *td = NULL;
  CHECK_OK(weir_zeros(&e, (const int64_t[]){0, big, 2, 3}, 4, WEIR_FLOAT32, weir_on(CPU)));
  CHECK_OK(weir_ones(&w, (const int64_t[]){3, 4}, 2, WEIR_FLOAT32, weir_on(CPU)));
  CHECK_OK(weir_matmul(&mm, e, w, weir_on(CPU)));
  CHECK_OK(weir_eval(&mm, 1));
  weir_array *af = NULL;
  CHECK_OK(weir_astype(&af, a, WEIR_FLOAT32, weir_on(CPU)));
  CHECK_STATUS(weir_tensordot(&td, af, w, (const int[]){0}, (const int[]){0}, 0, weir_on(CPU)),
               WEIR_ERR_INVALID_ARGUMENT);
  CHECK(td == NULL);
  bool close = false; /* allclose's strides (found by fuzz_api) */
  CHECK_OK(weir_allclose(&close, af, af, 1e-5, 1e-8));
  CHECK(close);
  weir_array_free(af);
  weir_array_free(mm);
  weir_array_free(w);
  weir_array_free(e);
  weir_array *outs[] = {s01, all, m, f12};
  CHECK_OK(weir_eval(outs, 4));
  CHECK(s01 && weir_array_size(s01) == 0 && m && weir_array_size(m) == 0);
  int64_t v = 0;
  CHECK_OK(weir_array_item_int64(all, &v)); /* the product of nothing */
  CHECK_EQ_INT(v, 1);
  CHECK(f12 && weir_array_ndim(f12) == 2 && weir_array_shape(f12)[0] == big && weir_array_shape(f12)[1] == 0);
  for (int i = 0; i < 4; i++) weir_array_free(outs[i]);
  weir_array_free(a);
}

/* split of an empty axis into INT32_MAX sections: every count divides 0, and each part is a node,
   so one int from Python (mx.split(mx.zeros((0,)), 2**31 - 1)) built 2^31 arrays and the
   process was killed for memory. n + 1 parts overflowed int for n == INT32_MAX indices. */
static void test_split_counts(void) {
  weir_array *a = NULL, *outs[4] = {NULL};
  CHECK_OK(weir_zeros(&a, (const int64_t[]){0, 3}, 2, WEIR_FLOAT32, weir_on(CPU)));
  if (!a) return;
  CHECK_STATUS(weir_split(outs, a, NULL, INT32_MAX, true, 0, weir_on(CPU)), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("empty axis");
  CHECK(outs[0] == NULL);
  CHECK_STATUS(weir_split(outs, a, (const int64_t[]){0}, INT32_MAX, false, 0, weir_on(CPU)),
               WEIR_ERR_INVALID_ARGUMENT);
  CHECK(outs[0] == NULL);
  /* a few sections of an empty axis still work (numpy's np.split(np.zeros((0, 3)), 3)) */
  CHECK_OK(weir_split(outs, a, NULL, 3, true, 0, weir_on(CPU)));
  for (int i = 0; i < 3; i++) {
    CHECK(outs[i] && weir_array_size(outs[i]) == 0 && weir_array_ndim(outs[i]) == 2);
    weir_array_free(outs[i]);
  }
  weir_array_free(a);
}

/* fuzz_api, 30-minute campaign: printing an empty array with many long dims before its 0 built
   MLX's bracket form, 7 pairs per long dim, until a 4 GiB allocation. Small ones keep MLX's form;
   past 4096 pairs it is numpy's short form, and it stays small. */
static void test_print_empty_many_dims(void) {
  int64_t shape[21];
  for (int d = 0; d < 20; d++) shape[d] = 1000;
  shape[20] = 0;
  weir_array *a = NULL;
  if (!CHECK_OK(weir_zeros(&a, shape, 21, WEIR_FLOAT32, WEIR_DEFAULT))) return;
  char *text = NULL;
  if (CHECK_OK(weir_array_tostring(a, &text))) {
    CHECK_MSG(strlen(text) < 512, "the text of an empty (1000,)*20+(0,) array is %zu bytes", strlen(text));
    CHECK_MSG(strstr(text, "array([], shape=(1000, 1000, ") == text, "printed: %.80s", text);
    CHECK_MSG(strstr(text, "1000, 0), dtype=float32)") != NULL, "printed: %.200s", text);
  }
  free(text);
  weir_array_free(a);
  const int64_t small[3] = {2, 2, 0}; /* MLX's form where it is small */
  if (!CHECK_OK(weir_zeros(&a, small, 3, WEIR_FLOAT32, WEIR_DEFAULT))) return;
  if (CHECK_OK(weir_array_tostring(a, &text)))
    CHECK_STR(text, "array([[[],\n        []],\n       [[],\n        []]], dtype=float32)");
  free(text);
  weir_array_free(a);
}

int main(void) {
  h_init("test_fuzz_regressions");
  H_RUN(test_zero_size_with_huge_dims);
  H_RUN(test_empty_huge_reduce_flatten);
  H_RUN(test_split_counts);
  H_RUN(test_print_empty_many_dims);
  return h_finish();
}
