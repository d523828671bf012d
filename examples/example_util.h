/* Small helpers shared by the seed examples (header-only; every function is static inline so
   an example that does not use one still compiles under -Wall -Wextra -Werror).

   Each example mirrors one Python snippet from the seed documents. Conventions:
   - every weir call is checked with WX_CHECK: on failure it prints weir_last_error() to stderr
     and makes main return 1;
   - where the Python uses mx.gpu, wx_gpu_or_cpu() gives gpu:0 when weir has a GPU, else the CPU
     with a one-line note on stderr (stdout stays exactly what the seed prints). */
#ifndef WEIR_EXAMPLE_UTIL_H
#define WEIR_EXAMPLE_UTIL_H

#include <stdio.h>
#include <stdlib.h>

#include <weir/weir.h>

/* Checks a weir_status expression; on failure reports and returns 1 from the calling function. */
#define WX_CHECK(call)                                                                     \
  do {                                                                                     \
    weir_status wx_st_ = (call);                                                           \
    if (wx_st_ != WEIR_OK) {                                                               \
      fprintf(stderr, "%s:%d: %s failed: %s: %s\n", __FILE__, __LINE__, #call,             \
              weir_status_name(wx_st_), weir_last_error());                                \
      return 1;                                                                            \
    }                                                                                      \
  } while (0)

/* mx.gpu, falling back to the CPU (with a note on stderr) when weir has no GPU. */
static inline weir_device wx_gpu_or_cpu(void) {
  if (weir_device_count(WEIR_GPU) > 0) return WEIR_GPU_DEVICE(0);
  fprintf(stderr, "note: no GPU, using Device(cpu, 0)\n");
  return WEIR_CPU_DEVICE;
}

/* print(device): "Device(cpu, 0)". Returns 0, or 1 when the name does not fit. */
static inline int wx_print_device(weir_device d) {
  char buf[64];
  int n = weir_device_tostring(d, buf, sizeof buf);
  if (n < 0 || (size_t)n >= sizeof buf) {
    fprintf(stderr, "weir_device_tostring failed (%d): %s\n", n, weir_last_error());
    return 1;
  }
  printf("%s\n", buf);
  return 0;
}

/* print(stream): "Stream(Device(cpu, 0), 2)". Returns 0, or 1 on failure. */
static inline int wx_print_stream(weir_stream s) {
  char buf[96];
  int n = weir_stream_tostring(s, buf, sizeof buf);
  if (n < 0 || (size_t)n >= sizeof buf) {
    fprintf(stderr, "weir_stream_tostring failed (%d): %s\n", n, weir_last_error());
    return 1;
  }
  printf("%s\n", buf);
  return 0;
}

/* print(array): evaluates and prints "array([2, 3, 4], dtype=int32)". */
static inline weir_status wx_print_array(const weir_array *a) {
  char *text = NULL;
  weir_status st = weir_array_tostring(a, &text);
  if (st != WEIR_OK) return st;
  printf("%s\n", text);
  free(text);
  return WEIR_OK;
}

/* mx.array([v0, v1, ...]): a 1-D int32 array (Python ints become int32, as in MLX). */
static inline weir_status wx_array_i32(weir_array **out, const int32_t *values, int64_t n) {
  return weir_array_from_data(out, values, &n, 1, WEIR_INT32);
}

/* The Python scalar in mx.add(a, 1): a 0-d int32 array (a weak scalar keeps a's int32). */
static inline weir_status wx_scalar_i32(weir_array **out, int32_t v) {
  return weir_array_from_scalar(out, (double)v, WEIR_INT32);
}

/* print(shape): Python's tuple formatting, "(2048, 2048)", "(5,)", "()". */
static inline void wx_print_shape(const weir_array *a) {
  int nd = weir_array_ndim(a);
  const int64_t *shape = weir_array_shape(a);
  printf("(");
  for (int i = 0; i < nd; i++) printf(i ? ", %lld" : "%lld", (long long)shape[i]);
  printf(nd == 1 ? ",)\n" : ")\n");
}

#endif
