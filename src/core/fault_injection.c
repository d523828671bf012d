/* Fault injection for tests (see fault_injection.h). */
#include <stdatomic.h>

#include "core/fault_injection.h"

/* prim + 1 in the low 16 bits, status above; 0 when nothing is armed. */
static _Atomic unsigned armed;

void weir__inject_kernel_failure(weir__prim prim, weir_status st) {
  atomic_store(&armed, ((unsigned)st << 16) | ((unsigned)prim + 1u));
}

weir_status weir__take_injected_failure(weir__prim prim) {
  unsigned v = atomic_load_explicit(&armed, memory_order_relaxed);
  if (v == 0 || (v & 0xffffu) != (unsigned)prim + 1u) return WEIR_OK;
  if (!atomic_compare_exchange_strong(&armed, &v, 0u)) return WEIR_OK;
  return (weir_status)(v >> 16);
}

/* A countdown: the call that takes it from 1 to 0 fails. Unarmed (0) costs one relaxed load. */
typedef struct {
  _Atomic int64_t left;
  atomic_bool fired;
} countdown;

static void countdown_arm(countdown *c, uint64_t n) {
  atomic_store(&c->fired, false);
  atomic_store(&c->left, (int64_t)n);
}

static bool countdown_take(countdown *c) {
  if (atomic_load_explicit(&c->left, memory_order_relaxed) <= 0) return false;
  if (atomic_fetch_sub(&c->left, 1) != 1) return false;
  atomic_store(&c->fired, true);
  return true;
}

static countdown alloc_cd, cuda_cd;

void weir__inject_alloc_failure(uint64_t n) { countdown_arm(&alloc_cd, n); }
bool weir__injected_alloc_failed(void) { return atomic_load(&alloc_cd.fired); }
bool weir__alloc_should_fail(void) { return countdown_take(&alloc_cd); }

void weir__inject_cuda_failure(uint64_t n) { countdown_arm(&cuda_cd, n); }
bool weir__injected_cuda_failed(void) { return atomic_load(&cuda_cd.fired); }
bool weir__cuda_should_fail(void) { return countdown_take(&cuda_cd); }
