// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers around the device: private nodes, posting and reading, the
 * ioctls, module parameters and /proc/kerneltalk.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define KT_GROUP 0
#include "harness.h"

const char *kt_dev_path = "/dev/kerneltalk";

__attribute__((constructor)) static void kt_dev_init(void)
{
	const char *p = getenv("KT_DEVICE");

	if (p && *p)
		kt_dev_path = p;
}

/* ---- private nodes ------------------------------------------------------- */

/*
 * Nodes go to /tmp; if /tmp is mounted nodev (open gives EACCES) they go
 * to /dev instead, which is devtmpfs and always allows device nodes.
 */
static const char *kt_node_dir = "/tmp";

void kt_node_remove(const char *path)
{
	/*
	 * Hold the room while unlinking, then close: a deleted node's room is
	 * freed at its last close, so the room (and any messages it kept)
	 * does not outlive the case.
	 */
	int fd = open(path, O_WRONLY | O_NONBLOCK);

	unlink(path);
	if (fd >= 0)
		close(fd);
}

static void kt_node_cleanup(void *arg)
{
	kt_node_remove(arg);
	free(arg);
}

void kt_node_new(struct kt_node *n)
{
	static int counter;
	struct stat st;
	int fd, tries;

	ASSERT_OK(stat(kt_dev_path, &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	for (tries = 0; tries < 2; tries++) {
		snprintf(n->path, sizeof(n->path), "%s/kt-abi.%d.%d",
			 kt_node_dir, getpid(), counter++);
		ASSERT_OK(mknod(n->path, S_IFCHR | 0666, st.st_rdev));
		ASSERT_OK(chmod(n->path, 0666));	/* despite umask */
		fd = open(n->path, O_WRONLY);
		if (fd >= 0) {
			close(fd);
			kt_defer(kt_node_cleanup, strdup(n->path));
			return;
		}
		unlink(n->path);
		if (errno != EACCES)
			break;
		kt_node_dir = "/dev";
	}
	kt_fail(__FILE__, __LINE__, "cannot open a node made by mknod (%s)",
		kt_errname(errno));
	kt_abort();
}

/* ---- I/O ---------------------------------------------------------------- */

int kt_open(const char *path, int flags)
{
	int fd = open(path, flags);

	if (fd < 0) {
		kt_fail(__FILE__, __LINE__, "open(%s, %#x): %s", path, flags,
			kt_errname(errno));
		kt_abort();
	}
	return fd;
}

int kt_open_as(const char *path, int flags, uid_t uid, gid_t gid)
{
	int fd;

	ASSERT_OK(setresgid(-1, gid, -1));
	ASSERT_OK(setresuid(-1, uid, -1));
	fd = open(path, flags);
	ASSERT_OK(setresuid(-1, 0, -1));
	ASSERT_OK(setresgid(-1, 0, -1));
	if (fd < 0) {
		kt_fail(__FILE__, __LINE__, "open(%s) as %u: %s", path, uid,
			kt_errname(errno));
		kt_abort();
	}
	return fd;
}

void kt_post_len(int fd, char fill, size_t len)
{
	char *buf = malloc(len ? len : 1);
	ssize_t r;

	ASSERT_TRUE(buf != NULL);
	memset(buf, fill, len);
	r = write(fd, buf, len);
	free(buf);
	if (r != (ssize_t)len) {
		kt_fail(__FILE__, __LINE__, "write of %zu bytes: got %zd (%s)",
			len, r, r < 0 ? kt_errname(errno) : "short");
		kt_abort();
	}
}

void kt_post(int fd, const char *text)
{
	size_t len = strlen(text);
	ssize_t r = write(fd, text, len);

	if (r != (ssize_t)len) {
		kt_fail(__FILE__, __LINE__, "post \"%s\": got %zd (%s)", text,
			r, r < 0 ? kt_errname(errno) : "short");
		kt_abort();
	}
}

ssize_t kt_read_str(int fd, char *buf, size_t size)
{
	ssize_t r;

	memset(buf, 0xcc, size);
	r = read(fd, buf, size - 1);
	if (r < 0) {
		kt_fail(__FILE__, __LINE__, "read: %s", kt_errname(errno));
		kt_abort();
	}
	buf[r] = '\0';
	return r;
}

ssize_t kt_read_rec(int fd, struct kerneltalk_msg *hdr, void *payload,
		    size_t cap)
{
	size_t size = KT_HDR + kt_max_msg() + 64;
	char *buf = malloc(size);
	ssize_t r;
	int e;

	ASSERT_TRUE(buf != NULL);
	memset(buf, 0xcc, size);
	memset(hdr, 0xcc, sizeof(*hdr));
	r = read(fd, buf, size);
	e = errno;
	if (r >= KT_HDR) {
		memcpy(hdr, buf, sizeof(*hdr));
		if (payload) {
			size_t n = (size_t)(r - KT_HDR);

			if (n > cap)
				n = cap;

			memcpy(payload, buf + KT_HDR, n);
		}
		/* the kernel must not write past what it returns */
		if (buf[r] != (char)0xcc)
			kt_fail(__FILE__, __LINE__,
				"record read wrote past its %zd bytes", r);
	}
	free(buf);
	errno = e;
	return r;
}

void kt_info(int fd, struct kerneltalk_room_info *info)
{
	memset(info, 0xcc, sizeof(*info));
	ASSERT_OK(ioctl(fd, KERNELTALK_IOC_INFO, info));
}

void kt_set_flags(int fd, __u32 flags)
{
	ASSERT_OK(ioctl(fd, KERNELTALK_IOC_SET_FLAGS, &flags));
}

__u32 kt_get_flags(int fd)
{
	__u32 flags = 0xccccccccu;

	ASSERT_OK(ioctl(fd, KERNELTALK_IOC_GET_FLAGS, &flags));
	return flags;
}

void kt_set_policy(int fd, __u32 policy)
{
	ASSERT_OK(ioctl(fd, KERNELTALK_IOC_SET_POLICY, &policy));
}

void kt_join(int fd, const char *name)
{
	char buf[KERNELTALK_NAME_MAX];

	memset(buf, 0, sizeof(buf));
	strncpy(buf, name, sizeof(buf) - 1);
	if (ioctl(fd, KERNELTALK_IOC_JOIN, buf)) {
		kt_fail(__FILE__, __LINE__, "JOIN \"%s\": %s", name,
			kt_errname(errno));
		kt_abort();
	}
}

void kt_create(int fd, const char *name, __u32 mode)
{
	struct kerneltalk_room_spec spec;

	memset(&spec, 0, sizeof(spec));
	snprintf(spec.name, sizeof(spec.name), "%s", name);
	spec.mode = mode;
	ASSERT_OK(ioctl(fd, KERNELTALK_IOC_CREATE, &spec));
}

void kt_get_access(int fd, struct kerneltalk_room_access *access)
{
	memset(access, 0xcc, sizeof(*access));
	ASSERT_OK(ioctl(fd, KERNELTALK_IOC_GET_ACCESS, access));
}

void kt_set_access(int fd, uid_t uid, gid_t gid, __u32 mode)
{
	struct kerneltalk_room_access access = {
		.uid = uid, .gid = gid, .mode = mode,
	};

	ASSERT_OK(ioctl(fd, KERNELTALK_IOC_SET_ACCESS, &access));
}

__u32 kt_room_stall(int fd)
{
	struct kerneltalk_room_settings settings;

	memset(&settings, 0xcc, sizeof(settings));
	ASSERT_OK(ioctl(fd, KERNELTALK_IOC_GET_SETTINGS, &settings));
	EXPECT_EQ(0, settings.reserved[0]);
	EXPECT_EQ(0, settings.reserved[1]);
	EXPECT_EQ(0, settings.reserved[2]);
	return settings.stall_ms;
}

void kt_set_room_stall(int fd, __u32 stall_ms)
{
	struct kerneltalk_room_settings settings = { .stall_ms = stall_ms };

	ASSERT_OK(ioctl(fd, KERNELTALK_IOC_SET_SETTINGS, &settings));
}

void kt_set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	ASSERT_OK(fl);
	ASSERT_OK(fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK));
}

bool kt_nothing_to_read(int fd)
{
	size_t size = KT_HDR + kt_max_msg() + 64;
	int fl = fcntl(fd, F_GETFL);
	char *buf = malloc(size);
	ssize_t r;
	int e;

	ASSERT_TRUE(buf != NULL);
	ASSERT_OK(fcntl(fd, F_SETFL, fl | O_NONBLOCK));
	r = read(fd, buf, size);
	e = errno;
	fcntl(fd, F_SETFL, fl);
	free(buf);
	if (r == -1 && e == EAGAIN)
		return true;
	dprintf(STDERR_FILENO, "#   expected nothing to read, read gave %zd%s%s\n",
		r, r < 0 ? " " : "", r < 0 ? kt_errname(e) : "");
	return false;
}

short kt_poll(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r = poll(&p, 1, timeout_ms);

	ASSERT_OK(r);
	return r ? p.revents : 0;
}

void kt_room_name(char *buf, const char *tag)
{
	snprintf(buf, KERNELTALK_NAME_MAX, "abi-%d-%s", getpid(), tag);
}

/* ---- module parameters ----------------------------------------------------- */

long kt_param(const char *name)
{
	char path[128], buf[64];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/kerneltalk/parameters/%s",
		 name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = strtol(buf, NULL, 0);	/* room_mode reads in octal */
	fclose(f);
	return v;
}

void kt_param_set(const char *name, long value)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/kerneltalk/parameters/%s",
		 name);
	f = fopen(path, "w");
	if (!f) {
		kt_fail(__FILE__, __LINE__, "%s: %s", path, kt_errname(errno));
		kt_abort();
	}
	fprintf(f, "%ld\n", value);
	if (fclose(f)) {
		kt_fail(__FILE__, __LINE__, "write %ld to %s: %s", value, path,
			kt_errname(errno));
		kt_abort();
	}
}

/* From INFO of the device's default room: what the module really uses. */
static void kt_limits(__u32 *capacity, __u32 *max_msg)
{
	static __u32 cap, msg;
	static dev_t rdev;
	struct kerneltalk_room_info info;
	struct stat st;
	int fd;

	/* cache per loaded module instance (the module cases reload it) */
	if (stat(kt_dev_path, &st) == 0 && cap && st.st_rdev == rdev)
		goto out;
	fd = kt_open(kt_dev_path, O_RDONLY);
	kt_info(fd, &info);
	close(fd);
	cap = info.capacity;
	msg = info.max_msg;
	rdev = st.st_rdev;
out:
	if (capacity)
		*capacity = cap;
	if (max_msg)
		*max_msg = msg;
}

__u32 kt_capacity(void)
{
	__u32 c;

	kt_limits(&c, NULL);
	return c;
}

__u32 kt_max_msg(void)
{
	__u32 m;

	kt_limits(NULL, &m);
	return m;
}

/*
 * What messages of len bytes really cost, measured: two posts into a room
 * of its own (write-only, so nothing holds them); the first also brings
 * the slot array.  Cached per length and capacity.
 */
static void kt_measure(size_t len, __u32 *base, __u32 *cost)
{
	static struct { size_t len; __u32 cap, base, cost; } cache[4];
	static unsigned int next;
	struct kerneltalk_room_info info;
	__u32 cap = kt_capacity(), used1;
	struct kt_node node;
	unsigned int i;
	int fd;

	for (i = 0; i < 4; i++)
		if (cache[i].cost && cache[i].len == len && cache[i].cap == cap)
			goto out;
	kt_node_new(&node);
	fd = kt_open(node.path, O_WRONLY | O_NONBLOCK);
	kt_post_len(fd, 'm', len);
	kt_info(fd, &info);
	used1 = info.used;
	kt_post_len(fd, 'm', len);
	kt_info(fd, &info);
	close(fd);
	kt_node_remove(node.path);
	ASSERT_TRUE(info.used > used1);	/* the capacity holds two */
	i = next++ % 4;
	cache[i].len = len;
	cache[i].cap = cap;
	cache[i].cost = info.used - used1;
	cache[i].base = used1 - cache[i].cost;
out:
	if (base)
		*base = cache[i].base;
	if (cost)
		*cost = cache[i].cost;
}

__u32 kt_cost(size_t len)
{
	__u32 c;

	kt_measure(len, NULL, &c);
	return c;
}

__u32 kt_ring_base(void)
{
	__u32 b;

	kt_measure(1, &b, NULL);
	return b;
}

unsigned int kt_fit(size_t len)
{
	__u32 base, cost;

	kt_measure(len, &base, &cost);
	return (kt_capacity() - base) / cost;
}

/* ---- /proc/kerneltalk ---------------------------------------------------- */

/* The whole file (malloc'd, NUL-terminated), or NULL. */
static char *kt_proc_read(void)
{
	size_t size = 0, cap = 4096;
	char *buf = malloc(cap);
	FILE *f = fopen("/proc/kerneltalk", "r");
	size_t n;

	if (!f || !buf) {
		free(buf);
		if (f)
			fclose(f);
		return NULL;
	}
	while ((n = fread(buf + size, 1, cap - size - 1, f)) > 0) {
		size += n;
		if (cap - size < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
			ASSERT_TRUE(buf != NULL);
		}
	}
	fclose(f);
	buf[size] = '\0';
	return buf;
}

int kt_proc_rooms(void)
{
	char *buf = kt_proc_read(), *p;
	int lines = 0;

	if (!buf)
		return -1;
	for (p = buf; *p; p++)
		if (*p == '\n')
			lines++;
	free(buf);
	return lines - 1;	/* minus the header */
}

/* Find the first line (after the header) whose first fields match. */
static bool kt_proc_find(const char *f0, const char *f1, const char *f2,
			 char *line, size_t size)
{
	char *buf = kt_proc_read(), *save = NULL, *l;
	bool first = true, found = false;

	if (!buf)
		return false;
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char a[64], b[64], c[64];

		if (first) {
			first = false;
			continue;
		}
		if (sscanf(l, "%63s %63s %63s", a, b, c) != 3)
			continue;
		if (strcmp(a, f0) || (f1 && strcmp(b, f1)) ||
		    (f2 && strcmp(c, f2)))
			continue;
		snprintf(line, size, "%s", l);
		found = true;
		break;
	}
	free(buf);
	return found;
}

bool kt_proc_line_ino(dev_t dev, ino_t ino, char *line, size_t size)
{
	char d[32], i[32];

	snprintf(d, sizeof(d), "%u:%u", major(dev), minor(dev));
	snprintf(i, sizeof(i), "%lu", (unsigned long)ino);
	return kt_proc_find("-", d, i, line, size);
}

bool kt_proc_line_node(const char *node, char *line, size_t size)
{
	struct stat st;

	if (stat(node, &st))
		return false;
	return kt_proc_line_ino(st.st_dev, st.st_ino, line, size);
}

bool kt_proc_line_name(const char *name, char *line, size_t size)
{
	return kt_proc_find(name, NULL, NULL, line, size);
}
