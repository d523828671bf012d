/* Copies: host -> device and device -> device ordered on a weir stream (asynchronous), and
   device -> host on the backend's own transfer streams (synchronous, from any thread). */
#include <pthread.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "backend/cuda/cuda_internal.h"
#include "core/error_internal.h"

/* Called from s's worker thread, which weir owns: its current device need not be restored. */
static weir_status enter_stream(weir__stream *s, weir__cuda_stream **out) {
  weir__cuda_stream *st = s->backend_data;
  *out = st;
  return weir__cuda_worker_device(st->device);
}

weir_status weir__cuda_copy_h2d(weir__stream *s, void *dst, const void *host_src, size_t n) {
  if (n == 0) return WEIR_OK;
  weir__cuda_stream *st = NULL;
  weir_status rc = enter_stream(s, &st);
  if (rc != WEIR_OK) return rc;
  rc = WEIR__CUDA_CHECK(cudaMemcpyAsync(dst, host_src, n, cudaMemcpyHostToDevice, st->stream),
                        "cudaMemcpyAsync (host to device)");
  weir__cuda_stream_note_enqueued(st);
  return rc;
}

/* ---- peer access, enabled once per pair of devices where the hardware allows it ---- */

static pthread_mutex_t peer_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned char peer_checked[WEIR__CUDA_MAX_DEVICES][WEIR__CUDA_MAX_DEVICES];

/* Lets dev's context map peer's memory. Failure is not an error: the copy then goes through the
   host, slower but correct. */
static void enable_one_way(int dev, int peer) {
  int can = 0;
  if (cudaDeviceCanAccessPeer(&can, dev, peer) != cudaSuccess || !can) {
    (void)cudaGetLastError();
    return;
  }
  int prev = weir__cuda_device_enter(dev);
  cudaError_t e = cudaDeviceEnablePeerAccess(peer, 0);
  if (e != cudaSuccess) (void)cudaGetLastError(); /* cudaErrorPeerAccessAlreadyEnabled included */
  weir__cuda_device_restore(prev);
}

static void ensure_peer_access(int a, int b) {
  pthread_mutex_lock(&peer_mu);
  if (!peer_checked[a][b]) {
    enable_one_way(a, b);
    enable_one_way(b, a);
    peer_checked[a][b] = peer_checked[b][a] = 1;
  }
  pthread_mutex_unlock(&peer_mu);
}

weir_status weir__cuda_copy_d2d(weir__stream *s, void *dst, const void *src, int src_index, size_t n) {
  if (n == 0) return WEIR_OK;
  weir__cuda_stream *st = NULL;
  weir_status rc = enter_stream(s, &st);
  if (rc != WEIR_OK) return rc;
  if (src_index == st->device) {
    rc = WEIR__CUDA_CHECK(cudaMemcpyAsync(dst, src, n, cudaMemcpyDeviceToDevice, st->stream),
                          "cudaMemcpyAsync (device to device)");
  } else {
    if (src_index < 0 || src_index >= weir__cuda_device_count())
      return weir__fail(WEIR_ERR_INDEX, "copy from Device(gpu, %d), which does not exist", src_index);
    ensure_peer_access(st->device, src_index);
    rc = WEIR__CUDA_CHECK(cudaMemcpyPeerAsync(dst, st->device, src, src_index, n, st->stream),
                          "cudaMemcpyPeerAsync");
  }
  weir__cuda_stream_note_enqueued(st);
  return rc;
}

/* ---- reads to the host: a small pool of transfer streams per device ----
   Several threads may read from one device at once; each takes its own stream, so none waits
   for another's copy. */

typedef struct transfer_stream {
  cudaStream_t stream;
  struct transfer_stream *next;
} transfer_stream;

static pthread_mutex_t transfer_mu = PTHREAD_MUTEX_INITIALIZER;
static transfer_stream *transfer_free[WEIR__CUDA_MAX_DEVICES];

/* With dev current. */
static weir_status transfer_get(int dev, transfer_stream **out) {
  pthread_mutex_lock(&transfer_mu);
  transfer_stream *t = transfer_free[dev];
  if (t) transfer_free[dev] = t->next;
  pthread_mutex_unlock(&transfer_mu);
  if (!t) {
    t = weir__calloc(1, sizeof *t);
    if (!t) return weir__fail(WEIR_ERR_OUT_OF_MEMORY, "out of memory creating a transfer stream");
    weir_status rc = WEIR__CUDA_CHECK(cudaStreamCreateWithFlags(&t->stream, cudaStreamNonBlocking),
                                      "cudaStreamCreateWithFlags");
    if (rc != WEIR_OK) {
      free(t);
      return rc;
    }
  }
  *out = t;
  return WEIR_OK;
}

static void transfer_put(int dev, transfer_stream *t) {
  pthread_mutex_lock(&transfer_mu);
  t->next = transfer_free[dev];
  transfer_free[dev] = t;
  pthread_mutex_unlock(&transfer_mu);
}

weir_status weir__cuda_read_to_host(int index, void *host_dst, const void *src, size_t n, void *after) {
  if (index < 0 || index >= weir__cuda_device_count())
    return weir__fail(WEIR_ERR_INDEX, "read from Device(gpu, %d), which does not exist", index);
  int prev = weir__cuda_device_enter(index);
  transfer_stream *t = NULL;
  weir_status rc = transfer_get(index, &t);
  if (rc != WEIR_OK) {
    weir__cuda_device_restore(prev);
    return rc;
  }
  if (after) rc = weir__cuda_stream_wait(t->stream, after);
  if (rc == WEIR_OK && n > 0)
    rc = WEIR__CUDA_CHECK(cudaMemcpyAsync(host_dst, src, n, cudaMemcpyDeviceToHost, t->stream),
                          "cudaMemcpyAsync (device to host)");
  if (rc == WEIR_OK) rc = WEIR__CUDA_CHECK(cudaStreamSynchronize(t->stream), "cudaStreamSynchronize");
  /* On any failure, the checked synchronize included (an injected fault skips it), the copy may
     still be in flight: wait for it before the stream is reused and before the caller frees
     host_dst. A pinned host_dst goes back to the host cache, which keeps its free-list link in the
     block's first bytes; a late DMA overwrote that link and the next trim or allocation of that
     class followed a pointer made of float data (the segfault of test_gpu_faults). */
  if (rc != WEIR_OK && cudaStreamSynchronize(t->stream) != cudaSuccess) (void)cudaGetLastError();
  transfer_put(index, t);
  weir__cuda_device_restore(prev);
  return rc;
}
