/* Devices: the cpu and the CUDA GPUs, the process-wide and per-thread default device, device
   info, and start-up (WEIR_DEVICE). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/device_info_internal.h"
#include "core/error_internal.h"
#include "core/runtime.h"
#include "core/buffer.h"
#include "core/thread_defaults.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int gpu_count;
static _Atomic int default_type = WEIR_CPU; /* process-wide default device */
static _Atomic int default_index = 0;

void weir__streams_init(void); /* stream.c */
int weir__gpu_count_at_init(void) { return gpu_count; }

static void init_runtime(void) {
  const weir__backend *g = weir__backend_cuda();
  gpu_count = g ? g->device_count() : 0;
  if (gpu_count < 0) gpu_count = 0;
  if (gpu_count > WEIR__MAX_GPUS) gpu_count = WEIR__MAX_GPUS;
  if (gpu_count > 0) atomic_store(&default_type, WEIR_GPU);
  const char *env = getenv("WEIR_DEVICE");
  if (env && strcmp(env, "cpu") == 0) atomic_store(&default_type, WEIR_CPU);
  else if (env && strcmp(env, "gpu") == 0 && gpu_count > 0) atomic_store(&default_type, WEIR_GPU);
  else if (env && *env && strcmp(env, "gpu") != 0)
    fprintf(stderr, "weir: ignoring WEIR_DEVICE=%s (expected cpu or gpu)\n", env);
  weir__streams_init();
}

void weir__runtime_init(void) { pthread_once(&init_once, init_runtime); }

int weir__gpu_count(void) {
  weir__runtime_init();
  return gpu_count;
}

int weir_device_count(weir_device_type type) {
  weir__runtime_init();
  if (type == WEIR_CPU) return 1;
  if (type == WEIR_GPU) return gpu_count;
  return 0;
}

bool weir_device_is_available(weir_device d) {
  weir__runtime_init();
  if (d.type == WEIR_DEVICE_DEFAULT) return true;
  if (d.type == WEIR_CPU) return d.index == 0;
  if (d.type == WEIR_GPU) return d.index >= 0 && d.index < gpu_count;
  return false;
}

weir_status weir__check_device(weir_device d, const char *what) {
  weir__runtime_init();
  if (d.type != WEIR_CPU && d.type != WEIR_GPU)
    return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "%s: unknown device type %d (expected WEIR_CPU or WEIR_GPU)",
                      what, (int)d.type);
  if (weir_device_is_available(d)) return WEIR_OK;
  if (d.type == WEIR_CPU)
    return weir__fail(WEIR_ERR_INDEX, "%s: Device(cpu, %d) does not exist: the cpu is Device(cpu, 0)", what,
                      d.index);
  if (gpu_count == 0)
    return weir__fail(WEIR_ERR_INDEX, "%s: Device(gpu, %d) does not exist: this machine has no GPU%s", what, d.index,
                      weir__backend_cuda() ? "" : " (weir was built without CUDA)");
  return weir__fail(WEIR_ERR_INDEX, "%s: Device(gpu, %d) does not exist: this machine has %d GPU%s", what, d.index,
                    gpu_count, gpu_count == 1 ? "" : "s");
}

weir_device weir_default_device(void) {
  weir__runtime_init();
  weir_device d;
  if (weir__thread_default_device(&d)) return d;
  return (weir_device){(weir_device_type)atomic_load(&default_type), atomic_load(&default_index)};
}

weir_status weir_set_default_device(weir_device d) {
  weir_status st = weir__check_device(d, "weir_set_default_device");
  if (st != WEIR_OK) return st;
  atomic_store(&default_type, (int)d.type);
  atomic_store(&default_index, d.index);
  return WEIR_OK;
}

static weir_device resolve_device(weir_device d) {
  return d.type == WEIR_DEVICE_DEFAULT ? weir_default_device() : d;
}

bool weir_device_equal(weir_device a, weir_device b) {
  a = resolve_device(a);
  b = resolve_device(b);
  return a.type == b.type && a.index == b.index;
}

int weir_device_tostring(weir_device d, char *buf, size_t n) {
  if (d.type == WEIR_DEVICE_DEFAULT) d = weir_default_device();
  const char *t = d.type == WEIR_CPU ? "cpu" : d.type == WEIR_GPU ? "gpu" : "default";
  if (!buf) n = 0;
  return snprintf(buf, n, "Device(%s, %d)", t, d.index);
}

weir_status weir_device_info_get(weir_device d, weir_device_info **out) {
  if (!out) return weir__null_arg("weir_device_info_get", "out");
  d = resolve_device(d);
  weir_status st = weir__check_device(d, "weir_device_info_get");
  if (st != WEIR_OK) return st;
  weir_device_info *info = weir__device_info_new();
  if (!info) return weir__fail(WEIR_ERR_OUT_OF_MEMORY, "weir_device_info_get: out of memory");
  const weir__backend *b = d.type == WEIR_GPU ? weir__backend_cuda() : weir__backend_cpu();
  st = b->device_info(d.index, info);
  if (st != WEIR_OK) {
    weir_device_info_free(info);
    return st;
  }
  *out = info;
  return WEIR_OK;
}
