// SPDX-License-Identifier: GPL-2.0
/*
 * Messages: open/close, posting, stream and record reads, atomicity,
 * the kernel's stamps, NOECHO, cursors and lseek.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define KT_GROUP 10
#include "harness.h"

/* ---- open / close ------------------------------------------------------- */

KT_TEST(open_close_every_mode)
{
	static const int modes[] = { O_RDWR, O_RDONLY, O_WRONLY,
				     O_RDWR | O_NONBLOCK };
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		int fd = ASSERT_OK(open(kt_dev_path, modes[i]));

		EXPECT_EQ(0, close(fd));
	}
}

/* The contract: a misc device, mode 0666, listed in /proc/misc. */
KT_TEST(device_node_is_misc_0666)
{
	char line[128], name[64];
	struct stat st;
	bool listed = false;
	FILE *f;

	ASSERT_OK(stat(kt_dev_path, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0666, st.st_mode & 07777);
	EXPECT_EQ(10, major(st.st_rdev));	/* MISC_MAJOR */
	f = fopen("/proc/misc", "r");
	ASSERT_TRUE(f != NULL);
	while (fgets(line, sizeof(line), f)) {
		unsigned int minor_nr;

		if (sscanf(line, "%u %63s", &minor_nr, name) == 2 &&
		    !strcmp(name, "kerneltalk")) {
			listed = true;
			EXPECT_EQ(minor(st.st_rdev), minor_nr);
		}
	}
	fclose(f);
	EXPECT_TRUE(listed);
}

/* Many opens and closes leave no member and no room behind. */
KT_TEST_T(open_close_churn, 120)
{
	struct kerneltalk_room_info info;
	struct kt_node node;
	int keep, rooms, i;

	kt_node_new(&node);
	keep = kt_open(node.path, O_RDWR);
	rooms = kt_proc_rooms();
	for (i = 0; i < 2000; i++) {
		int fd = kt_open(node.path, i % 3 == 2 ? O_WRONLY : O_RDWR);

		if (i % 100 == 0)
			kt_post(fd, "churn");
		ASSERT_EQ(0, close(fd));
	}
	kt_info(keep, &info);
	EXPECT_EQ(1, info.members);
	EXPECT_EQ(20, info.posted);
	EXPECT_EQ(rooms, kt_proc_rooms());
}

/* ---- stream mode ---------------------------------------------------------- */

KT_TEST_F(pair, stream_post_receive)
{
	char buf[64];

	EXPECT_EQ(5, write(self->a, "hello", 5));
	EXPECT_EQ(5, kt_read_str(self->b, buf, sizeof(buf)));
	EXPECT_STREQ("hello", buf);
	/* without NOECHO the poster receives its own message as well */
	EXPECT_EQ(5, kt_read_str(self->a, buf, sizeof(buf)));
	EXPECT_STREQ("hello", buf);
	EXPECT_TRUE(kt_nothing_to_read(self->a));
	EXPECT_TRUE(kt_nothing_to_read(self->b));
}

/* A short buffer gets part of a message, later reads the rest. */
KT_TEST_F(pair, stream_partial_reads)
{
	char buf[64];

	kt_post(self->a, "hello world");
	kt_post(self->a, "next");
	EXPECT_EQ(4, read(self->b, buf, 4));
	EXPECT_MEMEQ("hell", buf, 4);
	EXPECT_EQ(4, read(self->b, buf, 4));
	EXPECT_MEMEQ("o wo", buf, 4);
	/* the rest of the first message only, never into the next one */
	EXPECT_EQ(3, kt_read_str(self->b, buf, sizeof(buf)));
	EXPECT_STREQ("rld", buf);
	EXPECT_EQ(4, kt_read_str(self->b, buf, sizeof(buf)));
	EXPECT_STREQ("next", buf);
}

/* One read() never returns bytes of two messages. */
KT_TEST_F(pair, stream_one_message_per_read)
{
	char buf[64];

	kt_post(self->a, "ab");
	kt_post(self->a, "cd");
	EXPECT_EQ(2, kt_read_str(self->b, buf, sizeof(buf)));
	EXPECT_STREQ("ab", buf);
	EXPECT_EQ(2, kt_read_str(self->b, buf, sizeof(buf)));
	EXPECT_STREQ("cd", buf);
}

KT_TEST_F(pair, stream_order_preserved)
{
	char buf[64], want[16];
	int i;

	for (i = 0; i < 10; i++) {
		snprintf(want, sizeof(want), "m%d", i);
		kt_post(self->a, want);
	}
	for (i = 0; i < 10; i++) {
		snprintf(want, sizeof(want), "m%d", i);
		kt_read_str(self->b, buf, sizeof(buf));
		EXPECT_STREQ(want, buf);
	}
	EXPECT_TRUE(kt_nothing_to_read(self->b));
}

/* Bytes are opaque: NUL, 0xff and friends come through unchanged. */
KT_TEST_F(pair, binary_payload)
{
	unsigned char out[256], in[256];
	struct kerneltalk_msg h;
	int i;

	for (i = 0; i < 256; i++)
		out[i] = (unsigned char)i;
	kt_set_flags(self->b, KERNELTALK_F_RECORDS);
	ASSERT_EQ(256, write(self->a, out, 256));
	memset(in, 0xcc, sizeof(in));
	EXPECT_EQ(KT_HDR + 256, kt_read_rec(self->b, &h, in, sizeof(in)));
	EXPECT_EQ(256, h.len);
	EXPECT_MEMEQ(out, in, 256);
}

/* ---- record mode ------------------------------------------------------------ */

KT_TEST_F(pair, record_post_receive)
{
	struct kerneltalk_msg h;
	char payload[64];

	kt_set_flags(self->b, KERNELTALK_F_RECORDS);
	kt_post(self->a, "hello");
	memset(payload, 0xcc, sizeof(payload));
	EXPECT_EQ(KT_HDR + 5, kt_read_rec(self->b, &h, payload, sizeof(payload)));
	EXPECT_EQ(5, h.len);
	EXPECT_EQ(1, h.seq);
	EXPECT_EQ(0, h.lost);
	EXPECT_MEMEQ("hello", payload, 5);
	EXPECT_EQ((char)0xcc, payload[5]);
	EXPECT_TRUE(kt_nothing_to_read(self->b));
}

/* Too small a buffer: -EMSGSIZE, nothing written, message still there. */
KT_TEST_F(pair, record_short_buffer_emsgsize)
{
	struct kerneltalk_msg h;
	char buf[256], junk[256];

	kt_set_flags(self->b, KERNELTALK_F_RECORDS);
	kt_post(self->a, "0123456789");
	memset(buf, 0xcc, sizeof(buf));
	memset(junk, 0xcc, sizeof(junk));
	EXPECT_ERRNO(EMSGSIZE, read(self->b, buf, KT_HDR + 9));
	EXPECT_ERRNO(EMSGSIZE, read(self->b, buf, KT_HDR));
	EXPECT_ERRNO(EMSGSIZE, read(self->b, buf, 10));
	EXPECT_ERRNO(EMSGSIZE, read(self->b, buf, 1));
	EXPECT_MEMEQ(junk, buf, sizeof(buf));
	/* a buffer of exactly header + payload gets it */
	EXPECT_EQ(KT_HDR + 10, read(self->b, buf, KT_HDR + 10));
	memcpy(&h, buf, sizeof(h));
	EXPECT_EQ(1, h.seq);
	EXPECT_EQ(10, h.len);
	EXPECT_MEMEQ("0123456789", buf + KT_HDR, 10);
	EXPECT_EQ((char)0xcc, buf[KT_HDR + 10]);
}

/* Every header field is written: nothing of the junk fill survives. */
KT_TEST_F(pair, record_header_fully_written)
{
	struct kerneltalk_msg h;

	kt_set_flags(self->b, KERNELTALK_F_RECORDS);
	kt_post(self->a, "x");
	ASSERT_EQ(KT_HDR + 1, kt_read_rec(self->b, &h, NULL, 0));
	EXPECT_NE(0xccccccccccccccccULL, h.seq);
	EXPECT_NE(0xccccccccccccccccULL, h.time_ns);
	EXPECT_NE(0xccccccccccccccccULL, h.lost);
	EXPECT_NE(0xccccccccU, h.uid);
	EXPECT_NE(0xccccccccU, h.pid);
	EXPECT_NE(0xccccccccU, h.flags);
	/* comm is NUL-terminated within its 16 bytes */
	EXPECT_TRUE(strnlen(h.comm, sizeof(h.comm)) < sizeof(h.comm));
}

/* ---- write sizes -------------------------------------------------------------- */

KT_TEST_F(pair, zero_byte_write_posts_nothing)
{
	struct kerneltalk_room_info info;
	char c = 'x';

	EXPECT_EQ(0, write(self->a, &c, 0));
	/* nothing is touched, so even a bad pointer is fine */
	EXPECT_EQ(0, write(self->a, kt_bad_ptr(), 0));
	kt_info(self->a, &info);
	EXPECT_EQ(0, info.posted);
	EXPECT_EQ(1, info.next_seq);
	EXPECT_EQ(0, info.used);
	EXPECT_TRUE(kt_nothing_to_read(self->b));
}

KT_TEST_F(pair, max_msg_fits_one_more_is_emsgsize)
{
	struct kerneltalk_room_info info;
	struct kerneltalk_msg h;
	__u32 max = kt_max_msg();
	char *big = malloc(max + 4096);

	ASSERT_TRUE(big != NULL);
	memset(big, 'm', max + 4096);
	kt_set_flags(self->b, KERNELTALK_F_RECORDS);
	EXPECT_EQ(max, write(self->a, big, max));
	EXPECT_ERRNO(EMSGSIZE, write(self->a, big, max + 1));
	EXPECT_ERRNO(EMSGSIZE, write(self->a, big, max + 4096));
	kt_info(self->a, &info);
	EXPECT_EQ(1, info.posted);
	EXPECT_EQ(kt_ring_base() + kt_cost(max), info.used);
	EXPECT_EQ(KT_HDR + max, kt_read_rec(self->b, &h, NULL, 0));
	EXPECT_EQ(max, h.len);
	EXPECT_TRUE(kt_nothing_to_read(self->b));
	free(big);
}

/*
 * Concurrent writers never interleave: each message arrives whole, with
 * the length and fill its writer gave it, in each writer's order.
 */
#define ATOMIC_WRITERS	4
#define ATOMIC_MSGS	150

static size_t atomic_len(int w, int i, size_t max)
{
	size_t lim = max < 3000 ? max : 3000;

	return 8 + (size_t)(i * 37 + w * 101) % (lim - 8);
}

struct atomic_arg {
	const char *path;
	int w;
};

static void atomic_writer(void *p)
{
	struct atomic_arg *arg = p;
	size_t max = kt_max_msg();
	char *buf = malloc(max);
	int fd = kt_open(arg->path, O_WRONLY), i;

	ASSERT_TRUE(buf != NULL);
	for (i = 0; i < ATOMIC_MSGS; i++) {
		size_t len = atomic_len(arg->w, i, max);

		memset(buf, 'A' + arg->w, len);
		memcpy(buf, &i, sizeof(i));
		ASSERT_EQ(len, write(fd, buf, len));
	}
	free(buf);
}

KT_TEST_T(atomic_concurrent_writers, 180)
{
	struct atomic_arg args[ATOMIC_WRITERS];
	pid_t pids[ATOMIC_WRITERS];
	int next[ATOMIC_WRITERS] = { 0 };
	size_t max = kt_max_msg();
	char *payload = malloc(max);
	struct kt_node node;
	__u64 seq = 0;
	int r, w, n;

	ASSERT_TRUE(payload != NULL);
	kt_node_new(&node);
	r = kt_open(node.path, O_RDONLY);
	kt_set_flags(r, KERNELTALK_F_RECORDS);
	kt_set_policy(r, KERNELTALK_POLICY_BLOCK);	/* lossless */
	for (w = 0; w < ATOMIC_WRITERS; w++) {
		args[w].path = node.path;
		args[w].w = w;
		pids[w] = kt_fork(atomic_writer, &args[w]);
	}
	for (n = 0; n < ATOMIC_WRITERS * ATOMIC_MSGS; n++) {
		struct kerneltalk_msg h;
		ssize_t got = kt_read_rec(r, &h, payload, max);
		int idx;
		__u32 j;

		ASSERT_TRUE(got >= KT_HDR + 8);
		ASSERT_EQ(KT_HDR + h.len, got);
		if (seq)
			EXPECT_EQ(seq + 1, h.seq);
		seq = h.seq;
		w = payload[4] - 'A';
		ASSERT_TRUE(w >= 0 && w < ATOMIC_WRITERS);
		memcpy(&idx, payload, sizeof(idx));
		ASSERT_EQ(next[w], idx);	/* per-writer order, no loss */
		next[w]++;
		ASSERT_EQ(atomic_len(w, idx, max), h.len);
		for (j = 4; j < h.len; j++)
			if (payload[j] != 'A' + w) {
				kt_fail(__FILE__, __LINE__,
					"message %d of writer %d torn at byte %u",
					idx, w, j);
				kt_abort();
			}
	}
	for (w = 0; w < ATOMIC_WRITERS; w++)
		kt_join_child(pids[w], 30000);
	EXPECT_TRUE(kt_nothing_to_read(r));
	free(payload);
}

/* ---- stamps ------------------------------------------------------------------- */

KT_TEST_F(pair, stamps_seq_starts_at_one_and_increments)
{
	struct kerneltalk_room_info info;
	struct kerneltalk_msg h;
	__u64 i;

	kt_info(self->a, &info);
	EXPECT_EQ(1, info.next_seq);
	EXPECT_EQ(1, info.first_seq);
	kt_set_flags(self->b, KERNELTALK_F_RECORDS);
	for (i = 0; i < 3; i++)
		kt_post(self->a, "s");
	for (i = 1; i <= 3; i++) {
		ASSERT_EQ(KT_HDR + 1, kt_read_rec(self->b, &h, NULL, 0));
		EXPECT_EQ(i, h.seq);
	}
	kt_info(self->a, &info);
	EXPECT_EQ(1, info.first_seq);
	EXPECT_EQ(4, info.next_seq);
}

/* CLOCK_REALTIME of the post (slack for a coarse kernel clock). */
KT_TEST_F(pair, stamps_time_is_realtime_now)
{
	const long long slack = 20 * 1000000LL;
	struct kerneltalk_msg h;
	long long t0, t1;

	kt_set_flags(self->b, KERNELTALK_F_RECORDS);
	t0 = kt_now_ns();
	kt_post(self->a, "t");
	t1 = kt_now_ns();
	ASSERT_EQ(KT_HDR + 1, kt_read_rec(self->b, &h, NULL, 0));
	EXPECT_TRUE((long long)h.time_ns >= t0 - slack);
	EXPECT_TRUE((long long)h.time_ns <= t1 + slack);
}

/*
 * uid is the effective uid (not the real one) the file was opened with;
 * pid and comm are the writer's.
 */
static void stamp_poster(void *p)
{
	int fd;

	ASSERT_OK(prctl(PR_SET_NAME, "kt-stamper"));
	ASSERT_OK(setresgid(1000, 1000, 1000));
	ASSERT_OK(setresuid(2000, 1000, 2000));
	fd = kt_open(p, O_WRONLY);
	kt_post(fd, "stamped");
}

KT_TEST_F(pair, stamps_uid_pid_comm)
{
	struct kerneltalk_msg h;
	char payload[16];
	pid_t pid;

	kt_set_flags(self->b, KERNELTALK_F_RECORDS);
	pid = kt_fork(stamp_poster, self->node.path);
	/* read before reaping: a reaped poster's pid reads as 0 (below) */
	ASSERT_EQ(KT_HDR + 7, kt_read_rec(self->b, &h, payload, sizeof(payload)));
	kt_join_child(pid, 10000);
	EXPECT_EQ(1000, h.uid);
	EXPECT_EQ(pid, h.pid);
	EXPECT_STREQ("kt-stamper", h.comm);
	EXPECT_EQ(0, h.flags);
}

/*
 * Honest stamps: the uid is the opener's whoever writes.  A file root
 * opened posts as root from a process that dropped to nobody; a file
 * nobody opened posts as nobody even when root writes to it.
 */
static void post_as_nobody(void *p)
{
	kt_drop_privileges(65534, 65534);
	kt_post(*(int *)p, "root's file");
}

KT_TEST_F(pair, stamps_uid_is_the_openers)
{
	struct kerneltalk_msg h;
	pid_t pid;
	int fd;

	kt_set_flags(self->b, KERNELTALK_F_RECORDS);
	pid = kt_fork(post_as_nobody, &self->a);
	/* read before reaping: a reaped poster's pid reads as 0 */
	ASSERT_EQ(KT_HDR + 11, kt_read_rec(self->b, &h, NULL, 0));
	kt_join_child(pid, 10000);
	EXPECT_EQ(0, h.uid);
	EXPECT_EQ(pid, h.pid);		/* the writer, though */

	fd = kt_open_as(self->node.path, O_WRONLY, 65534, 65534);
	kt_post(fd, "nobody's file");
	ASSERT_EQ(KT_HDR + 13, kt_read_rec(self->b, &h, NULL, 0));
	EXPECT_EQ(65534, h.uid);
	EXPECT_EQ(getpid(), h.pid);
	close(fd);
}

/* pid is the thread-group id; comm is the process's name, not the thread's. */
static void *thread_poster(void *p)
{
	prctl(PR_SET_NAME, "kt-thread");
	kt_post(*(int *)p, "from a thread");
	return NULL;
}

KT_TEST_F(pair, stamps_pid_is_tgid_from_thread)
{
	struct kerneltalk_msg h;
	struct kt_thread t;

	ASSERT_OK(prctl(PR_SET_NAME, "kt-process"));
	kt_set_flags(self->b, KERNELTALK_F_RECORDS);
	kt_thread_start(&t, thread_poster, &self->a);
	ASSERT_TRUE(kt_thread_join(&t, 5000));
	ASSERT_EQ(KT_HDR + 13, kt_read_rec(self->b, &h, NULL, 0));
	EXPECT_EQ(getpid(), h.pid);
	EXPECT_NE(t.tid, h.pid);
	EXPECT_STREQ("kt-process", h.comm);
	EXPECT_EQ(geteuid(), h.uid);
}

/* OWN is set for the posting file only. */
KT_TEST_F(pair, stamps_own_flag_only_for_own_file)
{
	struct kerneltalk_msg h;
	char comm[32] = "";
	FILE *f = fopen("/proc/self/comm", "r");

	ASSERT_TRUE(f && fgets(comm, sizeof(comm), f));
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	kt_set_flags(self->a, KERNELTALK_F_RECORDS);
	kt_set_flags(self->b, KERNELTALK_F_RECORDS);
	kt_post(self->a, "from a");
	kt_post(self->b, "from b");

	ASSERT_EQ(KT_HDR + 6, kt_read_rec(self->a, &h, NULL, 0));
	EXPECT_EQ(KERNELTALK_MSG_OWN, h.flags);
	EXPECT_EQ(0, h.uid);
	EXPECT_EQ(getpid(), h.pid);
	EXPECT_STREQ(comm, h.comm);
	ASSERT_EQ(KT_HDR + 6, kt_read_rec(self->a, &h, NULL, 0));
	EXPECT_EQ(0, h.flags);

	ASSERT_EQ(KT_HDR + 6, kt_read_rec(self->b, &h, NULL, 0));
	EXPECT_EQ(0, h.flags);
	ASSERT_EQ(KT_HDR + 6, kt_read_rec(self->b, &h, NULL, 0));
	EXPECT_EQ(KERNELTALK_MSG_OWN, h.flags);
}

/* A file shared by fork (or dup) is one file: OWN on both sides. */
static void shared_post(void *p)
{
	kt_post(*(int *)p, "child");
}

static void shared_read_own(void *p)
{
	struct kerneltalk_msg h;

	ASSERT_EQ(KT_HDR + 6, kt_read_rec(*(int *)p, &h, NULL, 0));
	EXPECT_EQ(KERNELTALK_MSG_OWN, h.flags);
	EXPECT_EQ(getppid(), h.pid);
}

KT_TEST_F(pair, stamps_own_fork_shared)
{
	struct kerneltalk_msg h;
	pid_t pid;

	kt_set_flags(self->a, KERNELTALK_F_RECORDS);
	kt_set_flags(self->b, KERNELTALK_F_RECORDS);
	pid = kt_fork(shared_post, &self->a);
	/* read before reaping: a reaped poster's pid reads as 0 */
	ASSERT_EQ(KT_HDR + 5, kt_read_rec(self->a, &h, NULL, 0));
	kt_join_child(pid, 10000);
	EXPECT_EQ(KERNELTALK_MSG_OWN, h.flags);
	EXPECT_EQ(pid, h.pid);

	kt_post(self->a, "parent");
	pid = kt_fork(shared_read_own, &self->a);
	kt_join_child(pid, 10000);

	ASSERT_EQ(KT_HDR + 5, kt_read_rec(self->b, &h, NULL, 0));
	EXPECT_EQ(0, h.flags);
	ASSERT_EQ(KT_HDR + 6, kt_read_rec(self->b, &h, NULL, 0));
	EXPECT_EQ(0, h.flags);
}

KT_TEST_F(pair, stamps_own_through_dup)
{
	struct kerneltalk_msg h;
	int d = ASSERT_OK(dup(self->a));

	kt_set_flags(self->a, KERNELTALK_F_RECORDS);
	kt_post(d, "dup");
	ASSERT_EQ(KT_HDR + 3, kt_read_rec(self->a, &h, NULL, 0));
	EXPECT_EQ(KERNELTALK_MSG_OWN, h.flags);
	close(d);
}

/* ---- cursors ------------------------------------------------------------------ */

KT_TEST_F(pair, new_member_sees_only_new_traffic)
{
	struct kerneltalk_room_info info;
	char buf[32];
	int c;

	kt_post(self->a, "old");
	c = kt_open(self->node.path, O_RDWR);
	EXPECT_TRUE(kt_nothing_to_read(c));
	kt_post(self->a, "new");
	kt_read_str(c, buf, sizeof(buf));
	EXPECT_STREQ("new", buf);
	/* the old one is still retained for history */
	kt_info(c, &info);
	EXPECT_EQ(1, info.first_seq);
	EXPECT_EQ(3, info.next_seq);
}

KT_TEST_F(pair, wrong_direction_is_ebadf)
{
	int w = kt_open(self->node.path, O_WRONLY);
	int r = kt_open(self->node.path, O_RDONLY);
	char buf[16];

	kt_post(self->a, "x");
	EXPECT_ERRNO(EBADF, read(w, buf, sizeof(buf)));
	EXPECT_ERRNO(EBADF, write(r, "x", 1));
}

KT_TEST_F(pair, noecho_skips_own_messages)
{
	char buf[32];

	kt_set_flags(self->a, KERNELTALK_F_NOECHO);
	kt_post(self->a, "mine");
	EXPECT_TRUE(kt_nothing_to_read(self->a));
	kt_read_str(self->b, buf, sizeof(buf));
	EXPECT_STREQ("mine", buf);
	kt_post(self->b, "yours");
	kt_read_str(self->a, buf, sizeof(buf));
	EXPECT_STREQ("yours", buf);
	/* b has no NOECHO: it gets its own message */
	kt_read_str(self->b, buf, sizeof(buf));
	EXPECT_STREQ("yours", buf);
}

KT_TEST_F(pair, noecho_with_records_skips_interleaved)
{
	struct kerneltalk_msg h;
	char payload[16];

	kt_set_flags(self->a, KERNELTALK_F_NOECHO | KERNELTALK_F_RECORDS);
	kt_post(self->a, "a1");
	kt_post(self->b, "b1");
	kt_post(self->a, "a2");
	kt_post(self->b, "b2");
	memset(payload, 0, sizeof(payload));
	ASSERT_EQ(KT_HDR + 2, kt_read_rec(self->a, &h, payload, 15));
	EXPECT_STREQ("b1", payload);
	EXPECT_EQ(2, h.seq);
	EXPECT_EQ(0, h.flags);
	ASSERT_EQ(KT_HDR + 2, kt_read_rec(self->a, &h, payload, 15));
	EXPECT_STREQ("b2", payload);
	EXPECT_EQ(4, h.seq);
	EXPECT_TRUE(kt_nothing_to_read(self->a));
}

KT_TEST_F(pair, seek_set_reads_history)
{
	char buf[32];
	int c;

	kt_post(self->a, "m1");
	kt_post(self->a, "m2");
	kt_post(self->a, "m3");
	c = kt_open(self->node.path, O_RDONLY);
	EXPECT_EQ(0, lseek(c, 0, SEEK_SET));
	kt_read_str(c, buf, sizeof(buf));
	EXPECT_STREQ("m1", buf);
	kt_read_str(c, buf, sizeof(buf));
	EXPECT_STREQ("m2", buf);
	kt_read_str(c, buf, sizeof(buf));
	EXPECT_STREQ("m3", buf);
	EXPECT_TRUE(kt_nothing_to_read(c));
	/* again: history can be replayed */
	EXPECT_EQ(0, lseek(c, 0, SEEK_SET));
	kt_read_str(c, buf, sizeof(buf));
	EXPECT_STREQ("m1", buf);
}

KT_TEST_F(pair, seek_end_skips_unread)
{
	char buf[32];

	kt_post(self->a, "m1");
	kt_post(self->a, "m2");
	EXPECT_EQ(0, lseek(self->b, 0, SEEK_END));
	EXPECT_TRUE(kt_nothing_to_read(self->b));
	kt_post(self->a, "m3");
	kt_read_str(self->b, buf, sizeof(buf));
	EXPECT_STREQ("m3", buf);
}

KT_TEST_F(pair, seek_other_whence_or_offset_einval)
{
	char buf[32];

	kt_post(self->a, "still here");
	EXPECT_ERRNO(EINVAL, lseek(self->b, 0, SEEK_CUR));
	EXPECT_ERRNO(EINVAL, lseek(self->b, 1, SEEK_CUR));
	EXPECT_ERRNO(EINVAL, lseek(self->b, 1, SEEK_SET));
	EXPECT_ERRNO(EINVAL, lseek(self->b, -1, SEEK_END));
	EXPECT_ERRNO(EINVAL, lseek(self->b, 1, SEEK_END));
	EXPECT_ERRNO(EINVAL, lseek(self->b, 0, SEEK_DATA));
	EXPECT_ERRNO(EINVAL, lseek(self->b, 0, SEEK_HOLE));
	EXPECT_ERRNO(EINVAL, lseek(self->b, 0, 42));
	/* the failed seeks moved nothing */
	kt_read_str(self->b, buf, sizeof(buf));
	EXPECT_STREQ("still here", buf);
}

/* A seek drops the unread rest of a partly read stream message. */
KT_TEST_F(pair, seek_restarts_partial_message)
{
	char buf[32];

	kt_post(self->a, "abcdef");
	EXPECT_EQ(3, read(self->b, buf, 3));
	EXPECT_EQ(0, lseek(self->b, 0, SEEK_SET));
	kt_read_str(self->b, buf, sizeof(buf));
	EXPECT_STREQ("abcdef", buf);
	EXPECT_EQ(3, read(self->a, buf, 3));
	EXPECT_EQ(0, lseek(self->a, 0, SEEK_END));
	EXPECT_TRUE(kt_nothing_to_read(self->a));
}

KT_TEST_F(pair, seek_in_empty_room)
{
	EXPECT_EQ(0, lseek(self->a, 0, SEEK_SET));
	EXPECT_TRUE(kt_nothing_to_read(self->a));
	EXPECT_EQ(0, lseek(self->a, 0, SEEK_END));
	EXPECT_TRUE(kt_nothing_to_read(self->a));
}
