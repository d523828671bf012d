/* The C API fuzzer's steps for selection, scans, joins, splits and sorting (fuzz_api.c has the
   driver). Arguments come from the input: arrays from the slots (NULL for an empty one), axes
   mostly in range, counts sometimes negative or huge. */
#include <stdlib.h>

#include "fuzz_api.h"

#define MAX_JOIN 6
#define MAX_SPLIT 40

static void step_join(fz *f) {
  const weir_array *arrays[MAX_JOIN];
  int n = fz_u8(f) % (MAX_JOIN + 1);
  for (int i = 0; i < n; i++) arrays[i] = fz_arr(f);
  int axis = fz_axis(f);
  weir_stream s = fz_stream(f);
  weir_array *out = NULL;
  if (fz_u8(f) % 2) fz_put(f, weir_concatenate(&out, n ? arrays : NULL, n, axis, s), &out, "weir_concatenate");
  else fz_put(f, weir_stack(&out, n ? arrays : NULL, n, axis, s), &out, "weir_stack");
}

static void step_split(fz *f) {
  weir_array *outs[MAX_SPLIT + 1];
  int64_t points[MAX_SPLIT];
  weir_array *a = fz_arr(f);
  bool sections = fz_u8(f) % 2;
  int n = (int)fz_small(f, 5); /* an edge may make it negative (refused) */
  if (n > MAX_SPLIT) return;     /* more outputs than the buffer holds */
  for (int i = 0; i < MAX_SPLIT; i++) points[i] = fz_signed(f, 8, 2);
  for (int i = 0; i <= MAX_SPLIT; i++) outs[i] = NULL;
  int axis = fz_axis(f);
  weir_stream s = fz_stream(f);
  weir_status st = weir_split(outs, a, fz_u8(f) % 8 ? points : NULL, n, sections, axis, s);
  fz_check(st, "weir_split");
  int nout = sections ? n : n + 1;
  if (st != WEIR_OK) {
    for (int i = 0; i <= MAX_SPLIT; i++)
      if (outs[i]) fz_die("weir_split failed (%s) but set out %d", weir_last_error(), i);
    return;
  }
  for (int i = 0; i < nout; i++) fz_put(f, WEIR_OK, &outs[i], "weir_split");
  for (int i = nout; i <= MAX_SPLIT; i++)
    if (outs[i]) fz_die("weir_split: %d outputs expected, out %d set", nout, i);
}

void step_select(fz *f) {
  weir_array *out = NULL;
  weir_array *a = fz_arr(f);
  int axis = fz_axis(f);
  switch (fz_u8(f) % 12) {
  case 0: {
    weir_array *x = fz_arr(f), *y = fz_arr(f);
    fz_put(f, weir_where(&out, a, x, y, fz_stream(f)), &out, "weir_where");
    break;
  }
  case 1: {
    weir_array *idx = fz_arr(f);
    bool flat = fz_u8(f) % 2;
    fz_put(f, weir_take(&out, a, idx, axis, flat, fz_stream(f)), &out, "weir_take");
    break;
  }
  case 2: {
    weir_array *idx = fz_arr(f);
    fz_put(f, weir_take_along_axis(&out, a, idx, axis, fz_stream(f)), &out, "weir_take_along_axis");
    break;
  }
  case 3: {
    bool rev = fz_u8(f) % 2, incl = fz_u8(f) % 2;
    weir_stream s = fz_stream(f);
    if (fz_u8(f) % 2) fz_put(f, weir_cumsum(&out, a, axis, rev, incl, s), &out, "weir_cumsum");
    else fz_put(f, weir_cumprod(&out, a, axis, rev, incl, s), &out, "weir_cumprod");
    break;
  }
  case 4: fz_put(f, weir_sort(&out, a, axis, fz_stream(f)), &out, "weir_sort"); break;
  case 5: fz_put(f, weir_argsort(&out, a, axis, fz_stream(f)), &out, "weir_argsort"); break;
  case 6: {
    int k = (int)fz_small(f, 6);
    fz_put(f, weir_topk(&out, a, k, axis, fz_stream(f)), &out, "weir_topk");
    break;
  }
  case 7: {
    weir_array *lo = fz_u8(f) % 3 ? fz_arr(f) : NULL, *hi = fz_u8(f) % 3 ? fz_arr(f) : NULL;
    fz_put(f, weir_clip(&out, a, lo, hi, fz_stream(f)), &out, "weir_clip");
    break;
  }
  case 8: case 9: step_join(f); break;
  default: step_split(f);
  }
}
