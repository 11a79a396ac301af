// SPDX-License-Identifier: GPL-2.0
/*
 * The module itself: parameters in sysfs, unloading refused while a file
 * is open, parameter validation at load.  These cases run last; every case
 * that unloads or reloads the module puts it back, loaded from $KT_MODULE
 * with $KT_PARAMS, before it ends (also when it fails).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KT_GROUP 90
#include "harness.h"

static const char *const param_names[] = {
	"capacity", "max_msg", "max_rooms", "policy", "room_mode",
	"max_rooms_per_user",
};

static bool module_loaded(void)
{
	return access("/sys/module/kerneltalk", F_OK) == 0;
}

static const char *module_file(void)
{
	const char *p = getenv("KT_MODULE");

	if (!p || !*p)
		kt_skip("KT_MODULE not set (the VM harness sets it)");
	return p;
}

static const char *module_params(void)
{
	const char *p = getenv("KT_PARAMS");

	return p ? p : "";
}

static int module_load(const char *params)
{
	int fd = open(module_file(), O_RDONLY | O_CLOEXEC);
	int r, e;

	ASSERT_OK(fd);
	r = syscall(SYS_finit_module, fd, params, 0);
	e = errno;
	close(fd);
	errno = e;
	return r;
}

static int module_unload(void)
{
	return syscall(SYS_delete_module, "kerneltalk", O_NONBLOCK);
}

/* The device node follows the module (devtmpfs); allow it a moment. */
static bool wait_for_device(bool present)
{
	long long deadline = kt_mono_ms() + 3000;

	while ((access(kt_dev_path, F_OK) == 0) != present) {
		if (kt_mono_ms() > deadline)
			return false;
		kt_msleep(10);
	}
	return true;
}

static bool module_dirty;

/* Deferred: back to the module the harness loaded, whatever happened. */
static void module_restore(void *unused)
{
	(void)unused;
	if (module_loaded() && !module_dirty && wait_for_device(true))
		return;
	close_range(3, ~0U, 0);		/* our own members would block rmmod */
	if (module_loaded() && module_unload())
		kt_fail(__FILE__, __LINE__, "restore: rmmod: %s",
			kt_errname(errno));
	if (module_load(module_params()))
		kt_fail(__FILE__, __LINE__, "restore: insmod %s %s: %s",
			module_file(), module_params(), kt_errname(errno));
	else if (!wait_for_device(true))
		kt_fail(__FILE__, __LINE__, "restore: %s did not come back",
			kt_dev_path);
	module_dirty = false;
}

/* Start of a case that changes the module: it will be restored. */
static void module_take(void)
{
	module_file();		/* skip early without KT_MODULE */
	kt_defer(module_restore, NULL);
}

/* Unload (asserting it works) for cases that load their own parameters. */
static void module_unload_for_case(void)
{
	module_take();
	module_dirty = true;
	if (module_loaded())
		ASSERT_OK(module_unload());
	ASSERT_TRUE(wait_for_device(false));
}

/* ---- parameters ---------------------------------------------------------------- */

KT_TEST(module_params_in_sysfs)
{
	struct kerneltalk_room_info info;
	char path[128], *params, *tok, *save = NULL;
	struct kt_node node;
	struct stat st;
	size_t i;
	int fd;

	for (i = 0; i < sizeof(param_names) / sizeof(param_names[0]); i++) {
		snprintf(path, sizeof(path),
			 "/sys/module/kerneltalk/parameters/%s", param_names[i]);
		if (stat(path, &st)) {
			kt_fail(__FILE__, __LINE__, "%s: %s", path,
				kt_errname(errno));
			continue;
		}
		EXPECT_EQ(0444, st.st_mode & 07777);
		EXPECT_TRUE(kt_param(param_names[i]) >= 0);
	}
	EXPECT_TRUE(kt_param("capacity") >= KT_HDR + kt_param("max_msg"));
	EXPECT_TRUE(kt_param("capacity") <= 16 << 20);
	EXPECT_TRUE(kt_param("max_rooms") >= 1 && kt_param("max_rooms") <= 4096);
	EXPECT_TRUE(kt_param("policy") == 0 || kt_param("policy") == 1);
	EXPECT_TRUE(kt_param("room_mode") >= 0 && kt_param("room_mode") <= 0777);
	EXPECT_TRUE(kt_param("max_rooms_per_user") >= 1 &&
		    kt_param("max_rooms_per_user") <= 4096);
	/* stall_ms is the one root may change at run time (new rooms) */
	if (stat("/sys/module/kerneltalk/parameters/stall_ms", &st))
		kt_fail(__FILE__, __LINE__, "stall_ms: %s", kt_errname(errno));
	else
		EXPECT_EQ(0644, st.st_mode & 07777);
	if (!strstr(module_params(), "stall_ms="))
		EXPECT_EQ(10000, kt_param("stall_ms"));

	/* a new room gets them */
	kt_node_new(&node);
	fd = kt_open(node.path, O_RDWR);
	kt_info(fd, &info);
	EXPECT_EQ(kt_param("capacity"), info.capacity);
	EXPECT_EQ(kt_param("max_msg"), info.max_msg);
	EXPECT_EQ(kt_param("policy"), info.policy);

	/* and they are what the harness asked for */
	params = strdup(module_params());
	for (tok = strtok_r(params, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq)
			continue;
		*eq = '\0';
		EXPECT_EQ(strtol(eq + 1, NULL, 0), kt_param(tok));
	}
	free(params);
}

/* ---- unloading ------------------------------------------------------------------- */

KT_TEST(rmmod_refused_while_file_open)
{
	char name[KERNELTALK_NAME_MAX];
	struct kt_node node;
	int fd, fd2;

	module_take();
	kt_node_new(&node);
	fd = kt_open(kt_dev_path, O_RDWR);
	/* the kernel's answer to delete_module(O_NONBLOCK) on a busy module */
	EXPECT_ERRNO(EWOULDBLOCK, module_unload());
	EXPECT_TRUE(module_loaded());
	kt_post(fd, "still loaded");
	close(fd);

	/* a member of a named room through another node holds it too */
	fd2 = kt_open(node.path, O_WRONLY);
	kt_room_name(name, "pin");
	kt_join(fd2, name);
	EXPECT_ERRNO(EWOULDBLOCK, module_unload());
	EXPECT_TRUE(module_loaded());
	kt_post(fd2, "still loaded");
	close(fd2);
}

/*
 * With no file open rmmod works even though rooms keep messages; they go
 * with the module.  A fresh load has no rooms.
 */
KT_TEST_T(rmmod_after_close_frees_everything, 60)
{
	char name[KERNELTALK_NAME_MAX];
	struct kerneltalk_room_info info;
	int fd;

	module_take();
	fd = kt_open(kt_dev_path, O_WRONLY);
	kt_room_name(name, "unload");
	kt_join(fd, name);
	kt_post(fd, "kept until unload");
	close(fd);

	module_dirty = true;
	ASSERT_EQ(0, module_unload());
	EXPECT_FALSE(module_loaded());
	EXPECT_TRUE(wait_for_device(false));
	EXPECT_TRUE(access("/proc/kerneltalk", F_OK) == -1 && errno == ENOENT);

	ASSERT_EQ(0, module_load(module_params()));
	module_dirty = false;
	ASSERT_TRUE(wait_for_device(true));
	EXPECT_EQ(0, kt_proc_rooms());
	fd = kt_open(kt_dev_path, O_RDONLY);
	kt_join(fd, name);
	kt_info(fd, &info);
	EXPECT_EQ(0, info.posted);
	EXPECT_EQ(1, info.next_seq);
	close(fd);
}

/* ---- parameter validation --------------------------------------------------------- */

static void expect_load_rejected(const char *params)
{
	module_unload_for_case();
	EXPECT_ERRNO(EINVAL, module_load(params));
	EXPECT_FALSE(module_loaded());
	EXPECT_FALSE(access(kt_dev_path, F_OK) == 0);
}

#define KT_REJECT(tname, params)					\
	KT_TEST_T(tname, 60)						\
	{								\
		expect_load_rejected(params);				\
	}

KT_REJECT(insmod_rejects_capacity_0, "capacity=0")
KT_REJECT(insmod_rejects_max_msg_0, "max_msg=0")
KT_REJECT(insmod_rejects_max_rooms_0, "max_rooms=0")
KT_REJECT(insmod_rejects_policy_7, "policy=7")
KT_REJECT(insmod_rejects_policy_2, "policy=2")
KT_REJECT(insmod_rejects_max_msg_over_capacity, "capacity=4096 max_msg=8192")
KT_REJECT(insmod_rejects_capacity_below_one_record,
	  "capacity=4151 max_msg=4096")
KT_REJECT(insmod_rejects_capacity_over_16m, "capacity=16777217")
KT_REJECT(insmod_rejects_max_rooms_over_4096, "max_rooms=4097")
KT_REJECT(insmod_rejects_room_mode_over_0777, "room_mode=01000")
KT_REJECT(insmod_rejects_max_rooms_per_user_0, "max_rooms_per_user=0")
KT_REJECT(insmod_rejects_max_rooms_per_user_over_4096,
	  "max_rooms_per_user=4097")
KT_REJECT(insmod_rejects_stall_ms_over_a_day, "stall_ms=86400001")
/*
 * capacity must hold what a max_msg message really costs (4096 bytes
 * and the kernel's record take an 8 KiB allocation) plus the slot array.
 */
KT_REJECT(insmod_rejects_capacity_below_real_cost, "capacity=8192 max_msg=4096")
/*
 * An 8 MiB message would need a 16 MiB allocation: with the slot array
 * more than 16 MiB can hold.  Such a post used to reach the page
 * allocator's size limit (WARN_ON_ONCE) from an unprivileged write().
 */
KT_REJECT(insmod_rejects_max_msg_8m_in_16m, "capacity=16777216 max_msg=8388608")

/* The limits themselves are fine. */
KT_TEST_T(insmod_accepts_boundaries, 60)
{
	struct kerneltalk_room_info info;
	int fd;

	module_unload_for_case();
	ASSERT_EQ(0, module_load("capacity=16384 max_msg=4096 max_rooms=4096 stall_ms=86400000"));
	ASSERT_TRUE(wait_for_device(true));
	fd = kt_open(kt_dev_path, O_RDWR | O_NONBLOCK);
	EXPECT_EQ(KERNELTALK_STALL_MS_MAX, kt_room_stall(fd));
	kt_info(fd, &info);
	EXPECT_EQ(16384, info.capacity);
	EXPECT_EQ(4096, info.max_msg);
	kt_post_len(fd, 'x', 4096);
	kt_info(fd, &info);
	EXPECT_TRUE(info.used <= info.capacity);
	close(fd);
	ASSERT_EQ(0, module_unload());
	ASSERT_EQ(0, module_load("capacity=16777216 max_msg=1 policy=1"));
	ASSERT_TRUE(wait_for_device(true));
	fd = kt_open(kt_dev_path, O_RDWR);
	kt_info(fd, &info);
	EXPECT_EQ(16777216, info.capacity);
	EXPECT_EQ(1, info.max_msg);
	EXPECT_EQ(KERNELTALK_POLICY_OVERWRITE, info.policy);
	close(fd);
}

/*
 * Messages larger than the page allocator gives at once come from
 * vmalloc: a 5 MiB post goes in and reads back whole, with a clean dmesg.
 */
KT_TEST_T(insmod_big_messages_use_vmalloc, 120)
{
	size_t len = 5U << 20;
	struct kerneltalk_msg *h;
	char *buf = malloc(len + KT_HDR);
	int r, w;

	ASSERT_TRUE(buf != NULL);
	module_unload_for_case();
	ASSERT_EQ(0, module_load("capacity=16777216 max_msg=5242880"));
	ASSERT_TRUE(wait_for_device(true));
	r = kt_open(kt_dev_path, O_RDONLY);
	w = kt_open(kt_dev_path, O_WRONLY);
	kt_set_flags(r, KERNELTALK_F_RECORDS);
	memset(buf, 'v', len);
	ASSERT_EQ((ssize_t)len, write(w, buf, len));
	memset(buf, 0, len + KT_HDR);
	ASSERT_EQ((ssize_t)(len + KT_HDR), read(r, buf, len + KT_HDR));
	h = (struct kerneltalk_msg *)buf;
	EXPECT_EQ(len, h->len);
	EXPECT_EQ('v', buf[KT_HDR]);
	EXPECT_EQ('v', buf[KT_HDR + len - 1]);
	close(r);
	close(w);
	free(buf);
}

/* Small parameters take effect: sizes, default policy, room limit. */
KT_TEST_T(module_params_take_effect, 60)
{
	struct kerneltalk_room_access acc;
	struct kerneltalk_room_info info;
	char name[KERNELTALK_NAME_MAX];
	int r, w, x, y, i, n;

	module_unload_for_case();
	ASSERT_EQ(0, module_load("capacity=1024 max_msg=100 max_rooms=3 policy=1 room_mode=0640"));
	ASSERT_TRUE(wait_for_device(true));
	EXPECT_EQ(1024, kt_param("capacity"));
	EXPECT_EQ(100, kt_param("max_msg"));
	EXPECT_EQ(3, kt_param("max_rooms"));
	EXPECT_EQ(1, kt_param("policy"));
	EXPECT_EQ(0640, kt_param("room_mode"));
	{
		char text[16] = "";
		FILE *f = fopen("/sys/module/kerneltalk/parameters/room_mode", "r");

		ASSERT_TRUE(f && fgets(text, sizeof(text), f));
		fclose(f);
		EXPECT_STREQ("0640\n", text);	/* in octal, as modes are */
	}

	r = kt_open(kt_dev_path, O_RDONLY);
	w = kt_open(kt_dev_path, O_WRONLY | O_NONBLOCK);
	kt_info(w, &info);
	EXPECT_EQ(1024, info.capacity);
	EXPECT_EQ(100, info.max_msg);
	EXPECT_EQ(KERNELTALK_POLICY_OVERWRITE, info.policy);
	EXPECT_ERRNO(EMSGSIZE, write(w, (char[101]){ 0 }, 101));
	/* what 1024 bytes hold really; r lags, OVERWRITE drops the rest */
	n = kt_fit(100);
	EXPECT_TRUE(n >= 2 && n < 10);
	for (i = 0; i < 10; i++)
		kt_post_len(w, 'o', 100);
	kt_info(w, &info);
	EXPECT_EQ(kt_ring_base() + n * kt_cost(100), info.used);
	EXPECT_TRUE(info.used <= 1024);
	EXPECT_EQ(10 - n, info.dropped);
	EXPECT_EQ(11 - n, info.first_seq);

	/* the default room is one; two named rooms make three: full */
	x = kt_open(kt_dev_path, O_RDWR);
	y = kt_open(kt_dev_path, O_RDWR);
	kt_room_name(name, "two");
	kt_join(x, name);
	kt_get_access(x, &acc);
	EXPECT_EQ(0640, acc.mode);
	kt_room_name(name, "three");
	kt_join(y, name);
	kt_room_name(name, "four");
	EXPECT_ERRNO(ENOSPC, ioctl(r, KERNELTALK_IOC_JOIN, name));
	EXPECT_EQ(3, kt_proc_rooms());
	close(x);
	close(y);
	close(r);
	close(w);
}

/* ---- quotas ------------------------------------------------------------------------ */

static void quota_as_1000(void *unused)
{
	struct kerneltalk_room_spec spec;
	char line[256];
	int kept, empty, third;

	(void)unused;
	kt_drop_privileges(1000, 1000);
	kept = kt_open(kt_dev_path, O_RDWR);
	empty = kt_open(kt_dev_path, O_RDWR);
	third = kt_open(kt_dev_path, O_RDWR);
	kt_create(kept, "abi-q-kept", 0600);
	kt_post(kept, "keeps it");
	kt_create(empty, "abi-q-empty", 0600);

	/* two made: a third is over the quota, by CREATE or by JOIN */
	memset(&spec, 0, sizeof(spec));
	strcpy(spec.name, "abi-q-third");
	spec.mode = 0600;
	EXPECT_ERRNO(EDQUOT, ioctl(third, KERNELTALK_IOC_CREATE, &spec));
	EXPECT_ERRNO(EDQUOT, ioctl(third, KERNELTALK_IOC_JOIN, "abi-q-third"));
	EXPECT_ERRNO(EDQUOT, ioctl(kept, KERNELTALK_IOC_JOIN, "abi-q-third"));
	/* joining an existing room costs nothing */
	kt_join(third, "abi-q-kept");
	/* leaving a room it frees (last member, no message) makes room */
	EXPECT_EQ(0, ioctl(empty, KERNELTALK_IOC_CREATE, &spec));
	EXPECT_FALSE(kt_proc_line_name("abi-q-empty", line, sizeof(line)));
	EXPECT_TRUE(kt_proc_line_name("abi-q-third", line, sizeof(line)));
}

/*
 * max_rooms_per_user counts the named rooms a uid made (CAP_SYS_RESOURCE
 * is exempt); named rooms take at most three quarters of max_rooms, so
 * default rooms always have the rest.
 */
KT_TEST_T(quota_per_user_and_default_room_reserve, 60)
{
	char name[KERNELTALK_NAME_MAX];
	struct kt_node nodes[3];
	int fds[8], i, n, fd;

	module_unload_for_case();
	ASSERT_EQ(0, module_load("max_rooms=8 max_rooms_per_user=2"));
	ASSERT_TRUE(wait_for_device(true));
	EXPECT_EQ(2, kt_param("max_rooms_per_user"));
	kt_join_child(kt_fork(quota_as_1000, NULL), 15000);
	EXPECT_EQ(1, kt_proc_rooms());		/* abi-q-kept */

	/* root, past the per-user quota, up to the named share: 6 of 8 */
	for (n = 0; n < 8; n++) {
		fd = kt_open(kt_dev_path, O_WRONLY);
		snprintf(name, sizeof(name), "abi-q-root-%d", n);
		if (ioctl(fd, KERNELTALK_IOC_JOIN, name)) {
			EXPECT_EQ(ENOSPC, errno);
			close(fd);
			break;
		}
		kt_post(fd, "kept");
		close(fd);
	}
	EXPECT_EQ(5, n);
	EXPECT_EQ(6, kt_proc_rooms());
	/* default rooms still open: two of them, then the table is full */
	for (i = 0; i < 3; i++)
		kt_node_new(&nodes[i]);
	fds[0] = kt_open(nodes[0].path, O_RDWR);
	fds[1] = kt_open(nodes[1].path, O_RDWR);
	EXPECT_ERRNO(ENOSPC, open(nodes[2].path, O_RDWR));
	EXPECT_EQ(8, kt_proc_rooms());
	close(fds[0]);
	close(fds[1]);
}

/* Last: the module is loaded as the harness asked, device and all. */
KT_TEST(module_reloaded_as_given)
{
	struct stat st;
	int fd;

	if (!module_loaded()) {
		kt_fail(__FILE__, __LINE__, "module not loaded: reloading");
		module_restore(NULL);
	}
	ASSERT_TRUE(wait_for_device(true));
	ASSERT_OK(stat(kt_dev_path, &st));
	EXPECT_EQ(0666, st.st_mode & 07777);
	fd = kt_open(kt_dev_path, O_RDWR);
	kt_post(fd, "bye");
	close(fd);
}
