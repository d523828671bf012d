/* Capture: records every executed task while running and writes them as Chrome trace JSON
   (the "JSON Object Format" that chrome://tracing and ui.perfetto.dev read).
   Layout: one process per device (pid 1 = cpu, pid 2 + k = gpu:k), one thread per stream
   (tid = stream index); each task is a complete event ("ph":"X") with times in microseconds
   relative to weir_capture_start; a dependency on a task of another stream is a flow arrow
   ("ph":"s" on the producer, "ph":"f" on the consumer). */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/capture_internal.h"
#include "core/error_internal.h"
#include "weir/capture.h"

typedef struct rec {
  const char *name;
  weir_stream stream;
  int ndim, ndeps;
  weir_dtype dtype;
  weir_status status;
  size_t bytes;
  uint64_t id, queued_ns, start_ns, end_ns;
  int64_t *shape; /* one allocation: ndim shape values, then ndeps dep ids */
  uint64_t *deps;
} rec;

atomic_bool weir__capture_on;

/* All capture state below is guarded by mu. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static bool running;
static FILE *out_file;
static char *out_path;
static uint64_t t0_ns;
static rec *recs;
static size_t nrecs, caprecs;
static uint64_t dropped; /* tasks lost to out-of-memory while recording */

uint64_t weir__now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

weir_status weir_capture_start(const char *path) {
  if (!path || !path[0])
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "weir_capture_start: path must be a non-empty file name");
  pthread_mutex_lock(&mu);
  if (running) {
    weir_status st = weir__fail(WEIR_ERR_INVALID_ARGUMENT,
                                "a capture is already running (to '%s'); call weir_capture_stop first", out_path);
    pthread_mutex_unlock(&mu);
    return st;
  }
  size_t n = strlen(path) + 1;
  char *p = weir__malloc(n);
  if (!p) {
    pthread_mutex_unlock(&mu);
    return weir__fail(WEIR_ERR_OUT_OF_MEMORY, "out of memory starting a capture");
  }
  memcpy(p, path, n);
  /* Opened now so that a bad path fails here rather than after the work was done. */
  FILE *f = fopen(path, "w");
  if (!f) {
    int err = errno;
    free(p);
    pthread_mutex_unlock(&mu);
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "cannot open capture file '%s': %s", path, strerror(err));
  }
  out_file = f;
  out_path = p;
  nrecs = 0;
  dropped = 0;
  t0_ns = weir__now_ns();
  running = true;
  atomic_store(&weir__capture_on, true);
  pthread_mutex_unlock(&mu);
  return WEIR_OK;
}

void weir__capture_record(const weir__trace_task *t) {
  if (!t || !atomic_load_explicit(&weir__capture_on, memory_order_relaxed)) return;
  rec r = {t->name, t->stream, t->ndim > 0 ? t->ndim : 0, t->ndeps > 0 ? t->ndeps : 0, t->dtype, t->status,
           t->bytes, t->id, t->queued_ns, t->start_ns, t->end_ns, NULL, NULL};
  if (!t->shape) r.ndim = 0;
  if (!t->deps) r.ndeps = 0;
  bool lost = false;
  if (r.ndim + r.ndeps > 0) { /* copy outside the lock to keep the critical section short */
    void *mem = weir__malloc(sizeof(int64_t) * (size_t)r.ndim + sizeof(uint64_t) * (size_t)r.ndeps);
    if (mem) {
      r.shape = mem;
      r.deps = (uint64_t *)(r.shape + r.ndim);
      if (r.ndim) memcpy(r.shape, t->shape, sizeof(int64_t) * (size_t)r.ndim);
      if (r.ndeps) memcpy(r.deps, t->deps, sizeof(uint64_t) * (size_t)r.ndeps);
    } else {
      lost = true;
    }
  }
  pthread_mutex_lock(&mu);
  if (running && !lost && nrecs == caprecs) {
    size_t cap = caprecs ? caprecs * 2 : 1024;
    rec *p = weir__realloc(recs, cap * sizeof(rec));
    if (p) {
      recs = p;
      caprecs = cap;
    } else {
      lost = true;
    }
  }
  bool kept = running && !lost;
  if (kept) recs[nrecs++] = r;
  else if (running) dropped++;
  pthread_mutex_unlock(&mu);
  if (!kept) free(r.shape);
}

/* ---- writing ---- */

static void put_json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"': fputs("\\\"", f); break;
    case '\\': fputs("\\\\", f); break;
    case '\n': fputs("\\n", f); break;
    case '\r': fputs("\\r", f); break;
    case '\t': fputs("\\t", f); break;
    default:
      if (*p < 0x20) fprintf(f, "\\u%04x", *p);
      else fputc(*p, f);
    }
  }
  fputc('"', f);
}

static int device_pid(weir_device d) {
  if (d.type == WEIR_CPU) return 1;
  if (d.type == WEIR_GPU) return 2 + d.index;
  return 0;
}

static void device_name(weir_device d, char *buf, size_t n) {
  const char *ty = d.type == WEIR_CPU ? "cpu" : d.type == WEIR_GPU ? "gpu" : "unknown";
  snprintf(buf, n, "Device(%s, %d)", ty, d.index);
}

static bool same_stream(weir_stream a, weir_stream b) {
  return a.device.type == b.device.type && a.device.index == b.device.index && a.index == b.index;
}

/* Microseconds since capture start (negative for a task queued before it). */
static double rel_us(uint64_t ns) { return (double)(int64_t)(ns - t0_ns) / 1000.0; }

static int cmp_start(const void *a, const void *b) {
  const rec *x = a, *y = b;
  return x->start_ns < y->start_ns ? -1 : x->start_ns > y->start_ns;
}

typedef struct id_ix {
  uint64_t id;
  size_t ix;
} id_ix;

static int cmp_id(const void *a, const void *b) {
  const id_ix *x = a, *y = b;
  return x->id < y->id ? -1 : x->id > y->id;
}

static void write_metadata(FILE *f, const weir_stream *streams, size_t nstreams, bool *first) {
  char dev[64], name[96];
  for (size_t i = 0; i < nstreams; i++) {
    weir_stream s = streams[i];
    int pid = device_pid(s.device);
    device_name(s.device, dev, sizeof dev);
    bool new_device = true;
    for (size_t j = 0; j < i; j++)
      if (device_pid(streams[j].device) == pid) new_device = false;
    if (new_device) {
      fprintf(f, "%s\n{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%d,\"tid\":0,\"args\":{\"name\":",
              *first ? "" : ",", pid);
      put_json_string(f, dev);
      fprintf(f, "}},\n{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":%d,\"tid\":0,"
                 "\"args\":{\"sort_index\":%d}}", pid, pid);
      *first = false;
    }
    snprintf(name, sizeof name, "Stream(%s, %d)", dev, s.index);
    fprintf(f, "%s\n{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%d,\"tid\":%d,\"args\":{\"name\":",
            *first ? "" : ",", pid, s.index);
    put_json_string(f, name);
    fprintf(f, "}},\n{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":%d,\"tid\":%d,"
               "\"args\":{\"sort_index\":%d}}", pid, s.index, s.index);
    *first = false;
  }
}

static void write_task(FILE *f, const rec *r, bool *first) {
  double ts = rel_us(r->start_ns);
  double dur = r->end_ns > r->start_ns ? (double)(r->end_ns - r->start_ns) / 1000.0 : 0.0;
  double wait = r->start_ns > r->queued_ns ? (double)(r->start_ns - r->queued_ns) / 1000.0 : 0.0;
  fprintf(f, "%s\n{\"ph\":\"X\",\"cat\":\"task\",\"name\":", *first ? "" : ",");
  put_json_string(f, r->name ? r->name : "unknown");
  fprintf(f, ",\"pid\":%d,\"tid\":%d,\"ts\":%.3f,\"dur\":%.3f,\"args\":{\"shape\":[", device_pid(r->stream.device),
          r->stream.index, ts, dur);
  for (int d = 0; d < r->ndim; d++) fprintf(f, "%s%" PRId64, d ? "," : "", r->shape[d]);
  fputs("],\"dtype\":", f);
  put_json_string(f, weir_dtype_name(r->dtype));
  fprintf(f, ",\"bytes\":%zu,\"id\":%" PRIu64 ",\"deps\":[", r->bytes, r->id);
  for (int d = 0; d < r->ndeps; d++) fprintf(f, "%s%" PRIu64, d ? "," : "", r->deps[d]);
  fprintf(f, "],\"queued_us\":%.3f,\"wait_us\":%.3f,\"status\":", rel_us(r->queued_ns), wait);
  put_json_string(f, weir_status_name(r->status));
  fputs("}}", f);
  *first = false;
}

/* Flow arrows for dependencies whose producer ran on another stream during the capture. The
   "s" end binds to the producer's slice (at its start) and the "f" end to the consumer's. */
static void write_flows(FILE *f, const rec *rs, size_t n, const id_ix *byid, bool *first) {
  uint64_t flow_id = 0;
  for (size_t i = 0; i < n; i++) {
    const rec *c = &rs[i];
    for (int d = 0; d < c->ndeps; d++) {
      id_ix key = {c->deps[d], 0};
      const id_ix *hit = bsearch(&key, byid, n, sizeof(id_ix), cmp_id);
      if (!hit) continue;
      const rec *p = &rs[hit->ix];
      if (same_stream(p->stream, c->stream)) continue;
      flow_id++;
      fprintf(f, "%s\n{\"ph\":\"s\",\"cat\":\"dependency\",\"name\":\"dependency\",\"id\":%" PRIu64
                 ",\"pid\":%d,\"tid\":%d,\"ts\":%.3f}",
              *first ? "" : ",", flow_id, device_pid(p->stream.device), p->stream.index, rel_us(p->start_ns));
      fprintf(f, ",\n{\"ph\":\"f\",\"bp\":\"e\",\"cat\":\"dependency\",\"name\":\"dependency\",\"id\":%" PRIu64
                 ",\"pid\":%d,\"tid\":%d,\"ts\":%.3f}",
              flow_id, device_pid(c->stream.device), c->stream.index, rel_us(c->start_ns));
      *first = false;
    }
  }
}

/* Writes everything; false when out of memory (the file is then incomplete). */
static bool write_trace(FILE *f, rec *rs, size_t n, uint64_t lost) {
  weir_stream *streams = NULL;
  size_t nstreams = 0, capstreams = 0;
  id_ix *byid = n ? weir__malloc(n * sizeof(id_ix)) : NULL;
  if (n && !byid) return false;
  if (n) qsort(rs, n, sizeof(rec), cmp_start);
  for (size_t i = 0; i < n; i++) {
    byid[i].id = rs[i].id;
    byid[i].ix = i;
    bool seen = false;
    for (size_t j = nstreams; j-- > 0 && !seen;) seen = same_stream(streams[j], rs[i].stream);
    if (seen) continue;
    if (nstreams == capstreams) {
      size_t cap = capstreams ? capstreams * 2 : 16;
      weir_stream *p = weir__realloc(streams, cap * sizeof(weir_stream));
      if (!p) {
        free(streams);
        free(byid);
        return false;
      }
      streams = p;
      capstreams = cap;
    }
    streams[nstreams++] = rs[i].stream;
  }
  if (n) qsort(byid, n, sizeof(id_ix), cmp_id);

  bool first = true;
  fputs("{\"traceEvents\":[", f);
  write_metadata(f, streams, nstreams, &first);
  for (size_t i = 0; i < n; i++) write_task(f, &rs[i], &first);
  write_flows(f, rs, n, byid, &first);
  fprintf(f, "\n],\"displayTimeUnit\":\"ns\",\"otherData\":{\"producer\":\"weir\",\"tasks\":%zu,"
             "\"dropped_tasks\":%" PRIu64 "}}\n", n, lost);
  free(streams);
  free(byid);
  return true;
}

weir_status weir_capture_stop(void) {
  pthread_mutex_lock(&mu);
  if (!running) {
    pthread_mutex_unlock(&mu);
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "no capture is running; call weir_capture_start first");
  }
  /* Take the state and end the capture first, so recording threads are not held up by I/O. */
  running = false;
  atomic_store(&weir__capture_on, false);
  FILE *f = out_file;
  char *path = out_path;
  rec *rs = recs;
  size_t n = nrecs;
  uint64_t lost = dropped;
  out_file = NULL;
  out_path = NULL;
  recs = NULL;
  nrecs = caprecs = 0;
  pthread_mutex_unlock(&mu);

  char *iobuf = weir__malloc(1 << 16); /* a big buffer: the trace is many small writes */
  if (iobuf) setvbuf(f, iobuf, _IOFBF, 1 << 16);
  errno = 0;
  bool ok = write_trace(f, rs, n, lost);
  int err = 0;
  if (fflush(f) != 0 || ferror(f)) err = errno ? errno : EIO;
  if (fclose(f) != 0 && !err) err = errno ? errno : EIO;
  free(iobuf);
  for (size_t i = 0; i < n; i++) free(rs[i].shape);
  free(rs);

  weir_status st = WEIR_OK;
  if (!ok) st = weir__fail(WEIR_ERR_OUT_OF_MEMORY, "out of memory writing capture file '%s'", path);
  else if (err) st = weir__fail(WEIR_ERR_DEVICE, "writing capture file '%s' failed: %s", path, strerror(err));
  free(path);
  return st;
}
