/* Where a buffer's valid contents are, and how work on another device gets them: copies are made
   on demand, ordered on the consuming stream, and cached on the buffer; a consumer on another
   stream of the same asynchronous device waits for the write on the device (an event), never on
   the host. */
#include <pthread.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "backend/backend.h"
#include "core/buffer.h"
#include "core/error_internal.h"
#include "core/runtime.h"

/* Buffer locks are striped by address: a buffer is touched here rarely and briefly. */
#define STRIPES 64
static pthread_mutex_t stripe[STRIPES];
static pthread_once_t stripes_once = PTHREAD_ONCE_INIT;
static void init_stripes(void) {
  for (int i = 0; i < STRIPES; i++) pthread_mutex_init(&stripe[i], NULL);
}
static pthread_mutex_t *lock_of(const weir__buffer *b) {
  pthread_once(&stripes_once, init_stripes);
  return &stripe[((uintptr_t)b >> 6) % STRIPES];
}

static const weir__backend *backend_of(weir_device d) {
  return d.type == WEIR_GPU ? weir__backend_cuda() : weir__backend_cpu();
}

static bool same_device(weir_device a, weir_device b) { return a.type == b.type && a.index == b.index; }

/* Under b's lock. The event after b's write, recorded now on the writer stream if nobody did;
   NULL when there is nothing to wait for (host-written). Once recorded, b no longer needs its
   writer: *drop gets the reference to release after unlocking (NULL: none). The writer may have
   been freed by the user: b's reference keeps its backend stream, so the event still follows the
   write (the free drained the weir queue, but the device may still be running it). */
static weir_status ready_event(weir__buffer *b, void **ev, weir__stream **drop) {
  *ev = NULL;
  *drop = NULL;
  if (b->writer == 0 || b->device.type != WEIR_GPU) return WEIR_OK;
  if (!b->ready) {
    weir__stream *w = b->writer_stream;
    if (!w || !w->backend->event_record) return weir__fail(WEIR_ERR_INTERNAL, "a GPU buffer lost its writer stream");
    weir_status st = w->backend->event_record(w, &b->ready);
    if (st != WEIR_OK) return st;
  }
  *drop = b->writer_stream;
  b->writer_stream = NULL;
  *ev = b->ready;
  return WEIR_OK;
}

/* Under b's lock: stream index `user` used b on b's device. */
static void add_user(weir__buffer *b, int user) {
  if (user == b->writer || b->n_users < 0) return;
  for (int i = 0; i < b->n_users; i++)
    if (b->users[i] == user) return;
  if (b->n_users < WEIR__BUFFER_USERS) b->users[b->n_users++] = user;
  else b->n_users = -1;
}

weir_status weir__buffer_mark_written(weir__buffer *b, weir__stream *writer) {
  if (!b || b->device.type != WEIR_GPU || !writer->backend->event_record) return WEIR_OK;
  pthread_mutex_t *mu = lock_of(b);
  pthread_mutex_lock(mu);
  weir_status st = b->ready ? WEIR_OK : writer->backend->event_record(writer, &b->ready);
  weir__stream *drop = NULL;
  if (st == WEIR_OK && b->writer == writer->index) { /* recorded: the writer is no longer needed */
    drop = b->writer_stream;
    b->writer_stream = NULL;
  }
  pthread_mutex_unlock(mu);
  weir__stream_release(drop);
  return st;
}

static weir__copy *find_copy(weir__buffer *b, weir_device d) {
  for (weir__copy *c = b->copies; c; c = c->next)
    if (same_device(c->buf->device, d)) return c;
  return NULL;
}

/* Fills a new copy of b on s's device (s == NULL: the host), ordered on s. */
static weir_status fill_copy(weir__buffer *b, weir__stream *s, weir__buffer *dst, void **done) {
  *done = NULL;
  pthread_mutex_t *mu = lock_of(b);
  void *after = NULL;
  weir__stream *drop;
  pthread_mutex_lock(mu);
  weir_status st = ready_event(b, &after, &drop);
  if (st == WEIR_OK && s && b->device.type == WEIR_GPU) add_user(b, s->index);
  pthread_mutex_unlock(mu);
  weir__stream_release(drop);
  if (st != WEIR_OK) return st;
  if (!s) /* to the host, synchronously */
    return backend_of(b->device)->read_to_host(b->device.index, dst->data, b->data, b->nbytes, after);
  const weir__backend *be = s->backend;
  if (b->device.type == WEIR_CPU) {
    st = be->copy_h2d(s, dst->data, b->data, b->nbytes);
  } else {
    if (s->device.type != WEIR_GPU) return weir__fail(WEIR_ERR_INTERNAL, "copy from a GPU to a non-host device");
    if (after) st = be->event_wait_on(s, after);
    if (st == WEIR_OK) st = be->copy_d2d(s, dst->data, b->data, b->device.index, b->nbytes);
  }
  if (st == WEIR_OK) st = be->event_record(s, done);
  return st;
}

/* The copy of b on s's device (s == NULL: the host), made now if there is none. */
static weir_status copy_on(weir__buffer *b, weir__stream *s, weir__copy **out) {
  weir_device d = s ? s->device : WEIR_CPU_DEVICE;
  pthread_mutex_t *mu = lock_of(b);
  pthread_mutex_lock(mu);
  weir__copy *c = find_copy(b, d);
  pthread_mutex_unlock(mu);
  if (c) {
    *out = c;
    return WEIR_OK;
  }
  /* Allocate and fill outside the lock (allocation may wait for memory). */
  weir__buffer *dst;
  weir_status st = weir__buffer_new(d, s, b->nbytes, &dst);
  if (st != WEIR_OK) return st;
  void *done = NULL;
  st = fill_copy(b, s, dst, &done);
  c = st == WEIR_OK ? weir__malloc(sizeof *c) : NULL;
  if (st == WEIR_OK && !c) st = weir__fail(WEIR_ERR_OUT_OF_MEMORY, "out of memory recording a copy");
  if (st != WEIR_OK) {
    if (done) s->backend->event_free(done);
    weir__buffer_release(dst);
    return st;
  }
  c->buf = dst;
  c->done = done;
  pthread_mutex_lock(mu);
  weir__copy *other = find_copy(b, d);
  if (!other) {
    c->next = b->copies;
    b->copies = c;
  }
  pthread_mutex_unlock(mu);
  if (other) { /* another stream made one meanwhile: keep theirs (ours is complete or ordered on s) */
    if (done) {
      s->backend->event_sync(done);
      s->backend->event_free(done);
    }
    weir__buffer_release(dst);
    free(c);
    c = other;
  }
  *out = c;
  return WEIR_OK;
}

weir_status weir__buffer_use_on(weir__buffer *b, weir__stream *s, void **out) {
  if (same_device(b->device, s->device)) {
    if (s->device.type != WEIR_GPU) { /* host buffers are complete once their node is done */
      *out = b->data;
      return WEIR_OK;
    }
    void *after = NULL;
    weir__stream *drop = NULL;
    weir_status st = WEIR_OK;
    pthread_mutex_t *mu = lock_of(b);
    pthread_mutex_lock(mu);
    if (b->writer != s->index) st = ready_event(b, &after, &drop);
    add_user(b, s->index);
    pthread_mutex_unlock(mu);
    weir__stream_release(drop);
    if (st == WEIR_OK && after) st = s->backend->event_wait_on(s, after);
    *out = b->data;
    return st;
  }
  weir__copy *c;
  weir_status st = copy_on(b, s->device.type == WEIR_CPU ? NULL : s, &c);
  if (st != WEIR_OK) return st;
  if (c->done && c->buf->writer != s->index) { /* made on another stream of this device */
    pthread_mutex_t *mu = lock_of(c->buf);
    pthread_mutex_lock(mu);
    add_user(c->buf, s->index);
    pthread_mutex_unlock(mu);
    st = s->backend->event_wait_on(s, c->done);
  }
  *out = c->buf->data;
  return st;
}

weir_status weir__buffer_for_stream(weir__buffer *b, weir__stream *s, weir__buffer **out) {
  if (same_device(b->device, s->device)) {
    *out = weir__buffer_retain(b);
    return WEIR_OK;
  }
  void *p;
  weir_status st = weir__buffer_use_on(b, s, &p); /* makes and orders the copy */
  if (st != WEIR_OK) return st;
  pthread_mutex_t *mu = lock_of(b);
  pthread_mutex_lock(mu);
  weir__copy *c = find_copy(b, s->device);
  *out = weir__buffer_retain(c ? c->buf : NULL);
  pthread_mutex_unlock(mu);
  return *out ? WEIR_OK : weir__fail(WEIR_ERR_INTERNAL, "reshape: the copy on the stream's device vanished");
}

weir_status weir__buffer_wait_host(weir__buffer *b) {
  if (b->device.type != WEIR_GPU) return WEIR_OK;
  void *ev = NULL;
  weir__stream *drop;
  pthread_mutex_t *mu = lock_of(b);
  pthread_mutex_lock(mu);
  weir_status st = ready_event(b, &ev, &drop);
  pthread_mutex_unlock(mu);
  weir__stream_release(drop);
  if (st == WEIR_OK && ev) st = backend_of(b->device)->event_sync(ev);
  return st;
}

weir_status weir__buffer_host_view(weir__buffer *b, const void **out) {
  if (b->device.type == WEIR_CPU) {
    *out = b->data;
    return WEIR_OK;
  }
  weir__copy *c;
  weir_status st = copy_on(b, NULL, &c);
  if (st == WEIR_OK) *out = c->buf->data;
  return st;
}

bool weir__buffer_claim_for_write(weir__buffer *b, weir__stream *s) {
  if (!same_device(b->device, s->device)) return false;
  pthread_mutex_t *mu = lock_of(b);
  pthread_mutex_lock(mu);
  bool ok = b->copies == NULL;
  if (ok && b->device.type == WEIR_GPU) ok = b->writer == s->index && b->n_users == 0;
  void *stale = NULL;
  if (ok && b->device.type == WEIR_GPU) {
    stale = b->ready;
    b->ready = NULL;
    if (!b->writer_stream) b->writer_stream = weir__stream_retain(s);
  }
  pthread_mutex_unlock(mu);
  if (stale) s->backend->event_free(stale);
  return ok;
}

void weir__buffer_release_residency(weir__buffer *b) {
  weir__copy *c = b->copies;
  b->copies = NULL;
  while (c) {
    weir__copy *next = c->next;
    if (c->done) {
      const weir__backend *be = backend_of(c->buf->device);
      /* a host source must outlive the transfer reading it */
      if (b->device.type == WEIR_CPU) be->event_sync(c->done);
      be->event_free(c->done);
    }
    weir__buffer_release(c->buf);
    free(c);
    c = next;
  }
  if (b->ready) backend_of(b->device)->event_free(b->ready);
  b->ready = NULL;
}
