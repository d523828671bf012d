/* The device information map: keys in insertion order, each value a string or an int64.
   Maps hold about ten keys, so lookups are linear scans. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "backend/backend.h"
#include "core/device_info_internal.h"
#include "core/error_internal.h"

typedef struct info_entry {
  char *key;
  bool is_string;
  char *str; /* when is_string */
  int64_t num;
} info_entry;

struct weir_device_info {
  info_entry *entries;
  size_t count, cap;
};

weir_device_info *weir__device_info_new(void) { return weir__calloc(1, sizeof(weir_device_info)); }

void weir_device_info_free(weir_device_info *info) {
  if (!info) return;
  for (size_t i = 0; i < info->count; i++) {
    free(info->entries[i].key);
    free(info->entries[i].str);
  }
  free(info->entries);
  free(info);
}

static info_entry *find(const weir_device_info *info, const char *key) {
  if (!info || !key) return NULL;
  for (size_t i = 0; i < info->count; i++)
    if (strcmp(info->entries[i].key, key) == 0) return &info->entries[i];
  return NULL;
}

static char *dup_str(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = weir__malloc(n);
  if (p) memcpy(p, s, n);
  return p;
}

/* The entry for key, appended (value unset) when absent; NULL when out of memory. */
static info_entry *find_or_add(weir_device_info *info, const char *key) {
  info_entry *e = find(info, key);
  if (e) return e;
  if (info->count == info->cap) {
    size_t cap = info->cap ? info->cap * 2 : 16;
    info_entry *p = weir__realloc(info->entries, cap * sizeof(info_entry));
    if (!p) return NULL;
    info->entries = p;
    info->cap = cap;
  }
  char *k = dup_str(key);
  if (!k) return NULL;
  e = &info->entries[info->count++];
  e->key = k;
  e->is_string = false;
  e->str = NULL;
  e->num = 0;
  return e;
}

weir_status weir__device_info_set_string(weir_device_info *info, const char *key, const char *value) {
  if (!info) return weir__null_arg("weir__device_info_set_string", "info");
  if (!key) return weir__null_arg("weir__device_info_set_string", "key");
  if (!value) return weir__null_arg("weir__device_info_set_string", "value");
  char *v = dup_str(value); /* before touching the map, so failure leaves it unchanged */
  if (!v) return weir__fail(WEIR_ERR_OUT_OF_MEMORY, "out of memory storing device info key '%s'", key);
  info_entry *e = find_or_add(info, key);
  if (!e) {
    free(v);
    return weir__fail(WEIR_ERR_OUT_OF_MEMORY, "out of memory storing device info key '%s'", key);
  }
  free(e->str);
  e->str = v;
  e->is_string = true;
  e->num = 0;
  return WEIR_OK;
}

weir_status weir__device_info_set_int(weir_device_info *info, const char *key, int64_t value) {
  if (!info) return weir__null_arg("weir__device_info_set_int", "info");
  if (!key) return weir__null_arg("weir__device_info_set_int", "key");
  info_entry *e = find_or_add(info, key);
  if (!e) return weir__fail(WEIR_ERR_OUT_OF_MEMORY, "out of memory storing device info key '%s'", key);
  free(e->str);
  e->str = NULL;
  e->is_string = false;
  e->num = value;
  return WEIR_OK;
}

size_t weir_device_info_count(const weir_device_info *info) { return info ? info->count : 0; }

const char *weir_device_info_key(const weir_device_info *info, size_t i) {
  return info && i < info->count ? info->entries[i].key : NULL;
}

bool weir_device_info_is_string(const weir_device_info *info, const char *key) {
  const info_entry *e = find(info, key);
  return e && e->is_string;
}

const char *weir_device_info_string(const weir_device_info *info, const char *key) {
  const info_entry *e = find(info, key);
  return e && e->is_string ? e->str : NULL;
}

weir_status weir_device_info_int(const weir_device_info *info, const char *key, int64_t *out) {
  if (!info) return weir__null_arg("weir_device_info_int", "info");
  if (!key) return weir__null_arg("weir_device_info_int", "key");
  if (!out) return weir__null_arg("weir_device_info_int", "out");
  const info_entry *e = find(info, key);
  if (!e) return weir__fail(WEIR_ERR_INVALID_ARGUMENT, "device info has no key '%s'", key);
  if (e->is_string)
    return weir__fail(WEIR_ERR_TYPE,
                      "device info key '%s' holds a string (\"%s\"), not an integer; "
                      "use weir_device_info_string",
                      key, e->str);
  *out = e->num;
  return WEIR_OK;
}
