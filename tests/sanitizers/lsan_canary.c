/* Leaks on purpose: the ASan build's ctest expects LeakSanitizer to report it, which proves the
   suite runs with leak detection on (a report anywhere else fails that test). */
#include <stdio.h>
#include <stdlib.h>

void *volatile lsan_canary_sink;

int main(void) {
  lsan_canary_sink = malloc(24);
  lsan_canary_sink = NULL; /* now unreachable */
  puts("lsan_canary: leaked 24 bytes on purpose");
  return 0;
}
