/* Internal constructor of the device info map (core/device_info.c). */
#ifndef WEIR_CORE_DEVICE_INFO_INTERNAL_H
#define WEIR_CORE_DEVICE_INFO_INTERNAL_H

#include "weir/device.h"

weir_device_info *weir__device_info_new(void); /* NULL when out of memory */

#endif
