/* The README's example, built against an installed weir by the install_consumer test. */
#include <stdio.h>
#include <stdlib.h>
#include <weir/weir.h>

#define CHECK(call)                                                  \
  do {                                                               \
    if ((call) != WEIR_OK) {                                         \
      fprintf(stderr, "%s failed: %s\n", #call, weir_last_error()); \
      return 1;                                                      \
    }                                                                \
  } while (0)

int main(void) {
  const float xs[] = {1, 2, 3}, ys[] = {10, 20, 30};
  const int64_t shape[] = {3};
  weir_array *x = NULL, *y = NULL, *z = NULL;
  weir_stream s;
  char *text = NULL;

  CHECK(weir_array_from_data(&x, xs, shape, 1, WEIR_FLOAT32));
  CHECK(weir_array_from_data(&y, ys, shape, 1, WEIR_FLOAT32));
  CHECK(weir_stream_new(weir_default_device(), &s)); /* a new stream on the default device */
  CHECK(weir_add(&z, x, y, s));                      /* lazy: only records the addition */
  CHECK(weir_eval(&z, 1));                           /* runs it on s and waits */
  CHECK(weir_array_tostring(z, &text));
  printf("%s\n", text); /* array([11, 22, 33], dtype=float32) */

  free(text);
  weir_array_free(z);
  weir_array_free(y);
  weir_array_free(x);
  CHECK(weir_stream_free(s));
  return 0;
}
