/* Seed 002 ("Devices" > "device_info"):

   import mlx.core as mx

   info = mx.device_info(mx.gpu)
   print(info)
   # Returns device-specific information like memory, architecture, etc.

   Prints the info map the way Python prints a dict:
   {'device_name': '...', 'architecture': '...', 'total_memory': 85031714816, ...}
   The values depend on the machine (expected output: #any). Without a GPU the CPU is queried. */
#include "example_util.h"

/* A Python str repr in single quotes: backslash and quote escaped, control bytes as \xNN. */
static void print_py_str(const char *s) {
  putchar('\'');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '\\' || *p == '\'') printf("\\%c", *p);
    else if (*p == '\n') printf("\\n");
    else if (*p == '\t') printf("\\t");
    else if (*p < 0x20 || *p == 0x7f) printf("\\x%02x", *p);
    else putchar(*p);
  }
  putchar('\'');
}

int main(void) {
  weir_device gpu = wx_gpu_or_cpu();
  weir_device_info *info = NULL;
  WX_CHECK(weir_device_info_get(gpu, &info));

  size_t n = weir_device_info_count(info);
  printf("{");
  for (size_t i = 0; i < n; i++) {
    const char *key = weir_device_info_key(info, i);
    if (key == NULL) {
      fprintf(stderr, "weir_device_info_key(%zu) returned NULL\n", i);
      weir_device_info_free(info);
      return 1;
    }
    if (i) printf(", ");
    print_py_str(key);
    printf(": ");
    if (weir_device_info_is_string(info, key)) {
      const char *v = weir_device_info_string(info, key);
      print_py_str(v ? v : "");
    } else {
      int64_t v = 0;
      weir_status st = weir_device_info_int(info, key, &v);
      if (st != WEIR_OK) {
        fprintf(stderr, "\nweir_device_info_int(%s) failed: %s\n", key, weir_last_error());
        weir_device_info_free(info);
        return 1;
      }
      printf("%lld", (long long)v);
    }
  }
  printf("}\n");
  weir_device_info_free(info);
  return 0;
}
