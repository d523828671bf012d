/* The C API fuzzer's shared state and input readers (fuzz_api.c; the selection/join/sort steps
   are in fuzz_api_select.c). */
#ifndef WEIR_FUZZ_API_H
#define WEIR_FUZZ_API_H

#include <stdint.h>

#include <weir/weir.h>

#define NSLOT 12
#define CAP (1 << 16)            /* elements of an array the fuzzer keeps */
#define CONTRACT_CAP (1LL << 22) /* a.size * b.size of a contraction that may run */
#define MAX_STEPS 64
#define MAX_STREAMS 8

typedef struct fz {
  const uint8_t *p; /* the rest of the input */
  size_t n;
  weir_array *slot[NSLOT];
  weir_stream streams[MAX_STREAMS]; /* usable streams: the persistent ones, then this input's */
  int nstreams, npersistent;
  weir_stream dead[4]; /* streams freed by this input: every use must fail */
  int ndead;
  int pushed;
  bool limit_changed, cache_limit_changed, default_changed;
} fz;

__attribute__((noreturn, format(printf, 1, 2))) void fz_die(const char *fmt, ...);
uint8_t fz_u8(fz *f);                /* the next input byte; 0 once the input is spent */
int fz_axis(fz *f);                  /* mostly -5..5; sometimes far out of range */
int64_t fz_small(fz *f, int max);    /* mostly 0..max; sometimes an edge (huge, negative) */
int64_t fz_signed(fz *f, int max, int64_t off); /* fz_small(f, max) - off, the edges kept */
weir_dtype fz_dtype(fz *f);          /* sometimes not a dtype */
double fz_double(fz *f);             /* edges: 0, -0, inf, NaN, 1e300, ... */
weir_stream fz_stream(fz *f);        /* a usable stream, or a default, bad or freed one */
weir_array *fz_arr(fz *f);           /* a slot's array: NULL for an empty slot */
void fz_check(weir_status st, const char *what);
/* Checks an op's status and result (*out, read after the op ran) and keeps it in a slot. */
void fz_put(fz *f, weir_status st, weir_array **out, const char *what);

void step_select(fz *f);

#endif
