/* The fault-injection workload shared by test_faults.c and test_gpu_faults.c: two or three
   independent branches, each on its own new stream (two on the CPU, one on gpu:0 when there is
   one), and fault_every_site, the loop of issue 6: for N = 1, 2, ... arm "fail the Nth event", run
   the workload and check it, until a run completes without reaching the Nth event. One injected
   fault may fail at most the branch it hit, with a clear error at that branch's eval or
   synchronize, while the other branches give the values of a fault-free run (bit for bit), work
   evaluated before stays intact, and active memory returns to where it started. A final
   fault-free run checks that the process recovered. WEIR_FAULTS_VERBOSE=1 prints every faulted
   run's branch statuses. Include once, after harness.h. */
#ifndef WEIR_TESTS_FAULT_WORKLOAD_H
#define WEIR_TESTS_FAULT_WORKLOAD_H

#include "core/fault_injection.h"

#define SHAPE_N 960 /* x: 4x3x2x5x8 float32 (5-D: the shape lives on the heap) */
#define MAX_BRANCHES 3
#define MAX_OUT 2048
#define MAX_RUNS 20000 /* a loop that never stops firing is a failure, not a hang */

typedef struct {
  weir_device device;
  weir_status st;
  char msg[512];
  size_t nbytes[2];
  unsigned char values[2][MAX_OUT * 4];
} branch;

static weir_array *x_in; /* the shared input, on the cpu */

/* Makes x_in from fresh random values; false (message set) when weir cannot start. */
static bool workload_init(void) {
  float x[SHAPE_N];
  for (int i = 0; i < SHAPE_N; i++) x[i] = (float)h_rand_range(-3, 3);
  const int64_t shape[5] = {4, 3, 2, 5, 8};
  return weir_array_from_data(&x_in, x, shape, 5, WEIR_FLOAT32) == WEIR_OK;
}

/* One branch on a new stream of d: a fused elementwise chain, transpose, reshape, slice,
   concatenate, sort, cumsum, a 3-input where, a float16 matmul and a tostring. Its two outputs'
   bytes are copied into b->values. Returns the first failure (b->msg has its message). */
static weir_status run_branch(branch *b, weir_stream s) {
  weir_array *t[24] = {NULL};
  int n = 0;
  weir_status st;
  char *text = NULL;
#define TRY(call)                \
  do {                           \
    if ((st = (call)) != WEIR_OK) \
      goto done;                 \
  } while (0)
  weir_array *two, *one;
  TRY(weir_array_from_scalar(&two, 2.0, WEIR_FLOAT32));
  t[n++] = two;
  TRY(weir_array_from_scalar(&one, 1.0, WEIR_FLOAT32));
  t[n++] = one;
  weir_array *cx; /* the input on this branch's device */
  TRY(weir_copy(&cx, x_in, s));
  t[n++] = cx;
  weir_array *e, *y, *z;
  TRY(weir_sin(&e, cx, s));
  t[n++] = e;
  TRY(weir_multiply(&y, e, two, s));
  t[n++] = y;
  TRY(weir_add(&z, y, one, s));
  t[n++] = z;
  static const int perm[5] = {4, 3, 2, 1, 0};
  weir_array *tr, *flat, *sl, *cat;
  TRY(weir_transpose(&tr, z, perm, 5, s));
  t[n++] = tr;
  const int64_t flat_shape[1] = {SHAPE_N};
  TRY(weir_reshape(&flat, tr, flat_shape, 1, s));
  t[n++] = flat;
  const int64_t start[1] = {10}, stop[1] = {900}, step[1] = {3};
  TRY(weir_slice(&sl, flat, start, stop, step, s));
  t[n++] = sl;
  const weir_array *parts[3] = {sl, flat, sl};
  TRY(weir_concatenate(&cat, parts, 3, 0, s));
  t[n++] = cat;
  weir_array *sorted, *cs, *half, *gt, *w;
  TRY(weir_sort(&sorted, cat, 0, s));
  t[n++] = sorted;
  TRY(weir_cumsum(&cs, sorted, 0, false, true, s));
  t[n++] = cs;
  TRY(weir_array_from_scalar(&half, 300.0, WEIR_FLOAT32));
  t[n++] = half;
  TRY(weir_greater(&gt, cs, half, s));
  t[n++] = gt;
  TRY(weir_where(&w, gt, sorted, cs, s));
  t[n++] = w;
  weir_array *h, *hm, *hmt, *mm;
  const int64_t mat[2] = {30, 32};
  TRY(weir_astype(&h, cx, WEIR_FLOAT16, s));
  t[n++] = h;
  TRY(weir_reshape(&hm, h, mat, 2, s));
  t[n++] = hm;
  TRY(weir_transpose(&hmt, hm, NULL, 0, s));
  t[n++] = hmt;
  TRY(weir_matmul(&mm, hm, hmt, s));
  t[n++] = mm;
  weir_array *outs[2] = {w, mm};
  TRY(weir_async_eval(outs, 2));
  TRY(weir_eval(outs, 2));
  for (int k = 0; k < 2; k++) {
    const void *p;
    TRY(weir_array_data(outs[k], &p));
    b->nbytes[k] = weir_array_nbytes(outs[k]);
    memcpy(b->values[k], p, b->nbytes[k]);
  }
  TRY(weir_array_tostring(mm, &text));
  free(text);
done:
#undef TRY
  if (st != WEIR_OK) snprintf(b->msg, sizeof b->msg, "%s", weir_last_error());
  for (int i = n - 1; i >= 0; i--) weir_array_free(t[i]);
  return st;
}

/* Runs every branch on its own new stream. An error at the stream's synchronize counts as the
   branch's own (a fault may hit synchronize itself); reported to another branch, it shows as a
   second failed branch. */
static void run_workload(branch *br, int nb) {
  weir_memory_clear_cache(); /* so buffers come from the raw allocators, each run alike */
  for (int i = 0; i < nb; i++) {
    weir_stream s;
    br[i].msg[0] = 0;
    br[i].st = weir_stream_new(br[i].device, &s);
    if (br[i].st != WEIR_OK) {
      snprintf(br[i].msg, sizeof br[i].msg, "%s", weir_last_error());
      continue;
    }
    br[i].st = run_branch(&br[i], s);
    weir_status sync = weir_synchronize(s);
    if (br[i].st == WEIR_OK && sync != WEIR_OK) {
      br[i].st = sync;
      snprintf(br[i].msg, sizeof br[i].msg, "at synchronize: %s", weir_last_error());
    }
    weir_stream_free(s);
  }
}

static int branch_devices(weir_device *d) {
  int n = 0;
  d[n++] = WEIR_CPU_DEVICE;
  d[n++] = WEIR_CPU_DEVICE;
  if (weir_device_count(WEIR_GPU) > 0) d[n++] = WEIR_GPU_DEVICE(0);
  return n;
}

/* Whether msg contains one of the '|'-separated needles. */
static bool mentions(const char *msg, const char *needles) {
  for (const char *p = needles; *p;) {
    size_t n = strcspn(p, "|");
    char one[64];
    snprintf(one, sizeof one, "%.*s", (int)n, p);
    if (strstr(msg, one)) return true;
    p += n + (p[n] == '|');
  }
  return false;
}

typedef void (*arm_fn)(uint64_t n);
typedef bool (*fired_fn)(void);

/* The loop of the issue: for N = 1, 2, ... arm "fail the Nth event", run the workload, check,
   until a run completes without reaching the Nth event. Returns the number of faulted runs. */
static long fault_every_site(arm_fn arm, fired_fn fired, const weir_status *allowed, int nallowed,
                             const char *needle, const char *what) {
  weir_device devs[MAX_BRANCHES];
  int nb = branch_devices(devs);
  static branch ref[MAX_BRANCHES], br[MAX_BRANCHES];
  for (int i = 0; i < nb; i++) ref[i].device = br[i].device = devs[i];
  run_workload(ref, nb); /* warm-up (start-up allocations) and the reference */
  for (int i = 0; i < nb; i++)
    if (!CHECK_MSG(ref[i].st == WEIR_OK, "fault-free branch %d failed: %s", i, ref[i].msg)) return 0;
  /* work evaluated before the faults: must stay intact */
  weir_array *kept;
  const float *kept_data;
  static float kept_copy[SHAPE_N];
  CHECK_OK(weir_exp(&kept, x_in, WEIR_DEFAULT));
  CHECK_OK(weir_array_data(kept, (const void **)&kept_data));
  memcpy(kept_copy, kept_data, sizeof kept_copy);
  weir_memory_clear_cache();
  size_t base = weir_memory_active(), base_cpu = weir_memory_active_on(WEIR_CPU_DEVICE);
  long runs = 0, failed_runs = 0, absorbed = 0;
  for (uint64_t n = 1; n <= MAX_RUNS; n++) {
    arm(n);
    run_workload(br, nb);
    bool hit = fired();
    arm(0);
    runs++;
    if (getenv("WEIR_FAULTS_VERBOSE"))
      for (int i = 0; i < nb; i++)
        printf("  %s %llu%s: branch %d %s %s\n", what, (unsigned long long)n, hit ? " (hit)" : "", i,
               weir_status_name(br[i].st), br[i].msg);
    int nfailed = 0;
    for (int i = 0; i < nb; i++) {
      if (br[i].st == WEIR_OK) {
        for (int k = 0; k < 2; k++)
          CHECK_MSG(br[i].nbytes[k] == ref[i].nbytes[k] &&
                        memcmp(br[i].values[k], ref[i].values[k], ref[i].nbytes[k]) == 0,
                    "%s %llu: branch %d output %d differs from the fault-free run", what, (unsigned long long)n, i,
                    k);
        continue;
      }
      nfailed++;
      bool ok_status = false;
      for (int k = 0; k < nallowed; k++) ok_status |= br[i].st == allowed[k];
      CHECK_MSG(ok_status, "%s %llu: branch %d failed with %s: %s", what, (unsigned long long)n, i,
                weir_status_name(br[i].st), br[i].msg);
      CHECK_MSG(mentions(br[i].msg, needle), "%s %llu: branch %d's error should mention \"%s\": \"%s\"", what,
                (unsigned long long)n, i, needle, br[i].msg);
    }
    CHECK_MSG(nfailed <= 1, "%s %llu: one fault failed %d branches", what, (unsigned long long)n, nfailed);
    CHECK_MSG(!nfailed || hit, "%s %llu: a branch failed but no fault was injected", what, (unsigned long long)n);
    CHECK_OK(weir_synchronize_all());
    weir_memory_clear_cache();
    CHECK_MSG(weir_memory_active() == base && weir_memory_active_on(WEIR_CPU_DEVICE) == base_cpu,
              "%s %llu: active memory %zu (cpu %zu) after the run, %zu (cpu %zu) before", what,
              (unsigned long long)n, weir_memory_active(), weir_memory_active_on(WEIR_CPU_DEVICE), base, base_cpu);
    const float *kd;
    CHECK_OK(weir_array_data(kept, (const void **)&kd));
    bool intact = memcmp(kd, kept_copy, sizeof kept_copy) == 0;
    CHECK_MSG(intact, "%s %llu: an array evaluated before the fault changed", what, (unsigned long long)n);
    if (nfailed) failed_runs++;
    else if (hit) absorbed++;
    if (!hit) break;
    if (h_state.case_failed > 20) break; /* enough to go on */
  }
  /* recovery: a fault-free run gives the reference again */
  run_workload(br, nb);
  for (int i = 0; i < nb; i++)
    CHECK_MSG(br[i].st == WEIR_OK && memcmp(br[i].values[0], ref[i].values[0], ref[i].nbytes[0]) == 0 &&
                  memcmp(br[i].values[1], ref[i].values[1], ref[i].nbytes[1]) == 0,
              "after the %s loop, branch %d: %s", what, i, br[i].st == WEIR_OK ? "values differ" : br[i].msg);
  weir_array_free(kept);
  printf("  %s: %ld sites faulted in turn (%ld failed a branch with a clear error, %ld were absorbed: "
         "fallback or retry), %d branches\n",
         what, runs - 1, failed_runs, absorbed, nb);
  return runs - 1;
}

#endif
