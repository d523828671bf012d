/* Fusion: a run of consecutive small elementwise nodes of one stream becomes one program that
   one kernel launch executes (backend/fused.h). Registers are given out by liveness; an output
   is written to memory only when something outside the run can see it (a reference held by the
   user or by a later node, or an eval waiting for it), so a chain of tiny ops needs neither a
   launch nor a buffer per op. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "backend/fused.h"
#include "core/buffer.h"
#include "core/capture_internal.h"
#include "core/dtype_util.h"
#include "core/error_internal.h"
#include "core/fault_injection.h"
#include "core/fusion.h"
#include "core/scheduler.h"

#define MAX_RUN 4096 /* nodes per launch */

static _Atomic uint64_t fused_nodes;
uint64_t weir__fused_nodes_total(void) { return atomic_load(&fused_nodes); }

typedef struct {
  weir_array *node;
  int uses;     /* input edges from later nodes of the run */
  int last_use; /* index of the last run node that reads it (-1: none) */
  int reg;
} value;

typedef struct {
  weir_array *ext; /* an input produced outside the run */
  int last_use;
  int reg; /* -1 until loaded */
  void *ptr;
} external;

static bool in_run(const weir__stream *s, const weir_array *in) {
  return in->stream.index == s->index &&
         atomic_load_explicit(&((weir_array *)in)->state, memory_order_acquire) != WEIR__NODE_DONE;
}

/* Whether a can join a run of n-element nodes. Only the run's head may wait for inputs from other
   streams: a later node's outside input may itself wait for the head (a chain hopping between
   streams), so an unfinished one ends the run instead. */
static bool fusable(const weir__stream *s, weir_array *a, int64_t n, bool is_head) {
  if (!weir__fusable_prim(a->prim) || !weir__fusable_dtype(a->dtype) || a->size != n || a->nin < 1 || a->nin > 2)
    return false;
  for (int i = 0; i < a->nin; i++) {
    weir_array *in = a->inputs[i];
    if (in->dtype != a->dtype) return false;
    if (in_run(s, in)) {
      if (in->size != n) return false;
      continue;
    }
    if (is_head) weir__node_wait(in);
    else if (atomic_load_explicit(&in->state, memory_order_acquire) != WEIR__NODE_DONE) return false;
    if (in->status != WEIR_OK || !in->buf || (in->size != n && in->size != 1)) return false;
  }
  return true;
}

/* A one-element input on the host: a CONST step, its value read here (it is final: DONE). */
static bool host_constant(const weir_array *in) { return in->size == 1 && in->buf->device.type == WEIR_CPU; }

/* On a GPU, one node alone is worth running as a program when it reads a host constant: the
   value goes with the launch, where the node's own kernel would need it copied to the device. */
static bool worth_alone(const weir__stream *s, const weir_array *head) {
  if (s->device.type != WEIR_GPU) return false;
  for (int i = 0; i < head->nin; i++)
    if (!in_run(s, head->inputs[i]) && host_constant(head->inputs[i])) return true;
  return false;
}

static int find_external(external *ext, int next, const weir_array *a) {
  for (int k = 0; k < next; k++)
    if (ext[k].ext == a) return k;
  return -1;
}

int weir__fuse_run(weir__stream *s, weir_array **list) {
  weir_array *head = *list;
  int64_t n = head->size;
  if (n < 1 || n > WEIR__FUSED_MAX_ELEMENTS || !fusable(s, head, n, true)) return 0;
  const int min_run = worth_alone(s, head) ? 1 : 2;
  if (min_run == 2 && (!head->queue_next || !fusable(s, head->queue_next, n, false))) return 0;
  int m = 0, next = 0;
  /* Tables sized by the queue ahead (at most MAX_RUN): full-size ones are ~0.5 MB, which malloc
     maps and unmaps on every call, several us of a one-node run's time. */
  int cap = 1;
  for (weir_array *a = head->queue_next; a && cap < MAX_RUN; a = a->queue_next) cap++;
  value *vals = weir__malloc((size_t)cap * sizeof *vals);
  external *ext = weir__malloc(2 * (size_t)cap * sizeof *ext);
  weir__fused_step *steps = weir__malloc(3 * (size_t)cap * sizeof *steps);
  if (!vals || !ext || !steps) {
    free(vals);
    free(ext);
    free(steps);
    return 0;
  }
  /* 1. the run and its external inputs, with last uses */
  for (weir_array *a = head; a && m < cap && (a == head || fusable(s, a, n, false)); a = a->queue_next) {
    a->fuse_index = m;
    vals[m] = (value){a, 0, -1, -1};
    for (int i = 0; i < a->nin; i++) {
      weir_array *in = a->inputs[i];
      if (in_run(s, in)) {
        vals[in->fuse_index].uses++;
        vals[in->fuse_index].last_use = m;
      } else {
        int k = find_external(ext, next, in);
        if (k < 0) ext[k = next++] = (external){in, m, -1, NULL};
        ext[k].last_use = m;
      }
    }
    m++;
  }
  /* 2. registers by liveness; cut the run where they run out */
  int free_regs[WEIR__FUSED_REGS], nfree = WEIR__FUSED_REGS, nsteps = 0, cut = m;
  for (int r = 0; r < WEIR__FUSED_REGS; r++) free_regs[r] = WEIR__FUSED_REGS - 1 - r;
  for (int i = 0; i < m && cut == m; i++) {
    weir_array *a = vals[i].node;
    int src[2] = {0, 0};
    for (int j = 0; j < a->nin; j++) {
      weir_array *in = a->inputs[j];
      if (in_run(s, in)) {
        src[j] = vals[in->fuse_index].reg;
        continue;
      }
      external *e = &ext[find_external(ext, next, in)];
      if (e->reg < 0) {
        if (nfree == 0) {
          cut = i;
          break;
        }
        e->reg = free_regs[--nfree];
        steps[nsteps++] = (weir__fused_step){.ptr = e->ext, .op = WEIR__FUSED_LOAD, .dtype = (uint8_t)in->dtype,
                                             .out = (uint8_t)e->reg, .a = (uint8_t)(in->size == 1 && n > 1)};
      }
      src[j] = e->reg;
    }
    if (cut != m) break;
    /* inputs whose last use is this node give their registers back before the output takes one */
    for (int j = 0; j < a->nin; j++) {
      weir_array *in = a->inputs[j];
      int *reg = in_run(s, in) ? &vals[in->fuse_index].reg : &ext[find_external(ext, next, in)].reg;
      int last = in_run(s, in) ? vals[in->fuse_index].last_use : ext[find_external(ext, next, in)].last_use;
      if (last == i && *reg >= 0) {
        free_regs[nfree++] = *reg;
        *reg = -1;
      }
    }
    if (nfree == 0) {
      cut = i;
      break;
    }
    vals[i].reg = free_regs[--nfree];
    steps[nsteps++] = (weir__fused_step){.ptr = a, .op = (uint8_t)a->prim, .dtype = (uint8_t)a->dtype,
                                         .out = (uint8_t)vals[i].reg, .a = (uint8_t)src[0],
                                         .b = (uint8_t)(a->nin > 1 ? src[1] : src[0])};
    if (vals[i].last_use < 0) { /* nothing later in the run reads it */
      free_regs[nfree++] = vals[i].reg;
      vals[i].reg = -1;
    }
  }
  if (cut < min_run) {
    free(vals);
    free(ext);
    free(steps);
    return 0;
  }
  /* steps of nodes past the cut are dropped; so are loads emitted for them */
  int keep = 0;
  for (int k = 0; k < nsteps; k++) {
    weir__fused_step *st = &steps[k];
    if (st->op != WEIR__FUSED_LOAD && ((weir_array *)st->ptr)->fuse_index >= cut) break;
    keep = k + 1;
  }
  nsteps = keep;
  m = cut;
  /* uses by nodes past the cut are outside the run now: recount, they decide what is written */
  for (int i = 0; i < m; i++) vals[i].uses = 0;
  for (int i = 0; i < m; i++)
    for (int j = 0; j < vals[i].node->nin; j++) {
      weir_array *in = vals[i].node->inputs[j];
      if (in_run(s, in) && in->fuse_index < m) vals[in->fuse_index].uses++;
    }
  bool tracing = atomic_load_explicit(&weir__capture_on, memory_order_relaxed);
  uint64_t start = tracing ? weir__now_ns() : 0;

  /* 3. memory: external inputs ordered on s, outputs that something outside the run can see */
  weir_status st = WEIR_OK;
  char msg[512] = "";
  for (int k = 0; k < nsteps && st == WEIR_OK; k++) {
    weir__fused_step *sp = &steps[k];
    weir_array *a = sp->ptr;
    if (sp->op == WEIR__FUSED_LOAD && host_constant(a)) {
      sp->op = WEIR__FUSED_CONST;
      sp->value = (float)weir__load_double(a->buf->data, a->dtype, 0);
      continue;
    }
    if (sp->op == WEIR__FUSED_LOAD) {
      st = weir__buffer_use_on(a->buf, s, &sp->ptr);
      continue;
    }
    int64_t outside = atomic_load(&a->refs) - 1 /* the queue */ - vals[a->fuse_index].uses;
    bool visible = outside > 0 || atomic_load_explicit(&a->want_event, memory_order_relaxed);
    sp->ptr = NULL;
    if (visible) {
      st = weir__buffer_new(s->device, s, (size_t)n * weir_dtype_size(a->dtype), &a->buf);
      if (st == WEIR_OK) sp->ptr = a->buf->data;
    }
  }
  /* 4. one launch (a test's injected kernel failure in any node fails the run) */
  for (int i = 0; i < m && st == WEIR_OK; i++)
    if ((st = weir__take_injected_failure(vals[i].node->prim)) != WEIR_OK)
      weir__fail(st, "%s: injected failure (test hook)", weir__prim_name(vals[i].node->prim));
  if (st == WEIR_OK) st = s->backend->run_fused(s, n, steps, nsteps);
  for (int i = 0; i < m && st == WEIR_OK; i++) {
    weir_array *a = vals[i].node;
    if (a->buf && atomic_load_explicit(&a->want_event, memory_order_relaxed)) st = weir__buffer_mark_written(a->buf, s);
  }
  if (st != WEIR_OK) snprintf(msg, sizeof msg, "fused elementwise run: %s", weir_last_error());
  /* 5. retire in order (advance the list first: retiring may free a node) */
  weir_array *a = head;
  for (int i = 0; i < m; i++) {
    weir_array *following = a->queue_next;
    a->queue_next = NULL;
    weir__worker_finish(s, a, st, msg, start);
    a = following;
  }
  *list = a;
  atomic_fetch_add(&fused_nodes, (uint64_t)m);
  free(vals);
  free(ext);
  free(steps);
  return m;
}
