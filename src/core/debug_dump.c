/* weir__debug_dump_streams (runtime.h): a snapshot of every live stream for a watchdog that
   found no progress. It reads counters atomically and takes a stream's lock only with trylock,
   so a deadlocked stream cannot stall the dump. */
#include <pthread.h>

#include "core/node.h"
#include "core/runtime.h"

static const char *state_name(int st) {
  switch (st) {
  case WEIR__NODE_IDLE: return "idle";
  case WEIR__NODE_QUEUED: return "queued";
  case WEIR__NODE_DONE: return "done";
  }
  return "visiting";
}

static void dump_one(FILE *f, weir__stream *s) {
  char name[64];
  weir_stream_tostring((weir_stream){s->device, s->index}, name, sizeof name);
  uint64_t queued = atomic_load(&s->queued), completed = atomic_load(&s->completed);
  fprintf(f, "  %s: %s, queued %llu, completed %llu (%llu pending), running node %llu, waiting for node %llu, "
             "%d synchronize waiter(s)",
          name, atomic_load(&s->alive) ? "alive" : "being freed", (unsigned long long)queued,
          (unsigned long long)completed, (unsigned long long)(queued - completed),
          (unsigned long long)atomic_load(&s->running_id), (unsigned long long)atomic_load(&s->waiting_id),
          atomic_load(&s->sync_waiters));
  if (pthread_mutex_trylock(&s->mu) != 0) {
    fprintf(f, "; its lock is held\n");
    return;
  }
  const weir_array *h = s->head;
  fprintf(f, "; worker %s", s->worker_running ? "running" : "not started");
  if (h)
    fprintf(f, "; next queued node %llu (%s, %s, %d input(s))", (unsigned long long)h->id, weir__prim_name(h->prim),
            state_name(atomic_load(&((weir_array *)h)->state)), h->nin);
  if (s->error_status != WEIR_OK)
    fprintf(f, "; pending error %s: %s", weir_status_name(s->error_status), s->error_message ? s->error_message : "");
  pthread_mutex_unlock(&s->mu);
  fputc('\n', f);
}

void weir__debug_dump_streams(FILE *f) {
  int n = weir__stream_index_bound();
  fprintf(f, "weir streams (indices 1..%d):\n", n - 1);
  for (int i = 1; i < n; i++) {
    weir__stream *s = weir__stream_acquire(i);
    if (!s) continue;
    dump_one(f, s);
    weir__stream_release(s);
  }
  fflush(f);
}
