/* CUDA devices: how many there are (0 without a driver or GPU) and what device_info reports. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "backend/cuda/cuda_internal.h"
#include "core/error_internal.h"

static pthread_once_t count_once = PTHREAD_ONCE_INIT;
static int device_count;

static void count_devices(void) {
  int n = 0;
  /* No driver, an old driver or no device: the library still works, on the CPU. */
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError();
    n = 0;
  }
  if (n < 0) n = 0;
  if (n > WEIR__CUDA_MAX_DEVICES) n = WEIR__CUDA_MAX_DEVICES;
  device_count = n;
}

int weir__cuda_device_count(void) {
  pthread_once(&count_once, count_devices);
  return device_count;
}

/* The fixed properties, read once per device (cudaGetDeviceProperties is not cheap). */
typedef struct device_props {
  bool loaded;
  char name[256];
  char pci_bus_id[32];
  unsigned char uuid[16];
  size_t total_memory;
  int major, minor, multiprocessors;
} device_props;

static pthread_mutex_t props_mu = PTHREAD_MUTEX_INITIALIZER;
static device_props props[WEIR__CUDA_MAX_DEVICES];

static weir_status load_props(int index, device_props *out) {
  weir_status st = WEIR_OK;
  pthread_mutex_lock(&props_mu);
  device_props *p = &props[index];
  if (!p->loaded) {
    struct cudaDeviceProp dp;
    st = WEIR__CUDA_CHECK(cudaGetDeviceProperties(&dp, index), "cudaGetDeviceProperties");
    if (st == WEIR_OK)
      st = WEIR__CUDA_CHECK(cudaDeviceGetPCIBusId(p->pci_bus_id, (int)sizeof p->pci_bus_id, index),
                            "cudaDeviceGetPCIBusId");
    if (st == WEIR_OK) {
      snprintf(p->name, sizeof p->name, "%s", dp.name);
      memcpy(p->uuid, dp.uuid.bytes, sizeof p->uuid);
      p->total_memory = dp.totalGlobalMem;
      p->major = dp.major;
      p->minor = dp.minor;
      p->multiprocessors = dp.multiProcessorCount;
      p->loaded = true;
    }
  }
  if (st == WEIR_OK) *out = *p;
  pthread_mutex_unlock(&props_mu);
  return st;
}

/* As nvidia-smi prints it: GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx. */
static void format_uuid(const unsigned char *u, char *buf, size_t n) {
  snprintf(buf, n, "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2],
           u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

weir_status weir__cuda_device_info(int index, weir_device_info *info) {
  if (index < 0 || index >= weir__cuda_device_count())
    return weir__fail(WEIR_ERR_INDEX, "Device(gpu, %d) does not exist", index);
  device_props p;
  weir_status st = load_props(index, &p);
  if (st != WEIR_OK) return st;
  /* Free memory changes with every allocation anywhere on the device: read it each time. */
  size_t free_bytes = 0, total_bytes = 0;
  int prev = weir__cuda_device_enter(index);
  st = WEIR__CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes), "cudaMemGetInfo");
  weir__cuda_device_restore(prev);
  if (st != WEIR_OK) return st;

  char arch[32], uuid[64];
  snprintf(arch, sizeof arch, "sm_%d%d", p.major, p.minor);
  format_uuid(p.uuid, uuid, sizeof uuid);
  st = weir__device_info_set_string(info, "device_name", p.name);
  if (st == WEIR_OK) st = weir__device_info_set_string(info, "architecture", arch);
  if (st == WEIR_OK) st = weir__device_info_set_int(info, "total_memory", (int64_t)p.total_memory);
  if (st == WEIR_OK) st = weir__device_info_set_int(info, "free_memory", (int64_t)free_bytes);
  if (st == WEIR_OK) st = weir__device_info_set_int(info, "compute_capability_major", p.major);
  if (st == WEIR_OK) st = weir__device_info_set_int(info, "compute_capability_minor", p.minor);
  if (st == WEIR_OK) st = weir__device_info_set_string(info, "uuid", uuid);
  if (st == WEIR_OK) st = weir__device_info_set_string(info, "pci_bus_id", p.pci_bus_id);
  if (st == WEIR_OK) st = weir__device_info_set_int(info, "multiprocessor_count", p.multiprocessors);
  return st;
}
