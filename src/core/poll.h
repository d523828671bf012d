/* Bounded polling before a thread sleeps: a hand-off through a condition variable costs several
   microseconds of wake-up, and most of the runtime's waits (a node to finish, a stream to drain,
   a worker's next batch, the thread pool's next loop) are shorter than that. */
#ifndef WEIR_CORE_POLL_H
#define WEIR_CORE_POLL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* Calls done(arg) until it returns true (then true) or ns nanoseconds have passed (then false:
   the caller goes on to its blocking wait). Between calls it first pauses the core briefly (no
   system call), then yields it. */
bool weir__poll_for(bool (*done)(const void *arg), const void *arg, uint64_t ns);

/* weir__poll_for until the monotonic counter *v reaches target. */
bool weir__poll_counter(_Atomic uint64_t *v, uint64_t target, uint64_t ns);

/* The usual budget: long enough to cover a short kernel or a gap between evals, short enough
   that an idle thread soon stops taking a core. */
#define WEIR__POLL_NS 50000

/* A waiter that polls for the next piece of work before it sleeps (a stream's worker) adapts its
   budget, as KVM's halt polling does: work that came soon after it went to sleep (within
   WEIR__POLL_MAX_NS of the start of its wait) widens the next poll to cover that gap; a long
   sleep narrows it back towards WEIR__POLL_NS. Waking a sleeping thread costs 5-40 us on
   virtual machines, more than a whole GPU round trip, so a steady stream of evals a few hundred
   microseconds apart is served by a poller, and an idle stream soon stops taking a core.
   Returns the next budget, given this one and how long the waiter slept after it ran out. */
#define WEIR__POLL_MAX_NS 1000000
uint64_t weir__poll_adapt(uint64_t poll_ns, uint64_t slept_ns);

/* How long a GPU stream's worker polls at most while its stream's work runs on the device. */
#define WEIR__POLL_BUSY_MAX_NS 100000000
/* The least budget of a worker nudged awake because work is being built for it. */
#define WEIR__POLL_NUDGED_NS 250000

#endif
