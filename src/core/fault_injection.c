/* One-shot kernel failure injection for tests (see fault_injection.h). */
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
