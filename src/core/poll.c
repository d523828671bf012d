#include "core/poll.h"

#include <sched.h>
#include <stdatomic.h>

#include "core/capture_internal.h" /* weir__now_ns */

/* A pause between polls: no system call, so the first microseconds of a wait (where most of
   them end) see the change as soon as it happens. */
static void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

#define PAUSE_POLLS 256 /* about 1-10 us of pauses (one is 10-140 cycles by CPU model) */

bool weir__poll_for(bool (*done)(const void *arg), const void *arg, uint64_t ns) {
  for (int i = 0; i < PAUSE_POLLS; i++) {
    if (done(arg)) return true;
    cpu_relax();
  }
  uint64_t deadline = 0;
  for (int i = 0; !done(arg); i++) {
    if ((i & 31) == 0) { /* the clock every 32 polls: reading it costs more than a poll */
      uint64_t now = weir__now_ns();
      if (!deadline) deadline = now + ns;
      else if (now > deadline) return false;
    }
    sched_yield();
  }
  return true;
}

typedef struct {
  _Atomic uint64_t *v;
  uint64_t target;
} counter_goal;

static bool reached(const void *g_) {
  const counter_goal *g = g_;
  return atomic_load_explicit(g->v, memory_order_acquire) >= g->target;
}

bool weir__poll_counter(_Atomic uint64_t *v, uint64_t target, uint64_t ns) {
  counter_goal g = {v, target};
  return weir__poll_for(reached, &g, ns);
}

uint64_t weir__poll_adapt(uint64_t poll_ns, uint64_t slept_ns) {
  uint64_t idle = poll_ns + slept_ns; /* how long the work took to come */
  if (idle <= WEIR__POLL_MAX_NS) {    /* worth covering: grow past it, at least doubling */
    uint64_t grown = idle + idle / 4;
    if (grown < 2 * poll_ns) grown = 2 * poll_ns;
    return grown < WEIR__POLL_MAX_NS ? grown : WEIR__POLL_MAX_NS;
  }
  uint64_t shrunk = poll_ns / 2; /* a real pause in the work: poll less next time */
  return shrunk > WEIR__POLL_NS ? shrunk : WEIR__POLL_NS;
}
