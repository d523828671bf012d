/* CUDA events, pooled per device (an event is recorded only on streams of the device it was
   created on). Re-recording a pooled event is safe: a cudaStreamWaitEvent enqueued earlier keeps
   waiting for the recording it saw. */
#include <pthread.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "backend/cuda/cuda_internal.h"
#include "core/error_internal.h"

#define POOL_KEEP 4096 /* free events kept per device; beyond this they are destroyed */

typedef struct event_pool {
  pthread_mutex_t mu;
  weir__cuda_event *free_list;
  int n_free;
} event_pool;

static event_pool pools[WEIR__CUDA_MAX_DEVICES];
static pthread_once_t pools_once = PTHREAD_ONCE_INIT;

static void init_pools(void) {
  for (int i = 0; i < WEIR__CUDA_MAX_DEVICES; i++) pthread_mutex_init(&pools[i].mu, NULL);
}

static weir_status event_get(int dev, weir__cuda_event **out) {
  pthread_once(&pools_once, init_pools);
  event_pool *p = &pools[dev];
  pthread_mutex_lock(&p->mu);
  weir__cuda_event *e = p->free_list;
  if (e) {
    p->free_list = e->next;
    p->n_free--;
  }
  pthread_mutex_unlock(&p->mu);
  if (!e) {
    e = weir__calloc(1, sizeof *e);
    if (!e) return weir__fail(WEIR_ERR_OUT_OF_MEMORY, "out of memory creating a CUDA event");
    int prev = weir__cuda_device_enter(dev);
    /* No timing: recording and waiting are cheaper without it. */
    weir_status st =
        WEIR__CUDA_CHECK(cudaEventCreateWithFlags(&e->event, cudaEventDisableTiming), "cudaEventCreateWithFlags");
    weir__cuda_device_restore(prev);
    if (st != WEIR_OK) {
      free(e);
      return st;
    }
    e->device = dev;
  }
  *out = e;
  return WEIR_OK;
}

static void event_put(weir__cuda_event *e) {
  pthread_once(&pools_once, init_pools);
  event_pool *p = &pools[e->device];
  pthread_mutex_lock(&p->mu);
  if (p->n_free < POOL_KEEP) {
    e->next = p->free_list;
    p->free_list = e;
    p->n_free++;
    e = NULL;
  }
  pthread_mutex_unlock(&p->mu);
  if (e) {
    if (cudaEventDestroy(e->event) != cudaSuccess) (void)cudaGetLastError();
    free(e);
  }
}

weir_status weir__cuda_event_record_on(weir__cuda_stream *st, weir__cuda_event **out) {
  weir__cuda_event *e = NULL;
  weir_status rc = event_get(st->device, &e);
  if (rc != WEIR_OK) return rc;
  int prev = weir__cuda_device_enter(st->device);
  /* Read before the record: work counted after this read may or may not be covered by the event,
     so it is not claimed (weir__cuda_stream). */
  e->covers = atomic_load_explicit(&st->enqueued, memory_order_acquire);
  rc = WEIR__CUDA_CHECK(cudaEventRecord(e->event, st->stream), "cudaEventRecord");
  weir__cuda_device_restore(prev);
  if (rc != WEIR_OK) {
    event_put(e);
    return rc;
  }
  e->stream_index = st->index;
  *out = e;
  return WEIR_OK;
}

weir_status weir__cuda_event_record(weir__stream *s, void **out) {
  *out = NULL;
  if (!s->backend_data) return weir__fail(WEIR_ERR_INTERNAL, "event_record: not a CUDA stream");
  weir__cuda_event *e = NULL;
  weir_status rc = weir__cuda_event_record_on(s->backend_data, &e);
  *out = e;
  return rc;
}

weir_status weir__cuda_stream_wait(cudaStream_t stream, weir__cuda_event *e) {
  /* Works across devices: the wait is on the GPU, the host does not block. */
  return WEIR__CUDA_CHECK(cudaStreamWaitEvent(stream, e->event, 0), "cudaStreamWaitEvent");
}

weir_status weir__cuda_event_wait_on(weir__stream *s, void *event) {
  if (!event) return WEIR_OK;
  weir__cuda_stream *st = s->backend_data;
  if (!st) return weir__fail(WEIR_ERR_INTERNAL, "event_wait_on: not a CUDA stream");
  weir_status rc = weir__cuda_stream_wait(st->stream, event);
  weir__cuda_stream_note_enqueued(st);
  return rc;
}

weir_status weir__cuda_event_sync(void *event) {
  if (!event) return WEIR_OK;
  weir__cuda_event *e = event;
  int stream_index = e->stream_index; /* what this recording covers, read before the wait */
  uint64_t covers = e->covers;
  weir_status rc = WEIR__CUDA_CHECK(cudaEventSynchronize(e->event), "cudaEventSynchronize");
  if (rc == WEIR_OK) weir__cuda_stream_note_finished(stream_index, covers);
  /* Some callers ignore the status and rely on the wait for memory lifetimes (the core's
     release_residency frees a host source after it): when the checked call failed (an injected
     fault skips it), still wait, so the failure is reported without freeing memory in use. */
  if (rc != WEIR_OK && cudaEventSynchronize(e->event) != cudaSuccess) (void)cudaGetLastError();
  return rc;
}

void weir__cuda_event_free(void *event) {
  if (event) event_put(event);
}
