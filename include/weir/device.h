/* weir — devices: cpu (count 1) and gpu:k (CUDA). Devices are values; nothing to free. */
#ifndef WEIR_DEVICE_H
#define WEIR_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum weir_device_type { WEIR_DEVICE_DEFAULT = 0, WEIR_CPU = 1, WEIR_GPU = 2 } weir_device_type;
typedef struct weir_device {
  weir_device_type type;
  int index;
} weir_device;
#define WEIR_CPU_DEVICE ((weir_device){WEIR_CPU, 0})
#define WEIR_GPU_DEVICE(k) ((weir_device){WEIR_GPU, (k)})

int weir_device_count(weir_device_type type); /* cpu: 1; gpu: 0..n (0 without driver or GPU) */
bool weir_device_is_available(weir_device d);
bool weir_device_equal(weir_device a, weir_device b); /* after resolving WEIR_DEVICE_DEFAULT */
weir_device weir_default_device(void);               /* this thread's effective default */
weir_status weir_set_default_device(weir_device d);  /* process-wide; validated */
int weir_device_tostring(weir_device d, char *buf, size_t n); /* "Device(gpu, 0)"; snprintf-style */

/* Device information: an opaque key -> string|integer map. Keys: device_name, architecture,
   and for GPUs total_memory, free_memory, compute_capability_major/minor, uuid, pci_bus_id,
   multiprocessor_count. */
typedef struct weir_device_info weir_device_info;
weir_status weir_device_info_get(weir_device d, weir_device_info **out);
void weir_device_info_free(weir_device_info *info);
size_t weir_device_info_count(const weir_device_info *info);
const char *weir_device_info_key(const weir_device_info *info, size_t i);
bool weir_device_info_is_string(const weir_device_info *info, const char *key);
const char *weir_device_info_string(const weir_device_info *info, const char *key); /* NULL if absent */
/* WEIR_ERR_INVALID_ARGUMENT when the key is absent, WEIR_ERR_TYPE when it holds a string. */
weir_status weir_device_info_int(const weir_device_info *info, const char *key, int64_t *out);

#ifdef __cplusplus
}
#endif
#endif
