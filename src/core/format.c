/* Printing arrays exactly as MLX's Python repr does (mlx/utils.cpp: print_array,
   print_subarray, PrintFormatter; Python sets capitalize_bool so bools print True/False):
   - "array(" + body + ", dtype=" + name + ")"; a 0-d array's body is its one value.
   - Each dimension prints "[" items "]". Items of the last dimension are separated by ", ";
     items of an outer dimension d by ",\n" and then 7 + d spaces (7 == strlen("array([")).
   - A dimension longer than 6 prints its first 3 items, "...", and its last 3.
   - Integers print exactly; floats (float16/bfloat16 through float32) like C++'s default
     ostream formatting, i.e. printf "%.6g": 1, 2.5, 0.333333, 1e+06, -0; inf, -inf, nan. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/dtype_util.h"
#include "core/format.h"

#define EDGE_ITEMS 3 /* MLX's num_print */

typedef struct strbuf {
  char *p;
  size_t len, cap;
  bool oom;
} strbuf;

static bool sb_reserve(strbuf *b, size_t extra) {
  if (b->oom) return false;
  if (b->len + extra + 1 <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < b->len + extra + 1) cap *= 2;
  char *p = weir__realloc(b->p, cap);
  if (!p) {
    b->oom = true;
    return false;
  }
  b->p = p;
  b->cap = cap;
  return true;
}

static void sb_putn(strbuf *b, const char *s, size_t n) {
  if (!sb_reserve(b, n)) return;
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

static void sb_puts(strbuf *b, const char *s) { sb_putn(b, s, strlen(s)); }

static void sb_spaces(strbuf *b, size_t n) {
  if (!sb_reserve(b, n)) return;
  memset(b->p + b->len, ' ', n);
  b->len += n;
  b->p[b->len] = '\0';
}

static void print_double(strbuf *b, double v) {
  char tmp[40];
  /* MLX on Apple silicon prints a NaN as "nan" whatever its sign bit; glibc would say "-nan". */
  if (isnan(v)) {
    sb_puts(b, "nan");
    return;
  }
  if (isinf(v)) {
    sb_puts(b, v < 0 ? "-inf" : "inf");
    return;
  }
  int n = snprintf(tmp, sizeof tmp, "%.6g", v);
  sb_putn(b, tmp, (size_t)n);
}

static void print_item(strbuf *b, const void *data, weir_dtype t, int64_t i) {
  char tmp[32];
  int n;
  switch (t) {
  case WEIR_BOOL:
    sb_puts(b, ((const uint8_t *)data)[i] ? "True" : "False");
    return;
  case WEIR_UINT64:
    n = snprintf(tmp, sizeof tmp, "%" PRIu64, ((const uint64_t *)data)[i]);
    break;
  case WEIR_INT64:
    n = snprintf(tmp, sizeof tmp, "%" PRId64, ((const int64_t *)data)[i]);
    break;
  case WEIR_FLOAT16:
  case WEIR_BFLOAT16:
  case WEIR_FLOAT32:
  case WEIR_FLOAT64:
    /* float16/bfloat16 widen to float exactly, float to double exactly: same digits as MLX. */
    print_double(b, weir__load_double(data, t, i));
    return;
  default: /* narrower integers are exact through int64 */
    n = snprintf(tmp, sizeof tmp, "%" PRId64, weir__load_int64(data, t, i));
    break;
  }
  sb_putn(b, tmp, (size_t)n);
}

typedef struct fmt_ctx {
  strbuf *b;
  const void *data;
  weir_dtype t;
  const int64_t *shape;
  const int64_t *strides; /* row-major, in elements */
  int ndim;
} fmt_ctx;

/* Mirrors MLX's print_subarray, including how it skips the middle of a long dimension. */
static void print_sub(const fmt_ctx *c, int64_t index, int dim) {
  int64_t n = c->shape[dim], s = c->strides[dim];
  bool is_last = dim == c->ndim - 1;
  sb_puts(c->b, "[");
  for (int64_t i = 0; i < n; i++) {
    if (i > 0 && !is_last) sb_spaces(c->b, (size_t)(7 + dim));
    if (i == EDGE_ITEMS && n > 2 * EDGE_ITEMS) {
      sb_puts(c->b, "...");
      i = n - EDGE_ITEMS - 1;
      index += s * (n - 2 * EDGE_ITEMS - 1);
    } else if (is_last) {
      print_item(c->b, c->data, c->t, index);
    } else {
      print_sub(c, index, dim + 1);
    }
    if (i != n - 1) sb_puts(c->b, is_last ? ", " : ",\n");
    index += s;
    if (c->b->oom) return;
  }
  sb_puts(c->b, "]");
}

#define EMPTY_PAIRS_MAX 4096

/* Bracket pairs an empty array's MLX form prints: the product, over the dims before the first 0,
   of the entries shown per dim (at most 2 * EDGE_ITEMS + 1), saturating past the maximum. */
static int64_t empty_pairs(const int64_t *shape, int ndim) {
  int64_t pairs = 1;
  for (int d = 0; d < ndim && shape[d] != 0; d++) {
    pairs *= shape[d] > 2 * EDGE_ITEMS ? 2 * EDGE_ITEMS + 1 : shape[d];
    if (pairs > EMPTY_PAIRS_MAX) return EMPTY_PAIRS_MAX + 1;
  }
  return pairs;
}

char *weir__format_array(const void *data, weir_dtype t, const int64_t *shape, int ndim) {
  if (!weir__dtype_valid((int)t) || ndim < 0 || (ndim > 0 && !shape)) return NULL;
  bool empty = false;
  for (int d = 0; d < ndim; d++) {
    if (shape[d] < 0) return NULL;
    if (shape[d] == 0) empty = true;
  }
  if (!empty && !data) return NULL;

  strbuf b = {0};
  sb_puts(&b, "array(");
  /* An empty array prints one bracket pair per entry of the dims before its first 0 (MLX's form,
     kept for small ones); with many long dims before the 0 that is exponential ((1000,) * 20 +
     (0,): 7^20 pairs, a fuzzer's find), so past EMPTY_PAIRS_MAX it prints numpy's short form. */
  if (empty && empty_pairs(shape, ndim) > EMPTY_PAIRS_MAX) {
    char tmp[32];
    sb_puts(&b, "[], shape=(");
    for (int d = 0; d < ndim; d++) { /* (a, b, c), and (a,) for one dim, as Python writes tuples */
      int n = snprintf(tmp, sizeof tmp, "%" PRId64, shape[d]);
      sb_putn(&b, tmp, (size_t)n);
      if (d + 1 < ndim) sb_puts(&b, ", ");
    }
    sb_puts(&b, ndim == 1 ? ",)" : ")");
  } else if (ndim == 0) {
    print_item(&b, data, t, 0);
  } else {
    int64_t *strides = weir__malloc(sizeof(int64_t) * (size_t)ndim);
    if (!strides) {
      free(b.p);
      return NULL;
    }
    int64_t st = 1;
    for (int d = ndim - 1; d >= 0; d--) {
      strides[d] = empty ? 0 : st; /* an empty array reads no data: skip the (maybe huge) products */
      if (!empty) st *= shape[d];
    }
    fmt_ctx c = {&b, data, t, shape, strides, ndim};
    print_sub(&c, 0, 0);
    free(strides);
  }
  sb_puts(&b, ", dtype=");
  sb_puts(&b, weir_dtype_name(t));
  sb_puts(&b, ")");
  if (b.oom) {
    free(b.p);
    return NULL;
  }
  return b.p;
}
