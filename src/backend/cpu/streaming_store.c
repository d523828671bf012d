#include "backend/cpu/streaming_store.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__SSE2__)
#include <emmintrin.h>
#define HAVE_STREAMING 1
#else
#define HAVE_STREAMING 0
#endif

#define FALLBACK_LLC (32ll << 20) /* when the C library cannot tell the cache size */

static _Atomic int64_t min_bytes = -1; /* -1: not read yet */
static _Atomic int64_t test_override = -1;

static int64_t default_min(void) {
  const char *env = getenv("WEIR_CPU_STREAM_MIN_BYTES");
  if (env && *env) {
    char *end = NULL;
    long long v = strtoll(env, &end, 10);
    if (end && *end == '\0' && v >= 0) return v;
  }
  long llc = -1;
#ifdef _SC_LEVEL3_CACHE_SIZE
  llc = sysconf(_SC_LEVEL3_CACHE_SIZE);
#endif
  /* A quarter of the LLC: an op touching more leaves little of what the next op would reuse
     in cache (and the cache holds the program's other data too). On the 16-core H100 host
     (300 MiB LLC) streaming took float32 add of 2^24 elements from 103% to 114% of a plain copy's
     bandwidth, multiply from 102% to 132%, exp from 71% to 87% (probe, interleaved runs). */
  return (llc > 0 ? (int64_t)llc : FALLBACK_LLC) / 4;
}

bool weir__cpu_stream_worthy(int64_t bytes) {
  if (!HAVE_STREAMING) return false;
  int64_t t = atomic_load_explicit(&test_override, memory_order_relaxed);
  if (t < 0) {
    t = atomic_load_explicit(&min_bytes, memory_order_relaxed);
    if (t < 0) { /* racing first readers compute the same value */
      t = default_min();
      atomic_store_explicit(&min_bytes, t, memory_order_relaxed);
    }
  }
  return bytes >= t;
}

void weir__cpu_stream_set_min_bytes(int64_t bytes) {
  atomic_store_explicit(&test_override, bytes < 0 ? -1 : bytes, memory_order_relaxed);
}

void weir__cpu_stream_copy(void *dst_, const void *src_, size_t bytes) {
#if HAVE_STREAMING
  char *dst = dst_;
  const char *src = src_;
  size_t head = (16 - ((uintptr_t)dst & 15)) & 15;
  if (head > bytes) head = bytes;
  memcpy(dst, src, head);
  dst += head;
  src += head;
  bytes -= head;
  for (; bytes >= 64; bytes -= 64, dst += 64, src += 64) { /* a whole line a step: the write-combining unit */
    __m128i a = _mm_loadu_si128((const __m128i *)src), b = _mm_loadu_si128((const __m128i *)(src + 16));
    __m128i c = _mm_loadu_si128((const __m128i *)(src + 32)), d = _mm_loadu_si128((const __m128i *)(src + 48));
    _mm_stream_si128((__m128i *)dst, a);
    _mm_stream_si128((__m128i *)(dst + 16), b);
    _mm_stream_si128((__m128i *)(dst + 32), c);
    _mm_stream_si128((__m128i *)(dst + 48), d);
  }
  for (; bytes >= 16; bytes -= 16, dst += 16, src += 16)
    _mm_stream_si128((__m128i *)dst, _mm_loadu_si128((const __m128i *)src));
  memcpy(dst, src, bytes);
#else
  memcpy(dst_, src_, bytes);
#endif
}

void weir__cpu_stream_fence(void) {
#if HAVE_STREAMING
  _mm_sfence();
#endif
}
