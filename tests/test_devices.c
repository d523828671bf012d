/* Devices: counts, availability, equality, the default device (and WEIR_DEVICE at start-up),
   validation of every index, printing, device_info. */
#include "harness.h"

#include <pthread.h>
#include <sys/wait.h>

static int g_ngpu;

static void test_counts(void) {
  CHECK_EQ_INT(weir_device_count(WEIR_CPU), 1);
  g_ngpu = weir_device_count(WEIR_GPU);
  CHECK(g_ngpu >= 0);
  CHECK(weir_device_is_available(WEIR_CPU_DEVICE));
  CHECK(!weir_device_is_available((weir_device){WEIR_CPU, 1}));
  CHECK(!weir_device_is_available((weir_device){WEIR_CPU, -1}));
  for (int k = 0; k < g_ngpu; k++) CHECK_MSG(weir_device_is_available(WEIR_GPU_DEVICE(k)), "gpu:%d", k);
  CHECK(!weir_device_is_available(WEIR_GPU_DEVICE(g_ngpu)));
  CHECK(!weir_device_is_available(WEIR_GPU_DEVICE(-1)));
  CHECK(!weir_device_is_available((weir_device){(weir_device_type)9, 0}));
}

static void test_equal(void) {
  CHECK(weir_device_equal(WEIR_CPU_DEVICE, WEIR_CPU_DEVICE));
  CHECK(!weir_device_equal(WEIR_CPU_DEVICE, WEIR_GPU_DEVICE(0)));
  CHECK(!weir_device_equal(WEIR_GPU_DEVICE(0), WEIR_GPU_DEVICE(1)));
  weir_device def = weir_default_device();
  weir_device unresolved = {WEIR_DEVICE_DEFAULT, 0};
  CHECK(weir_device_equal(unresolved, def));
  CHECK(weir_device_equal(def, unresolved));
}

static void test_default_device(void) {
  weir_device def = weir_default_device();
  const char *env = getenv("WEIR_DEVICE");
  if (env && strcmp(env, "cpu") == 0) {
    CHECK_EQ_INT(def.type, WEIR_CPU);
  } else if (!env) {
    /* gpu:0 when one is available, else cpu */
    CHECK_EQ_INT(def.type, g_ngpu > 0 ? WEIR_GPU : WEIR_CPU);
  }
  CHECK_EQ_INT(def.index, 0);
  CHECK(def.type != WEIR_DEVICE_DEFAULT); /* the effective default is resolved */

  /* set_default_device: validated, process-wide */
  CHECK_OK(weir_set_default_device(WEIR_CPU_DEVICE));
  CHECK(weir_device_equal(weir_default_device(), WEIR_CPU_DEVICE));
  CHECK_STATUS(weir_set_default_device((weir_device){WEIR_CPU, 1}), WEIR_ERR_INDEX);
  CHECK_ERR_MENTIONS("cpu");
  CHECK_STATUS(weir_set_default_device(WEIR_GPU_DEVICE(7 + g_ngpu)), WEIR_ERR_INDEX);
  CHECK_ERR_MENTIONS("gpu");
  CHECK(weir_device_equal(weir_default_device(), WEIR_CPU_DEVICE)); /* unchanged by failed calls */
  weir_status st = weir_set_default_device((weir_device){(weir_device_type)9, 0});
  CHECK_MSG(st == WEIR_ERR_INVALID_ARGUMENT || st == WEIR_ERR_INDEX, "bad device type -> %s", weir_status_name(st));
  CHECK(weir_last_error()[0] != 0);
  if (g_ngpu > 0) {
    CHECK_OK(weir_set_default_device(WEIR_GPU_DEVICE(0)));
    CHECK(weir_device_equal(weir_default_device(), WEIR_GPU_DEVICE(0)));
  }
  CHECK_OK(weir_set_default_device(def));
  CHECK(weir_device_equal(weir_default_device(), def));

  /* an op with WEIR_DEFAULT lands on the default device */
  weir_array *z = NULL;
  int64_t shape[1] = {3};
  if (CHECK_OK(weir_zeros(&z, shape, 1, WEIR_FLOAT32, WEIR_DEFAULT))) {
    weir_stream s = weir_array_stream(z);
    CHECK(weir_device_equal(s.device, def));
    CHECK(s.index > 0);
  }
  weir_array_free(z);
}

/* Process-wide default set from another thread is seen by this one. */
static void *set_cpu_thread(void *arg) {
  (void)arg;
  weir_status st = weir_set_default_device(WEIR_CPU_DEVICE);
  return (void *)(intptr_t)st;
}
static void test_default_is_process_wide(void) {
  weir_device def = weir_default_device();
  pthread_t t;
  void *ret = NULL;
  pthread_create(&t, NULL, set_cpu_thread, NULL);
  pthread_join(t, &ret);
  CHECK_EQ_INT((intptr_t)ret, WEIR_OK);
  CHECK(weir_device_equal(weir_default_device(), WEIR_CPU_DEVICE));
  CHECK_OK(weir_set_default_device(def));
}

static void test_tostring(void) {
  char buf[64];
  int n = weir_device_tostring(WEIR_CPU_DEVICE, buf, sizeof buf);
  CHECK_STR(buf, "Device(cpu, 0)");
  CHECK_EQ_INT(n, (int)strlen("Device(cpu, 0)"));
  weir_device_tostring(WEIR_GPU_DEVICE(1), buf, sizeof buf);
  CHECK_STR(buf, "Device(gpu, 1)");
  weir_device_tostring(WEIR_GPU_DEVICE(0), buf, sizeof buf);
  CHECK_STR(buf, "Device(gpu, 0)");
  /* snprintf-style: truncates, still returns the full length, always terminates */
  char small[8];
  memset(small, 'x', sizeof small);
  n = weir_device_tostring(WEIR_CPU_DEVICE, small, sizeof small);
  CHECK_EQ_INT(n, 14);
  CHECK_STR(small, "Device(");
  n = weir_device_tostring(WEIR_CPU_DEVICE, NULL, 0);
  CHECK_EQ_INT(n, 14);
  /* the default device prints as what it resolves to */
  char want[64];
  weir_device_tostring(weir_default_device(), want, sizeof want);
  weir_device_tostring((weir_device){WEIR_DEVICE_DEFAULT, 0}, buf, sizeof buf);
  CHECK_STR(buf, want);
}

static void test_info(void) {
  weir_device_info *info = NULL;
  if (CHECK_OK(weir_device_info_get(WEIR_CPU_DEVICE, &info)) && info) {
    size_t n = weir_device_info_count(info);
    CHECK(n >= 2);
    bool has_name = false, has_arch = false;
    for (size_t i = 0; i < n; i++) {
      const char *k = weir_device_info_key(info, i);
      CHECK_MSG(k && *k, "key %zu", i);
      if (!k) continue;
      if (strcmp(k, "device_name") == 0) has_name = true;
      if (strcmp(k, "architecture") == 0) has_arch = true;
      if (weir_device_info_is_string(info, k)) {
        CHECK_MSG(weir_device_info_string(info, k) != NULL, "string value of %s", k);
      } else {
        int64_t v = -1;
        CHECK_OK(weir_device_info_int(info, k, &v));
      }
    }
    CHECK(has_name);
    CHECK(has_arch);
    CHECK(weir_device_info_is_string(info, "device_name"));
    const char *name = weir_device_info_string(info, "device_name");
    CHECK(name && *name);
    CHECK(weir_device_info_string(info, "no_such_key") == NULL);
    CHECK(!weir_device_info_is_string(info, "no_such_key"));
    int64_t v = 0;
    CHECK_STATUS(weir_device_info_int(info, "no_such_key", &v), WEIR_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(weir_device_info_int(info, "device_name", &v), WEIR_ERR_TYPE); /* a string, not an integer */
    CHECK(weir_device_info_key(info, n) == NULL);
    weir_device_info_free(info);
  }
  weir_device_info_free(NULL);

  info = NULL;
  CHECK_STATUS(weir_device_info_get((weir_device){WEIR_CPU, 1}, &info), WEIR_ERR_INDEX);
  CHECK(info == NULL);
  CHECK_STATUS(weir_device_info_get(WEIR_GPU_DEVICE(7 + g_ngpu), &info), WEIR_ERR_INDEX);
  CHECK_ERR_MENTIONS("gpu");
  CHECK(info == NULL);
  CHECK_STATUS(weir_device_info_get(WEIR_CPU_DEVICE, NULL), WEIR_ERR_INVALID_ARGUMENT);
  CHECK_ERR_MENTIONS("NULL");

  for (int k = 0; k < g_ngpu; k++) {
    info = NULL;
    if (!CHECK_OK(weir_device_info_get(WEIR_GPU_DEVICE(k), &info)) || !info) continue;
    static const char *ints[] = {"total_memory", "free_memory", "compute_capability_major",
                                 "compute_capability_minor", "multiprocessor_count"};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
      int64_t v = -1;
      weir_status st = weir_device_info_int(info, ints[i], &v);
      bool may_be_zero = strcmp(ints[i], "compute_capability_minor") == 0; /* 9.0 on an H100 */
      CHECK_MSG(st == WEIR_OK && (may_be_zero ? v >= 0 : v > 0), "gpu:%d %s = %lld (%s)", k, ints[i], (long long)v,
                weir_status_name(st));
    }
    static const char *strs[] = {"device_name", "architecture", "uuid", "pci_bus_id"};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
      CHECK_MSG(weir_device_info_string(info, strs[i]) != NULL, "gpu:%d %s", k, strs[i]);
    weir_device_info_free(info);
  }
}

/* WEIR_DEVICE=cpu at start-up makes cpu the default even where a GPU exists; an invalid value is
   not a crash. Runs this binary again with --print-default. */
static int child_default(const char *env_value, char *out, size_t n) {
  int fd[2];
  if (pipe(fd) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fd[1], 1);
    close(fd[0]);
    if (env_value) setenv("WEIR_DEVICE", env_value, 1);
    else unsetenv("WEIR_DEVICE");
    execl("/proc/self/exe", "test_devices", "--print-default", (char *)NULL);
    _exit(127);
  }
  close(fd[1]);
  size_t got = 0;
  ssize_t r;
  while (got + 1 < n && (r = read(fd[0], out + got, n - 1 - got)) > 0) got += (size_t)r;
  out[got] = 0;
  close(fd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void test_env_device(void) {
  char out[256];
  int rc = child_default("cpu", out, sizeof out);
  CHECK_EQ_INT(rc, 0);
  CHECK_MSG(strstr(out, "Device(cpu, 0)") != NULL, "WEIR_DEVICE=cpu child printed \"%s\"", out);
  rc = child_default(NULL, out, sizeof out);
  CHECK_EQ_INT(rc, 0);
  CHECK_MSG(strstr(out, g_ngpu > 0 ? "Device(gpu, 0)" : "Device(cpu, 0)") != NULL, "no WEIR_DEVICE: \"%s\"", out);
  rc = child_default("gpu", out, sizeof out);
  CHECK_EQ_INT(rc, 0); /* without a GPU: falls back or reports, but never crashes */
  if (g_ngpu > 0) CHECK_MSG(strstr(out, "Device(gpu, 0)") != NULL, "WEIR_DEVICE=gpu: \"%s\"", out);
  rc = child_default("bogus", out, sizeof out);
  CHECK_EQ_INT(rc, 0);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--print-default") == 0) {
    char buf[64];
    weir_device_tostring(weir_default_device(), buf, sizeof buf);
    weir_array *z = NULL;
    int64_t shape[1] = {2};
    double v = -1;
    weir_array *s = NULL;
    /* the library works from this process too */
    if (weir_zeros(&z, shape, 1, WEIR_FLOAT32, weir_on(WEIR_CPU_DEVICE)) != WEIR_OK) return 2;
    if (weir_sum(&s, z, NULL, 0, false, weir_on(WEIR_CPU_DEVICE)) != WEIR_OK) return 3;
    if (weir_array_item_double(s, &v) != WEIR_OK || v != 0) return 4;
    weir_array_free(s);
    weir_array_free(z);
    printf("%s\n", buf);
    return 0;
  }
  h_init("test_devices");
  H_RUN(test_counts);
  H_RUN(test_equal);
  H_RUN(test_default_device);
  H_RUN(test_default_is_process_wide);
  H_RUN(test_tostring);
  H_RUN(test_info);
  H_RUN(test_env_device);
  return h_finish();
}
