/* eval / async_eval: order the graph without recursion, claim the nodes nobody scheduled yet,
   and hand them to their streams' queues in per-stream batches (one lock and one wake-up per
   stream per eval). The calling thread then waits only for the outputs it asked for. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buffer.h"
#include "core/capture_internal.h"
#include "core/error_internal.h"
#include "core/node.h"
#include "core/poll.h"
#include "core/runtime.h"
#include "core/scheduler.h"

/* Claiming and queueing happen under one lock, so every stream's queue is a subsequence of
   one global topological order: a node never waits on something queued behind it. */
static pthread_mutex_t sched_mu = PTHREAD_MUTEX_INITIALIZER;

void weir__scheduler_lock(void) { pthread_mutex_lock(&sched_mu); }
void weir__scheduler_unlock(void) { pthread_mutex_unlock(&sched_mu); }

enum { VISITING = 3 }; /* transient state during the traversal (under sched_mu) */

/* ---- waiting for one node: striped mutex/condvar pairs, touched only when someone waits ---- */
#define STRIPES 64
static pthread_mutex_t stripe_mu[STRIPES];
static pthread_cond_t stripe_cv[STRIPES];
static pthread_once_t stripes_once = PTHREAD_ONCE_INIT;
static void init_stripes(void) {
  for (int i = 0; i < STRIPES; i++) {
    pthread_mutex_init(&stripe_mu[i], NULL);
    pthread_cond_init(&stripe_cv[i], NULL);
  }
}
static unsigned stripe_of(const weir_array *a) { return (unsigned)(((uintptr_t)a >> 7) % STRIPES); }

static bool node_done(const void *a) {
  return atomic_load_explicit(&((const weir_array *)a)->state, memory_order_acquire) == WEIR__NODE_DONE;
}

void weir__node_wait(weir_array *a) {
  if (weir__poll_for(node_done, a, WEIR__POLL_NS)) return;
  pthread_once(&stripes_once, init_stripes);
  unsigned k = stripe_of(a);
  pthread_mutex_lock(&stripe_mu[k]);
  atomic_fetch_add(&a->waiters, 1);
  while (atomic_load(&a->state) != WEIR__NODE_DONE) pthread_cond_wait(&stripe_cv[k], &stripe_mu[k]);
  atomic_fetch_sub(&a->waiters, 1);
  pthread_mutex_unlock(&stripe_mu[k]);
}

/* Publishes DONE and wakes waiters. The seq_cst store/load pair with weir__node_wait's
   increment-then-check guarantees no lost wake-up. */
void weir__node_publish_done(weir_array *a) {
  atomic_store(&a->state, WEIR__NODE_DONE);
  if (atomic_load(&a->waiters) > 0) {
    pthread_once(&stripes_once, init_stripes);
    unsigned k = stripe_of(a);
    pthread_mutex_lock(&stripe_mu[k]);
    pthread_cond_broadcast(&stripe_cv[k]);
    pthread_mutex_unlock(&stripe_mu[k]);
  }
  atomic_store_explicit(&a->settled, true, memory_order_release);
}

/* ---- ordering ---- */
typedef struct {
  weir_array *node;
  int next;
} frame;

typedef struct {
  weir__stream *stream;
  weir_array *first, *last;
  uint64_t count;
} batch;

/* Post-order DFS from the roots over IDLE nodes; appends them to *order. */
static weir_status collect(weir_array *const *roots, size_t n, weir_array ***order, size_t *norder) {
  size_t cap_stack = 64, cap_order = 64, top = 0, len = 0;
  frame *stack = weir__malloc(cap_stack * sizeof *stack);
  weir_array **out = weir__malloc(cap_order * sizeof *out);
  if (!stack || !out) goto oom;
  for (size_t r = 0; r < n; r++) {
    weir_array *root = roots[r];
    atomic_store_explicit(&root->want_event, true, memory_order_relaxed); /* the caller may wait for it */
    if (atomic_load_explicit(&root->state, memory_order_relaxed) != WEIR__NODE_IDLE) continue;
    atomic_store_explicit(&root->state, VISITING, memory_order_relaxed);
    stack[top++] = (frame){root, 0};
    while (top > 0) {
      frame *f = &stack[top - 1];
      if (f->next < f->node->nin) {
        weir_array *in = f->node->inputs[f->next++];
        /* a consumer on another stream will wait for it: have its ready event recorded at once */
        if (in->stream.index != f->node->stream.index)
          atomic_store_explicit(&in->want_event, true, memory_order_relaxed);
        if (atomic_load_explicit(&in->state, memory_order_relaxed) != WEIR__NODE_IDLE) continue;
        atomic_store_explicit(&in->state, VISITING, memory_order_relaxed);
        if (top == cap_stack) {
          frame *g = weir__realloc(stack, 2 * cap_stack * sizeof *stack);
          if (!g) goto oom;
          stack = g;
          cap_stack *= 2;
        }
        stack[top++] = (frame){in, 0};
      } else {
        if (len == cap_order) {
          weir_array **g = weir__realloc(out, 2 * cap_order * sizeof *out);
          if (!g) goto oom;
          out = g;
          cap_order *= 2;
        }
        out[len++] = f->node;
        top--;
      }
    }
  }
  free(stack);
  *order = out;
  *norder = len;
  return WEIR_OK;
oom:
  /* undo the marks so the graph can be evaluated later */
  for (size_t i = 0; i < top; i++) atomic_store_explicit(&stack[i].node->state, WEIR__NODE_IDLE, memory_order_relaxed);
  for (size_t i = 0; i < len; i++) atomic_store_explicit(&out[i]->state, WEIR__NODE_IDLE, memory_order_relaxed);
  free(stack);
  free(out);
  return weir__fail(WEIR_ERR_OUT_OF_MEMORY, "weir_eval: out of memory ordering the graph");
}

void weir__node_fail_now(weir_array *a, weir_status st, const char *msg); /* worker.c */

static weir_status schedule(weir_array *const *arrays, size_t n, const char *fn) {
  if (n > 0 && !arrays) return weir__null_arg(fn, "arrays");
  for (size_t i = 0; i < n; i++)
    if (!arrays[i]) return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: arrays[%zu] is NULL", fn, i);
  weir__runtime_init();
  pthread_mutex_lock(&sched_mu);
  weir_array **order = NULL;
  size_t len = 0;
  weir_status st = collect(arrays, n, &order, &len);
  if (st != WEIR_OK) {
    pthread_mutex_unlock(&sched_mu);
    return st;
  }
  batch local[8], *batches = local;
  size_t nb = 0, cap = 8;
  uint64_t now = weir__now_ns();
  for (size_t i = 0; i < len; i++) {
    weir_array *a = order[i];
    /* No reference taken: weir_stream_free unregisters a stream under sched_mu before it drops
       the registry's reference, so a stream found here stays valid until we unlock. */
    weir__stream *s = weir__stream_lookup(a->stream.index);
    a->queued_ns = now;
    if (!s || !atomic_load(&s->alive)) {
      char name[64];
      weir_stream_tostring(a->stream, name, sizeof name);
      char msg[160];
      snprintf(msg, sizeof msg, "%s was freed before this array was evaluated", name);
      weir__node_fail_now(a, WEIR_ERR_INVALID_ARGUMENT, msg);
      continue;
    }
    atomic_store_explicit(&a->state, WEIR__NODE_QUEUED, memory_order_relaxed);
    weir_array_retain(a); /* the queue's reference */
    a->queue_next = NULL;
    size_t b = 0;
    while (b < nb && batches[b].stream != s) b++;
    if (b == nb) {
      if (nb == cap) {
        batch *g = batches == local ? weir__malloc(2 * cap * sizeof *g) : weir__realloc(batches, 2 * cap * sizeof *g);
        if (!g) { /* cannot grow: flush what we have and start over */
          for (size_t k = 0; k < nb; k++)
            weir__stream_enqueue(batches[k].stream, batches[k].first, batches[k].last, batches[k].count);
          nb = 0;
          b = 0;
          goto add;
        }
        if (batches == local) memcpy(g, local, sizeof local);
        batches = g;
        cap *= 2;
      }
    add:
      batches[nb++] = (batch){s, NULL, NULL, 0};
    }
    batch *bt = &batches[b];
    if (bt->last) bt->last->queue_next = a;
    else bt->first = a;
    bt->last = a;
    bt->count++;
  }
  for (size_t k = 0; k < nb; k++)
    weir__stream_enqueue(batches[k].stream, batches[k].first, batches[k].last, batches[k].count);
  pthread_mutex_unlock(&sched_mu);
  if (batches != local) free(batches);
  free(order);
  return WEIR_OK;
}

weir_status weir_async_eval(weir_array *const *arrays, size_t n) {
  return schedule(arrays, n, "weir_async_eval");
}

weir_status weir_eval(weir_array *const *arrays, size_t n) {
  weir_status st = schedule(arrays, n, "weir_eval");
  if (st != WEIR_OK) return st;
  for (size_t i = 0; i < n; i++) weir__node_wait(arrays[i]);
  /* On asynchronous devices a published node is enqueued, not finished: wait for its write. */
  for (size_t i = 0; i < n; i++)
    if (arrays[i]->status == WEIR_OK && arrays[i]->buf && (st = weir__buffer_wait_host(arrays[i]->buf)) != WEIR_OK)
      return st;
  for (size_t i = 0; i < n; i++)
    if (arrays[i]->status != WEIR_OK) {
      weir__stream_error_reported(arrays[i]);
      weir__set_error(arrays[i]->status, arrays[i]->error ? arrays[i]->error : "evaluation failed");
      return arrays[i]->status;
    }
  return WEIR_OK;
}
