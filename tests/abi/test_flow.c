// SPDX-License-Identifier: GPL-2.0
/*
 * Flow control: the BLOCK policy (waiting writers, O_NONBLOCK, signals),
 * the OVERWRITE policy (-EPIPE, lost, dropped) and poll/epoll.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/userfaultfd.h>

#define KT_GROUP 20
#include "harness.h"

#define KT_POLLIN		(POLLIN | POLLRDNORM)
#define KT_POLLOUT	(POLLOUT | POLLWRNORM)
#define KT_POLLALL	(POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLPRI)

/*
 * Posts max_msg-byte messages (first byte: the index) on a non-blocking
 * fd until the room refuses; returns how many went in.  limit stops
 * the loop for policies that never refuse.
 */
static unsigned int post_until_full(int fd, unsigned int limit)
{
	size_t max = kt_max_msg();
	char *buf = malloc(max);
	unsigned int n;

	ASSERT_TRUE(buf != NULL);
	for (n = 0; n < limit; n++) {
		ssize_t r;

		memset(buf, 'a' + n % 26, max);
		buf[0] = (char)n;
		r = write(fd, buf, max);
		if (r == -1 && errno == EAGAIN)
			break;
		if (r != (ssize_t)max) {
			kt_fail(__FILE__, __LINE__, "post %u: %zd (%s)", n, r,
				r < 0 ? kt_errname(errno) : "short");
			kt_abort();
		}
	}
	free(buf);
	return n;
}

/* Reads one max_msg message in stream mode; returns its index byte. */
static int read_indexed(int fd)
{
	size_t max = kt_max_msg();
	char *buf = malloc(max);
	ssize_t r;
	int idx;

	ASSERT_TRUE(buf != NULL);
	r = read(fd, buf, max);
	if (r != (ssize_t)max) {
		kt_fail(__FILE__, __LINE__, "read: %zd (%s)", r,
			r < 0 ? kt_errname(errno) : "short");
		kt_abort();
	}
	idx = (unsigned char)buf[0];
	free(buf);
	return idx;
}

/*
 * A BLOCK room filled to the brim: r is a reader that has read nothing,
 * w a non-blocking writer, wb a blocking one.
 */
KT_FIXTURE(full) {
	struct kt_node node;
	int r, w, wb;
	unsigned int k;
};

KT_SETUP(full)
{
	kt_node_new(&self->node);
	self->r = kt_open(self->node.path, O_RDONLY);
	self->w = kt_open(self->node.path, O_WRONLY | O_NONBLOCK);
	self->wb = kt_open(self->node.path, O_WRONLY);
	kt_set_policy(self->w, KERNELTALK_POLICY_BLOCK);
	self->k = post_until_full(self->w, 100000);
	/* the room holds exactly what fits: used + cost <= capacity */
	ASSERT_EQ(kt_fit(kt_max_msg()), self->k);
}

/* ---- BLOCK ----------------------------------------------------------------- */

/* Without reading members nothing holds the ring: old messages recycle. */
KT_TEST(block_wronly_members_never_hold_back)
{
	struct kerneltalk_room_info info;
	struct kt_node node;
	unsigned int k = kt_fit(kt_max_msg()), n;
	int w, w2;

	kt_node_new(&node);
	w = kt_open(node.path, O_WRONLY | O_NONBLOCK);
	w2 = kt_open(node.path, O_WRONLY | O_NONBLOCK);
	kt_set_policy(w, KERNELTALK_POLICY_BLOCK);
	n = post_until_full(w, 3 * k + 3);
	EXPECT_EQ(3 * k + 3, n);
	kt_info(w2, &info);
	EXPECT_EQ(2, info.members);
	EXPECT_EQ(3 * k + 3, info.posted);
	EXPECT_EQ(kt_ring_base() + k * kt_cost(kt_max_msg()), info.used);
	EXPECT_EQ(2 * k + 4, info.first_seq);
	EXPECT_EQ(3 * k + 4, info.next_seq);
	EXPECT_EQ(0, info.dropped);	/* no reading member needed them */
}

KT_TEST_F(full, block_unread_reader_holds_back_eagain)
{
	struct kerneltalk_room_info info;
	size_t max = kt_max_msg();
	char *buf = calloc(1, max);

	ASSERT_TRUE(buf != NULL);
	EXPECT_ERRNO(EAGAIN, write(self->w, buf, max));
	free(buf);
	kt_info(self->r, &info);
	EXPECT_EQ(self->k, info.posted);
	EXPECT_EQ(1, info.first_seq);
	EXPECT_EQ(0, info.dropped);
	/* every message is still there for the reader, in order */
	EXPECT_EQ(0, read_indexed(self->r));
	EXPECT_EQ(1, read_indexed(self->r));
}

/* A reader that keeps up never makes a writer wait. */
KT_TEST(block_reader_keeping_up_never_blocks)
{
	struct kt_node node;
	unsigned int k = kt_fit(kt_max_msg()), i;
	int r, w;

	kt_node_new(&node);
	r = kt_open(node.path, O_RDONLY);
	w = kt_open(node.path, O_WRONLY | O_NONBLOCK);
	kt_set_policy(w, KERNELTALK_POLICY_BLOCK);
	for (i = 0; i < 3 * k; i++) {
		ASSERT_EQ(1, post_until_full(w, 1));
		EXPECT_EQ(0, read_indexed(r));
	}
}

struct blocked_io {
	int fd;
	size_t len;
	ssize_t ret;
	int err;
};

static void *blocked_write(void *p)
{
	struct blocked_io *io = p;
	char *buf = malloc(io->len);

	memset(buf, 'w', io->len);
	buf[0] = (char)0xfe;
	io->ret = write(io->fd, buf, io->len);
	io->err = errno;
	free(buf);
	return NULL;
}

static void *blocked_read(void *p)
{
	struct blocked_io *io = p;
	char *buf = malloc(io->len);

	io->ret = read(io->fd, buf, io->len);
	io->err = errno;
	free(buf);
	return NULL;
}

struct poll_arg {
	int fd;
	short events;
	short revents;
};

static void *blocked_poll(void *p)
{
	struct poll_arg *a = p;
	struct pollfd pfd = { .fd = a->fd, .events = a->events };

	if (poll(&pfd, 1, 10000) == 1)
		a->revents = pfd.revents;
	return NULL;
}

struct read_into {
	struct blocked_io *io;
	char *buf;
};

static void *blocked_read_into(void *p)
{
	struct read_into *ri = p;

	ri->io->ret = read(ri->io->fd, ri->buf, ri->io->len);
	ri->io->err = errno;
	return NULL;
}

/* Starts a thread whose post of io->len bytes must wait for space. */
static void start_blocked_write(struct kt_thread *t, struct blocked_io *io)
{
	kt_thread_start(t, blocked_write, io);
	ASSERT_TRUE(kt_thread_blocked_in(t, SYS_write, 5000));
}

/* The post that start_blocked_write() left waiting went through. */
static void expect_write_done(struct kt_thread *t, struct blocked_io *io)
{
	ASSERT_TRUE(kt_thread_join(t, 5000));
	EXPECT_EQ(io->len, io->ret);
}

/* A writer waits while the ring is held back, and goes on after a read. */
KT_TEST_F(full, block_write_waits_until_reader_reads)
{
	struct blocked_io io = { .fd = self->wb, .len = kt_max_msg() };
	struct kt_thread t;

	start_blocked_write(&t, &io);
	EXPECT_EQ(0, read_indexed(self->r));
	expect_write_done(&t, &io);
}

/* The lagging reader leaving releases the writer ... */
KT_TEST_F(full, block_writer_released_by_reader_close)
{
	struct blocked_io io = { .fd = self->wb, .len = kt_max_msg() };
	struct kt_thread t;

	start_blocked_write(&t, &io);
	EXPECT_EQ(0, close(self->r));
	expect_write_done(&t, &io);
}

/* ... so does skipping to the end ... */
KT_TEST_F(full, block_writer_released_by_reader_seek_end)
{
	struct blocked_io io = { .fd = self->wb, .len = kt_max_msg() };
	struct kt_thread t;

	start_blocked_write(&t, &io);
	EXPECT_EQ(0, lseek(self->r, 0, SEEK_END));
	expect_write_done(&t, &io);
}

/* ... and moving to another room. */
KT_TEST_F(full, block_writer_released_by_reader_join)
{
	struct blocked_io io = { .fd = self->wb, .len = kt_max_msg() };
	struct kt_thread t;
	char name[KERNELTALK_NAME_MAX];

	kt_room_name(name, "away");
	start_blocked_write(&t, &io);
	kt_join(self->r, name);
	expect_write_done(&t, &io);
}

/*
 * A reader whose unread messages are all its own, turning NOECHO on, no
 * longer holds them: a writer waiting on it goes on.
 */
KT_TEST(block_writer_released_by_reader_noecho)
{
	struct blocked_io io = { .len = kt_max_msg() };
	struct kt_node node;
	struct kt_thread t;
	unsigned int k = kt_fit(kt_max_msg());
	int self_reader;

	kt_node_new(&node);
	self_reader = kt_open(node.path, O_RDWR | O_NONBLOCK);
	io.fd = kt_open(node.path, O_WRONLY);
	kt_set_policy(self_reader, KERNELTALK_POLICY_BLOCK);
	/* it never read: its own posts never wait for it (below) */
	ASSERT_EQ(k, post_until_full(self_reader, k));
	start_blocked_write(&t, &io);
	kt_set_flags(self_reader, KERNELTALK_F_NOECHO);
	if (!kt_thread_join(&t, 5000)) {
		/* tell a lost wake-up from a post that really cannot go in */
		int w = kt_open(node.path, O_WRONLY | O_NONBLOCK);

		kt_fail(__FILE__, __LINE__,
			"writer still waiting 5 s after NOECHO; a non-blocking post %s",
			post_until_full(w, 1) ? "goes in now (lost wake-up)"
					      : "fails EAGAIN");
		kt_abort();
	}
	EXPECT_EQ(io.len, io.ret);
}

/*
 * A file that writes but has never read does not wait for itself: its
 * posts overwrite its own unread echo, which it is told about.  It still
 * holds back the posts of others.
 */
KT_TEST(block_member_never_blocks_on_itself)
{
	struct kerneltalk_room_info info;
	struct kt_node node;
	unsigned int k = kt_fit(kt_max_msg());
	size_t max = kt_max_msg();
	char *buf = malloc(max);
	int f, w;

	ASSERT_TRUE(buf != NULL);
	kt_node_new(&node);
	f = kt_open(node.path, O_RDWR | O_NONBLOCK);
	w = kt_open(node.path, O_WRONLY | O_NONBLOCK);
	kt_set_policy(f, KERNELTALK_POLICY_BLOCK);
	ASSERT_EQ(3 * k, post_until_full(f, 3 * k));
	EXPECT_EQ(KT_POLLOUT | POLLERR, kt_poll(f, KT_POLLOUT, 0));
	EXPECT_EQ(0, kt_poll(w, KT_POLLOUT, 0));
	EXPECT_EQ(0, post_until_full(w, 1));
	kt_info(w, &info);
	EXPECT_EQ(3 * k, info.posted);
	EXPECT_EQ(2 * k, info.dropped);
	EXPECT_ERRNO(EPIPE, read(f, buf, max));
	EXPECT_EQ(2 * k, read_indexed(f));
	free(buf);
}

/* stall_ms for the rooms this case creates, restored when it ends. */
static long saved_stall = -1;

static void restore_stall(void *unused)
{
	(void)unused;
	kt_param_set("stall_ms", saved_stall);
}

static void set_stall(long ms)
{
	saved_stall = kt_param("stall_ms");
	if (saved_stall < 0)
		kt_skip("no stall_ms parameter");
	kt_defer(restore_stall, NULL);
	kt_param_set("stall_ms", ms);
}

#define STALL_MS	3000	/* long enough for the setup, even under KASAN */

/*
 * A BLOCK room where r never reads and r2 (record mode) has read all k
 * messages that fill it; wb is a blocking writer, w a non-blocking one.
 */
KT_FIXTURE(stall) {
	struct kt_node node;
	int r, r2, w, wb;
	unsigned int k;
	long long filled;	/* kt_mono_ms() when r began holding */
};

KT_SETUP(stall)
{
	struct kerneltalk_msg h;
	unsigned int i;

	set_stall(STALL_MS);
	kt_node_new(&self->node);
	self->r = kt_open(self->node.path, O_RDONLY | O_NONBLOCK);
	self->r2 = kt_open(self->node.path, O_RDONLY | O_NONBLOCK);
	self->w = kt_open(self->node.path, O_WRONLY | O_NONBLOCK);
	self->wb = kt_open(self->node.path, O_WRONLY);
	kt_set_policy(self->w, KERNELTALK_POLICY_BLOCK);
	kt_set_flags(self->r2, KERNELTALK_F_RECORDS);
	self->filled = kt_mono_ms();
	self->k = post_until_full(self->w, 100000);
	ASSERT_EQ(kt_fit(kt_max_msg()), self->k);
	for (i = 0; i < self->k; i++) {
		ASSERT_EQ(KT_HDR + kt_max_msg(), kt_read_rec(self->r2, &h, NULL, 0));
		ASSERT_EQ(0, h.lost);
	}
}

/*
 * The writer waits for r for stall_ms, then r is overrun: -EPIPE, the
 * room's dropped counts it, and r2, which kept reading, lost nothing.
 */
KT_TEST_F(stall, block_stalled_reader_overrun_after_stall_ms)
{
	struct blocked_io io = { .fd = self->wb, .len = kt_max_msg() };
	struct kerneltalk_room_info info;
	struct kerneltalk_msg h;
	struct kt_thread t;
	char *buf = malloc(io.len);

	ASSERT_TRUE(buf != NULL);
	start_blocked_write(&t, &io);
	ASSERT_TRUE(kt_thread_join(&t, 5000 + STALL_MS));
	EXPECT_EQ(io.len, io.ret);
	EXPECT_TRUE(kt_mono_ms() - self->filled >= STALL_MS - 50);
	kt_info(self->w, &info);
	EXPECT_EQ(1, info.dropped);
	EXPECT_EQ(self->k + 1, info.posted);
	ASSERT_EQ(KT_HDR + io.len, kt_read_rec(self->r2, &h, NULL, 0));
	EXPECT_EQ(0, h.lost);
	EXPECT_EQ(self->k + 1, h.seq);
	EXPECT_ERRNO(EPIPE, read(self->r, buf, io.len));
	EXPECT_EQ(1, read_indexed(self->r));
	free(buf);
}

/* In record mode the overrun reader's next header counts the loss. */
KT_TEST_F(stall, block_stalled_record_reader_gets_lost)
{
	struct blocked_io io = { .fd = self->wb, .len = kt_max_msg() };
	struct kerneltalk_msg h;
	struct kt_thread t;

	kt_set_flags(self->r, KERNELTALK_F_RECORDS);
	start_blocked_write(&t, &io);
	ASSERT_TRUE(kt_thread_join(&t, 5000 + STALL_MS));
	ASSERT_EQ(KT_HDR + io.len, kt_read_rec(self->r, &h, NULL, 0));
	EXPECT_EQ(1, h.lost);
	EXPECT_EQ(2, h.seq);
}

/*
 * A non-blocking writer gets EAGAIN until r has stalled; a poll for
 * POLLOUT is woken when it has, and the post then goes in.
 */
KT_TEST_F(stall, block_stall_wakes_polling_writer)
{
	struct poll_arg pa = { .fd = self->w, .events = KT_POLLOUT };
	struct kt_thread t;

	EXPECT_EQ(0, post_until_full(self->w, 1));
	kt_thread_start(&t, blocked_poll, &pa);
	ASSERT_TRUE(kt_thread_join(&t, 5000 + STALL_MS));
	EXPECT_EQ(KT_POLLOUT, pa.revents);
	EXPECT_TRUE(kt_mono_ms() - self->filled >= STALL_MS - 50);
	EXPECT_EQ(1, post_until_full(self->w, 1));
	EXPECT_TRUE(kt_poll(self->r, POLLPRI, 0) & POLLPRI);
}

/* A reader that keeps reading, however slowly, is never overrun. */
static void *slow_reader(void *p)
{
	struct blocked_io *io = p;
	unsigned int i;

	kt_set_nonblock(io->fd, false);
	for (i = 0; i < io->len; i++) {
		if (read_indexed(io->fd) != (int)(i % 256))
			return (void *)1;
		kt_msleep(STALL_MS / 10);
	}
	return NULL;
}

KT_TEST_F_T(stall, block_reader_that_keeps_reading_never_overrun, 60)
{
	struct blocked_io io = { .fd = self->r, .len = 3 * self->k };
	struct kerneltalk_room_info info;
	struct kt_thread t;
	size_t max = kt_max_msg();
	char *buf = malloc(max);
	unsigned int i;

	ASSERT_TRUE(buf != NULL);
	EXPECT_EQ(0, close(self->r2));	/* it would stall */
	kt_thread_start(&t, slow_reader, &io);
	/* the k already posted, then 2k more, each waiting for a read */
	for (i = self->k; i < 3 * self->k; i++) {
		memset(buf, 'a', max);
		buf[0] = (char)i;
		ASSERT_EQ((ssize_t)max, write(self->wb, buf, max));
	}
	ASSERT_TRUE(kt_thread_join(&t, 3 * self->k * STALL_MS / 10 + 10000));
	EXPECT_TRUE(t.ret == NULL);
	kt_info(self->w, &info);
	EXPECT_EQ(0, info.dropped);
	free(buf);
}

/* stall_ms=0: the original behaviour, a writer waits as long as it takes. */
KT_TEST(block_stall_zero_waits_forever)
{
	struct blocked_io io = { .len = kt_max_msg() };
	struct kt_node node;
	struct kt_thread t;
	int r, w;

	set_stall(0);
	kt_node_new(&node);
	r = kt_open(node.path, O_RDONLY);
	w = kt_open(node.path, O_WRONLY | O_NONBLOCK);
	io.fd = kt_open(node.path, O_WRONLY);
	kt_set_policy(w, KERNELTALK_POLICY_BLOCK);
	ASSERT_EQ(kt_fit(kt_max_msg()), post_until_full(w, 100000));
	start_blocked_write(&t, &io);
	EXPECT_FALSE(kt_thread_join(&t, 2000));
	EXPECT_EQ(0, read_indexed(r));
	expect_write_done(&t, &io);
}

/*
 * The room's own bound, not the module's: with stall_ms=0 (wait forever)
 * a writer waits for r until the room's owner sets a bound, and then r,
 * idle for longer than it, is overrun and the writer goes on.
 */
KT_TEST(block_room_stall_releases_waiting_writer)
{
	struct blocked_io io = { .len = kt_max_msg() };
	struct kerneltalk_room_info info;
	struct kt_node node;
	struct kt_thread t;
	char *buf = malloc(io.len);
	int r, w;

	ASSERT_TRUE(buf != NULL);
	set_stall(0);
	kt_node_new(&node);
	r = kt_open(node.path, O_RDONLY | O_NONBLOCK);
	w = kt_open(node.path, O_WRONLY | O_NONBLOCK);
	io.fd = kt_open(node.path, O_WRONLY);
	kt_set_policy(w, KERNELTALK_POLICY_BLOCK);
	EXPECT_EQ(0, kt_room_stall(w));
	ASSERT_EQ(kt_fit(kt_max_msg()), post_until_full(w, 100000));
	start_blocked_write(&t, &io);
	kt_msleep(100);		/* r has been idle at least this long */
	kt_set_room_stall(w, 50);
	ASSERT_TRUE(kt_thread_join(&t, 5000));
	EXPECT_EQ(io.len, io.ret);
	kt_info(w, &info);
	EXPECT_EQ(1, info.dropped);
	EXPECT_ERRNO(EPIPE, read(r, buf, io.len));
	EXPECT_EQ(1, read_indexed(r));
	free(buf);
}

/* A room's bound of 0 waits forever, whatever the module's stall_ms. */
KT_TEST(block_room_stall_zero_waits_forever)
{
	struct blocked_io io = { .len = kt_max_msg() };
	struct kt_node node;
	struct kt_thread t;
	int r, w;

	set_stall(STALL_MS);
	kt_node_new(&node);
	r = kt_open(node.path, O_RDONLY);
	w = kt_open(node.path, O_WRONLY | O_NONBLOCK);
	io.fd = kt_open(node.path, O_WRONLY);
	kt_set_policy(w, KERNELTALK_POLICY_BLOCK);
	EXPECT_EQ(STALL_MS, kt_room_stall(w));
	kt_set_room_stall(w, 0);
	ASSERT_EQ(kt_fit(kt_max_msg()), post_until_full(w, 100000));
	start_blocked_write(&t, &io);
	EXPECT_FALSE(kt_thread_join(&t, STALL_MS + 2000));
	EXPECT_EQ(0, read_indexed(r));
	expect_write_done(&t, &io);
}

/* Switching the room to OVERWRITE releases a waiting writer at once. */
KT_TEST_F(full, block_writer_released_by_policy_overwrite)
{
	struct blocked_io io = { .fd = self->wb, .len = kt_max_msg() };
	struct kt_thread t;
	char *buf = malloc(io.len);

	ASSERT_TRUE(buf != NULL);
	start_blocked_write(&t, &io);
	kt_set_policy(self->w, KERNELTALK_POLICY_OVERWRITE);
	expect_write_done(&t, &io);
	/* which cost the reader its oldest message, reported */
	EXPECT_ERRNO(EPIPE, read(self->r, buf, io.len));
	EXPECT_EQ(1, read_indexed(self->r));
	free(buf);
}

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	(void)sig;
	got_signal++;
}

/* A signal without SA_RESTART ends the wait with EINTR; nothing posted. */
KT_TEST_F(full, block_write_eintr_without_restart)
{
	struct blocked_io io = { .fd = self->wb, .len = kt_max_msg() };
	struct kerneltalk_room_info info;
	struct kt_thread t;

	kt_signal(SIGUSR1, on_signal, false);
	start_blocked_write(&t, &io);
	ASSERT_EQ(0, pthread_kill(t.th, SIGUSR1));
	ASSERT_TRUE(kt_thread_join(&t, 5000));
	EXPECT_EQ(-1, io.ret);
	EXPECT_EQ(EINTR, io.err);
	EXPECT_EQ(1, got_signal);
	kt_info(self->w, &info);
	EXPECT_EQ(self->k, info.posted);
}

/* With SA_RESTART the write resumes waiting and completes later. */
KT_TEST_F(full, block_write_restarts_with_sa_restart)
{
	struct blocked_io io = { .fd = self->wb, .len = kt_max_msg() };
	struct kerneltalk_room_info info;
	struct kt_thread t;

	kt_signal(SIGUSR1, on_signal, true);
	start_blocked_write(&t, &io);
	ASSERT_EQ(0, pthread_kill(t.th, SIGUSR1));
	while (!got_signal)
		kt_msleep(1);
	ASSERT_TRUE(kt_thread_blocked_in(&t, SYS_write, 5000));
	EXPECT_EQ(0, read_indexed(self->r));
	expect_write_done(&t, &io);
	kt_info(self->w, &info);
	EXPECT_EQ(self->k + 1, info.posted);
}

/* A blocked writer can always be killed; the room stays usable. */
static void child_write_blocked(void *p)
{
	struct blocked_io *io = p;

	blocked_write(io);
}

KT_TEST_F(full, block_writer_killed_while_waiting)
{
	struct blocked_io io = { .fd = self->wb, .len = kt_max_msg() };
	struct kerneltalk_room_info info;
	pid_t pid = kt_fork(child_write_blocked, &io);

	ASSERT_TRUE(kt_pid_blocked_in(pid, SYS_write, 5000));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	EXPECT_EQ(128 + SIGKILL, kt_wait(pid, 5000));
	kt_info(self->w, &info);
	EXPECT_EQ(self->k, info.posted);
	EXPECT_EQ(0, read_indexed(self->r));
	EXPECT_EQ(1, post_until_full(self->w, 1));
}

/* ---- blocking reads ------------------------------------------------------------ */

KT_TEST_F(pair, read_blocks_until_post)
{
	struct blocked_io io = { .fd = self->b, .len = 64 };
	struct kt_thread t;

	kt_thread_start(&t, blocked_read, &io);
	ASSERT_TRUE(kt_thread_blocked_in(&t, SYS_read, 5000));
	kt_post(self->a, "wake up");
	ASSERT_TRUE(kt_thread_join(&t, 5000));
	EXPECT_EQ(7, io.ret);
}

/* One file, two threads: a post through it wakes its own blocked read. */
KT_TEST_F(pair, read_woken_by_post_through_same_file)
{
	struct blocked_io io = { .fd = self->a, .len = 64 };
	struct kt_thread t;

	kt_thread_start(&t, blocked_read, &io);
	ASSERT_TRUE(kt_thread_blocked_in(&t, SYS_read, 5000));
	kt_post(self->a, "echo");
	ASSERT_TRUE(kt_thread_join(&t, 5000));
	EXPECT_EQ(4, io.ret);
}

/* A blocked read follows its file into the room another thread joins. */
KT_TEST_F(pair, read_blocked_follows_join)
{
	struct blocked_io io = { .fd = self->b, .len = 64 };
	char name[KERNELTALK_NAME_MAX];
	struct kt_thread t;

	kt_room_name(name, "follow");
	kt_join(self->a, name);
	kt_thread_start(&t, blocked_read, &io);
	ASSERT_TRUE(kt_thread_blocked_in(&t, SYS_read, 5000));
	kt_join(self->b, name);
	kt_post(self->a, "over here");
	ASSERT_TRUE(kt_thread_join(&t, 5000));
	EXPECT_EQ(9, io.ret);
}

/*
 * close() while another thread is blocked reading the same file: the file
 * lives on until that read returns, then the member is gone (the original
 * leaked it).
 */
KT_TEST_F(pair, close_while_other_thread_reads)
{
	struct blocked_io io = { .len = 64 };
	struct kerneltalk_room_info info;
	struct kt_thread t;

	io.fd = kt_open(self->node.path, O_RDONLY);
	kt_thread_start(&t, blocked_read, &io);
	ASSERT_TRUE(kt_thread_blocked_in(&t, SYS_read, 5000));
	EXPECT_EQ(0, close(io.fd));
	kt_post(self->a, "to a closed fd");
	ASSERT_TRUE(kt_thread_join(&t, 5000));
	EXPECT_EQ(14, io.ret);
	kt_info(self->a, &info);
	EXPECT_EQ(2, info.members);
}

KT_TEST_F(pair, read_eintr_without_restart)
{
	struct blocked_io io = { .fd = self->b, .len = 64 };
	struct kt_thread t;
	char buf[16];

	kt_signal(SIGUSR1, on_signal, false);
	kt_thread_start(&t, blocked_read, &io);
	ASSERT_TRUE(kt_thread_blocked_in(&t, SYS_read, 5000));
	ASSERT_EQ(0, pthread_kill(t.th, SIGUSR1));
	ASSERT_TRUE(kt_thread_join(&t, 5000));
	EXPECT_EQ(-1, io.ret);
	EXPECT_EQ(EINTR, io.err);
	/* the member is intact: a later message is read normally */
	kt_post(self->a, "later");
	EXPECT_EQ(5, kt_read_str(self->b, buf, sizeof(buf)));
}

KT_TEST_F(pair, read_restarts_with_sa_restart)
{
	struct blocked_io io = { .fd = self->b, .len = 64 };
	struct kt_thread t;

	kt_signal(SIGUSR1, on_signal, true);
	kt_thread_start(&t, blocked_read, &io);
	ASSERT_TRUE(kt_thread_blocked_in(&t, SYS_read, 5000));
	ASSERT_EQ(0, pthread_kill(t.th, SIGUSR1));
	while (!got_signal)
		kt_msleep(1);
	ASSERT_TRUE(kt_thread_blocked_in(&t, SYS_read, 5000));
	kt_post(self->a, "restarted");
	ASSERT_TRUE(kt_thread_join(&t, 5000));
	EXPECT_EQ(9, io.ret);
}

KT_TEST_F(pair, read_nonblock_eagain)
{
	char buf[16];
	int nb = kt_open(self->node.path, O_RDONLY | O_NONBLOCK);

	EXPECT_ERRNO(EAGAIN, read(nb, buf, sizeof(buf)));
	/* O_NONBLOCK set later with fcntl counts too */
	kt_set_nonblock(self->b, true);
	EXPECT_ERRNO(EAGAIN, read(self->b, buf, sizeof(buf)));
	kt_post(self->a, "now");
	EXPECT_EQ(3, read(nb, buf, sizeof(buf)));
	EXPECT_EQ(3, read(self->b, buf, sizeof(buf)));
	EXPECT_ERRNO(EAGAIN, read(nb, buf, sizeof(buf)));
}

/*
 * Signals raining on threads that post and read through one file (the
 * original corrupted its lists when signals interrupted its locking):
 * every call either completes or fails EINTR, and the room stays sane.
 */
struct storm {
	int fd;
	volatile int stop;
	long posts, reads, eintr, bad;
};

static void *storm_poster(void *p)
{
	struct storm *s = p;
	char buf[64];

	memset(buf, 's', sizeof(buf));
	while (!s->stop) {
		ssize_t r = write(s->fd, buf, sizeof(buf));

		if (r == (ssize_t)sizeof(buf))
			__atomic_fetch_add(&s->posts, 1, __ATOMIC_RELAXED);
		else if (r == -1 && errno == EINTR)
			__atomic_fetch_add(&s->eintr, 1, __ATOMIC_RELAXED);
		else
			__atomic_fetch_add(&s->bad, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *storm_reader(void *p)
{
	struct storm *s = p;
	char buf[64];

	while (!s->stop) {
		ssize_t r = read(s->fd, buf, sizeof(buf));

		if (r == (ssize_t)sizeof(buf))
			__atomic_fetch_add(&s->reads, 1, __ATOMIC_RELAXED);
		else if (r == -1 && errno == EINTR)
			__atomic_fetch_add(&s->eintr, 1, __ATOMIC_RELAXED);
		else
			__atomic_fetch_add(&s->bad, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

KT_TEST_T(signal_storm_during_io, 60)
{
	struct kerneltalk_room_info info;
	struct storm s = { 0 };
	struct kt_thread t[4];
	struct kt_node node;
	bool all_done = false;
	long long end;
	int i, w;

	kt_node_new(&node);
	s.fd = kt_open(node.path, O_RDWR);
	w = kt_open(node.path, O_WRONLY | O_NONBLOCK);	/* holds nothing */
	kt_set_policy(s.fd, KERNELTALK_POLICY_BLOCK);
	kt_signal(SIGUSR1, on_signal, false);
	/*
	 * Readers first: until the file has read, its own unread echo does
	 * not hold its posts back (a file must not wait for itself).
	 */
	kt_thread_start(&t[2], storm_reader, &s);
	kt_thread_start(&t[3], storm_reader, &s);
	ASSERT_TRUE(kt_thread_blocked_in(&t[2], SYS_read, 5000));
	kt_thread_start(&t[0], storm_poster, &s);
	kt_thread_start(&t[1], storm_poster, &s);
	end = kt_mono_ms() + 2000;
	while (kt_mono_ms() < end)
		for (i = 0; i < 4; i++)
			pthread_kill(t[i].th, SIGUSR1);
	s.stop = 1;
	/*
	 * Release the waiters: readers with a post (of the size they expect;
	 * EAGAIN when posters filled the ring is fine), posters with a seek.
	 */
	for (end = kt_mono_ms() + 10000; !all_done && kt_mono_ms() < end;) {
		char wake[64];

		memset(wake, 'w', sizeof(wake));
		if (write(w, wake, sizeof(wake)) == -1)
			EXPECT_EQ(EAGAIN, errno);
		EXPECT_EQ(0, lseek(s.fd, 0, SEEK_END));
		all_done = true;
		for (i = 0; i < 4; i++)
			all_done &= __atomic_load_n(&t[i].done, __ATOMIC_SEQ_CST);
		kt_msleep(10);
	}
	for (i = 0; i < 4; i++)
		ASSERT_TRUE(kt_thread_join(&t[i], 1000));
	EXPECT_EQ(0, s.bad);
	EXPECT_TRUE(s.posts > 0);
	EXPECT_TRUE(s.reads > 0);
	kt_info(w, &info);
	EXPECT_EQ(2, info.members);
	EXPECT_TRUE(info.used <= info.capacity);
	EXPECT_EQ(info.posted, info.next_seq - 1);
	dprintf(STDERR_FILENO, "#   storm: %ld posts, %ld reads, %ld EINTR\n",
		s.posts, s.reads, s.eintr);
}

static void child_read_blocked(void *p)
{
	blocked_read(p);
}

KT_TEST_F(pair, blocked_reader_killed)
{
	struct blocked_io io = { .fd = -1, .len = 64 };
	struct kerneltalk_room_info info;
	pid_t pid;

	io.fd = kt_open(self->node.path, O_RDONLY);
	pid = kt_fork(child_read_blocked, &io);
	close(io.fd);
	ASSERT_TRUE(kt_pid_blocked_in(pid, SYS_read, 5000));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	EXPECT_EQ(128 + SIGKILL, kt_wait(pid, 5000));
	kt_info(self->a, &info);
	EXPECT_EQ(2, info.members);
	kt_post(self->a, "after");
}

/* ---- OVERWRITE --------------------------------------------------------------- */

/*
 * An OVERWRITE room with a reader r that read nothing while k + LOSS
 * messages were posted: the first LOSS are gone.
 */
#define LOSS 5

KT_FIXTURE(overrun) {
	struct kt_node node;
	int r, w;
	unsigned int k;
};

KT_SETUP(overrun)
{
	kt_node_new(&self->node);
	self->r = kt_open(self->node.path, O_RDONLY);
	self->w = kt_open(self->node.path, O_WRONLY | O_NONBLOCK);
	kt_set_policy(self->w, KERNELTALK_POLICY_OVERWRITE);
	self->k = kt_fit(kt_max_msg());
	/* posts never wait: no EAGAIN even though r holds everything */
	ASSERT_EQ(self->k + LOSS, post_until_full(self->w, self->k + LOSS));
}

KT_TEST_F(overrun, overwrite_counters)
{
	struct kerneltalk_room_info info;

	kt_info(self->r, &info);
	EXPECT_EQ(KERNELTALK_POLICY_OVERWRITE, info.policy);
	EXPECT_EQ(self->k + LOSS, info.posted);
	EXPECT_EQ(LOSS, info.dropped);
	EXPECT_EQ(LOSS + 1, info.first_seq);
	EXPECT_EQ(self->k + LOSS + 1, info.next_seq);
	EXPECT_EQ(kt_ring_base() + self->k * kt_cost(kt_max_msg()), info.used);
}

/* Stream mode: -EPIPE once, then the oldest retained message. */
KT_TEST_F(overrun, overwrite_stream_epipe_once)
{
	size_t max = kt_max_msg();
	char *buf = malloc(max);

	ASSERT_TRUE(buf != NULL);
	EXPECT_ERRNO(EPIPE, read(self->r, buf, max));
	EXPECT_EQ(LOSS, read_indexed(self->r));
	EXPECT_EQ(LOSS + 1, read_indexed(self->r));
	free(buf);
}

/* Record mode: no -EPIPE; the next header counts the lost messages. */
KT_TEST_F(overrun, overwrite_record_lost)
{
	struct kerneltalk_msg h;

	kt_set_flags(self->r, KERNELTALK_F_RECORDS);
	ASSERT_EQ(KT_HDR + kt_max_msg(), kt_read_rec(self->r, &h, NULL, 0));
	EXPECT_EQ(LOSS, h.lost);
	EXPECT_EQ(LOSS + 1, h.seq);
	ASSERT_EQ(KT_HDR + kt_max_msg(), kt_read_rec(self->r, &h, NULL, 0));
	EXPECT_EQ(0, h.lost);
	EXPECT_EQ(LOSS + 2, h.seq);
}

/* Losses are counted per reader, again for a second overrun. */
KT_TEST_F(overrun, overwrite_second_overrun_reported_again)
{
	size_t max = kt_max_msg();
	char *buf = malloc(max);
	unsigned int i;

	ASSERT_TRUE(buf != NULL);
	EXPECT_ERRNO(EPIPE, read(self->r, buf, max));
	EXPECT_EQ(LOSS, read_indexed(self->r));
	/* the reader is one message in; overrun it once more */
	for (i = 0; i < self->k; i++)
		ASSERT_EQ(1, post_until_full(self->w, 1));
	EXPECT_ERRNO(EPIPE, read(self->r, buf, max));
	EXPECT_TRUE(read(self->r, buf, max) == (ssize_t)max);
	free(buf);
}

/* A reader that read everything loses nothing and counts no drops. */
KT_TEST(overwrite_caught_up_reader_loses_nothing)
{
	struct kerneltalk_room_info info;
	struct kt_node node;
	unsigned int k = kt_fit(kt_max_msg()), i;
	int r, w;

	kt_node_new(&node);
	r = kt_open(node.path, O_RDONLY);
	w = kt_open(node.path, O_WRONLY | O_NONBLOCK);
	kt_set_policy(w, KERNELTALK_POLICY_OVERWRITE);
	for (i = 0; i < 3 * k; i++) {
		ASSERT_EQ(1, post_until_full(w, 1));
		EXPECT_EQ(0, read_indexed(r));
	}
	kt_info(r, &info);
	EXPECT_EQ(0, info.dropped);
	EXPECT_EQ(3 * k, info.posted);
}

/* dropped counts what some reading member still needed. */
KT_TEST_F(overrun, overwrite_dropped_only_if_needed)
{
	struct kerneltalk_room_info info;
	int r2 = kt_open(self->node.path, O_RDONLY);
	unsigned int i;

	/* r2 keeps up with 3 posts; r does not: all 3 drops count */
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(1, post_until_full(self->w, 1));
		read_indexed(r2);
	}
	kt_info(r2, &info);
	EXPECT_EQ(LOSS + 3, info.dropped);
	EXPECT_EQ(self->k + LOSS + 3, info.posted);
	/* r2 was never overrun */
	EXPECT_TRUE(kt_nothing_to_read(r2));
}

/*
 * A record left unread (-EMSGSIZE) with a lost count keeps that count
 * when the file switches to stream mode: -EPIPE first, then the message.
 */
KT_TEST_F(overrun, overwrite_lost_kept_across_switch_to_stream)
{
	size_t max = kt_max_msg();
	char *buf = malloc(max);

	ASSERT_TRUE(buf != NULL);
	kt_set_flags(self->r, KERNELTALK_F_RECORDS);
	EXPECT_ERRNO(EMSGSIZE, read(self->r, buf, 1));
	kt_set_flags(self->r, 0);
	EXPECT_EQ(KT_POLLIN | POLLERR | POLLPRI,
		  kt_poll(self->r, KT_POLLIN | POLLPRI, 0));
	EXPECT_ERRNO(EPIPE, read(self->r, buf, max));
	EXPECT_EQ(KT_POLLIN, kt_poll(self->r, KT_POLLIN | POLLPRI, 0));
	EXPECT_EQ(LOSS, read_indexed(self->r));
	EXPECT_EQ(LOSS + 1, read_indexed(self->r));
	free(buf);
}

/*
 * A message a reader is in the middle of stays charged to the room after
 * the ring recycles it: the room holds one message fewer until the reader
 * is done with it, and used never exceeds capacity.
 */
KT_TEST(overwrite_pinned_message_counted)
{
	struct kerneltalk_room_info info;
	unsigned int k = kt_fit(kt_max_msg()), i;
	__u32 base = kt_ring_base(), cost = kt_cost(kt_max_msg());
	size_t max = kt_max_msg();
	struct kt_node node;
	char *buf = malloc(max);
	int r, w;

	ASSERT_TRUE(buf != NULL);
	kt_node_new(&node);
	r = kt_open(node.path, O_RDONLY | O_NONBLOCK);
	w = kt_open(node.path, O_WRONLY | O_NONBLOCK);
	kt_set_policy(w, KERNELTALK_POLICY_OVERWRITE);
	ASSERT_EQ(1, post_until_full(w, 1));
	ASSERT_EQ(1, read(r, buf, 1));		/* pins message 1 */
	for (i = 0; i < k; i++)
		ASSERT_EQ(1, post_until_full(w, 1));
	kt_info(w, &info);
	EXPECT_EQ(k - 1, info.next_seq - info.first_seq);
	EXPECT_EQ(base + k * cost, info.used);
	EXPECT_TRUE(info.used <= info.capacity);
	/* the rest of the pinned message, intact, then its space is free */
	ASSERT_EQ((ssize_t)max - 1, read(r, buf, max));
	EXPECT_EQ('a', buf[max - 2]);
	kt_info(w, &info);
	EXPECT_EQ(base + (k - 1) * cost, info.used);
	EXPECT_ERRNO(EPIPE, read(r, buf, max));
	free(buf);
}

/*
 * A NOECHO reader overrun by its own posts loses only what others posted:
 * its own messages were never meant for it, so they count neither as
 * lost for it nor as dropped for the room.
 */
KT_TEST(overwrite_noecho_own_messages_not_lost)
{
	struct kerneltalk_room_info info;
	struct kerneltalk_msg h;
	struct kt_node node;
	unsigned int k = kt_fit(kt_max_msg()), i;
	int r, w;

	kt_node_new(&node);
	r = kt_open(node.path, O_RDWR | O_NONBLOCK);
	w = kt_open(node.path, O_WRONLY | O_NONBLOCK);
	kt_set_policy(w, KERNELTALK_POLICY_OVERWRITE);
	kt_set_flags(r, KERNELTALK_F_NOECHO | KERNELTALK_F_RECORDS);
	/* seq 1 from w, 2..4 from r, then w fills the ring and drops 1..4 */
	ASSERT_EQ(1, post_until_full(w, 1));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(1, post_until_full(r, 1));
	for (i = 0; i < k; i++)
		ASSERT_EQ(1, post_until_full(w, 1));
	kt_info(w, &info);
	EXPECT_EQ(5, info.first_seq);
	EXPECT_EQ(1, info.dropped);
	ASSERT_EQ(KT_HDR + kt_max_msg(), kt_read_rec(r, &h, NULL, 0));
	EXPECT_EQ(5, h.seq);
	EXPECT_EQ(1, h.lost);
}

/*
 * A write-only NOECHO file posts after others' messages that its cursor
 * (which no read ever moves) was created at have been recycled: nothing
 * of its own to skip there.  It once walked the freed slots: an oops.
 */
KT_TEST(wronly_noecho_posts_after_ring_recycled)
{
	struct kerneltalk_room_info info;
	struct kt_node node;
	unsigned int k = kt_fit(kt_max_msg());
	int w, other;

	kt_node_new(&node);
	w = kt_open(node.path, O_WRONLY | O_NONBLOCK);
	other = kt_open(node.path, O_WRONLY | O_NONBLOCK);
	kt_set_flags(w, KERNELTALK_F_NOECHO);
	/* no reader: the room recycles seq 1.. as other posts 2k more */
	ASSERT_EQ(2 * k + 1, post_until_full(other, 2 * k + 1));
	ASSERT_EQ(1, post_until_full(w, 1));
	kt_info(w, &info);
	EXPECT_EQ(2 * k + 2, info.posted);
	EXPECT_TRUE(info.first_seq > 1);
}

/* ---- poll ---------------------------------------------------------------------- */

KT_TEST_F(pair, poll_in_when_readable)
{
	char buf[16];

	EXPECT_EQ(KT_POLLOUT, kt_poll(self->b, KT_POLLALL, 0));
	kt_post(self->a, "xy");
	EXPECT_EQ(KT_POLLIN | KT_POLLOUT, kt_poll(self->b, KT_POLLALL, 0));
	/* a partly read message is still readable */
	EXPECT_EQ(1, read(self->b, buf, 1));
	EXPECT_EQ(KT_POLLIN | KT_POLLOUT, kt_poll(self->b, KT_POLLALL, 0));
	kt_read_str(self->b, buf, sizeof(buf));
	EXPECT_EQ(KT_POLLOUT, kt_poll(self->b, KT_POLLALL, 0));
	/* NOECHO: own messages do not make a member readable */
	kt_set_flags(self->b, KERNELTALK_F_NOECHO);
	kt_post(self->b, "own");
	EXPECT_EQ(KT_POLLOUT, kt_poll(self->b, KT_POLLALL, 0));
}

/* A file reports only the directions it was opened for. */
KT_TEST(poll_directions_follow_open_mode)
{
	struct kt_node node;
	int r, w;

	kt_node_new(&node);
	r = kt_open(node.path, O_RDONLY);
	w = kt_open(node.path, O_WRONLY);
	EXPECT_EQ(0, kt_poll(r, KT_POLLALL, 0));
	kt_post(w, "x");
	EXPECT_EQ(KT_POLLIN, kt_poll(r, KT_POLLALL, 0));
	EXPECT_EQ(KT_POLLOUT, kt_poll(w, KT_POLLALL, 0));
}

KT_TEST_F(full, poll_out_false_when_full)
{
	EXPECT_EQ(0, kt_poll(self->w, KT_POLLOUT, 0));
	EXPECT_EQ(0, kt_poll(self->wb, KT_POLLOUT, 0));
	EXPECT_EQ(KT_POLLIN, kt_poll(self->r, KT_POLLIN, 0));
	EXPECT_EQ(0, read_indexed(self->r));
	EXPECT_EQ(KT_POLLOUT, kt_poll(self->w, KT_POLLOUT, 0));
}

KT_TEST_F(overrun, poll_err_pri_while_overrun)
{
	size_t max = kt_max_msg();
	char *buf = malloc(max);

	ASSERT_TRUE(buf != NULL);
	/* OVERWRITE posts never wait: POLLOUT despite the lagging reader */
	EXPECT_EQ(KT_POLLOUT, kt_poll(self->w, KT_POLLOUT, 0));
	EXPECT_EQ(KT_POLLIN | POLLERR | POLLPRI,
		  kt_poll(self->r, KT_POLLIN | POLLPRI, 0));
	EXPECT_ERRNO(EPIPE, read(self->r, buf, max));
	EXPECT_EQ(KT_POLLIN, kt_poll(self->r, KT_POLLIN | POLLPRI, 0));
	free(buf);
}

KT_TEST_F(overrun, poll_err_clears_after_lost_record)
{
	struct kerneltalk_msg h;

	kt_set_flags(self->r, KERNELTALK_F_RECORDS);
	EXPECT_TRUE(kt_poll(self->r, POLLPRI, 0) & POLLERR);
	ASSERT_EQ(KT_HDR + kt_max_msg(), kt_read_rec(self->r, &h, NULL, 0));
	EXPECT_EQ(LOSS, h.lost);
	EXPECT_EQ(KT_POLLIN, kt_poll(self->r, KT_POLLIN | POLLPRI, 0));
}

KT_TEST_F(pair, poll_wakes_reader_on_post)
{
	struct poll_arg pa = { .fd = self->b, .events = KT_POLLIN };
	struct kt_thread t;

	kt_thread_start(&t, blocked_poll, &pa);
	ASSERT_TRUE(kt_thread_blocked_in(&t, -1, 5000));
	kt_post(self->a, "ping");
	ASSERT_TRUE(kt_thread_join(&t, 5000));
	EXPECT_EQ(KT_POLLIN, pa.revents);
}

KT_TEST_F(full, poll_wakes_writer_on_space)
{
	struct poll_arg pa = { .fd = self->w, .events = KT_POLLOUT };
	struct kt_thread t;

	kt_thread_start(&t, blocked_poll, &pa);
	ASSERT_TRUE(kt_thread_blocked_in(&t, -1, 5000));
	EXPECT_EQ(0, read_indexed(self->r));
	ASSERT_TRUE(kt_thread_join(&t, 5000));
	EXPECT_EQ(KT_POLLOUT, pa.revents);
}

/* An overrun wakes a poller that waits for POLLPRI alone. */
KT_TEST(poll_pri_woken_by_overrun)
{
	struct kt_node node;
	struct kt_thread t;
	struct poll_arg pa = { .events = POLLPRI };
	unsigned int k = kt_fit(kt_max_msg());
	int w;

	kt_node_new(&node);
	pa.fd = kt_open(node.path, O_RDONLY);
	w = kt_open(node.path, O_WRONLY | O_NONBLOCK);
	kt_set_policy(w, KERNELTALK_POLICY_OVERWRITE);
	ASSERT_EQ(k, post_until_full(w, k));
	kt_thread_start(&t, blocked_poll, &pa);
	ASSERT_TRUE(kt_thread_blocked_in(&t, -1, 5000));
	ASSERT_EQ(1, post_until_full(w, 1));
	ASSERT_TRUE(kt_thread_join(&t, 5000));
	EXPECT_EQ(POLLPRI | POLLERR, pa.revents);
}

/*
 * A NOECHO member overrun by its own posts is woken too: another thread
 * polling the same file learns of the loss.
 */
KT_TEST(poll_pri_woken_when_noecho_poster_overruns_itself)
{
	struct kt_node node;
	struct kt_thread t;
	struct poll_arg pa = { .events = POLLPRI };
	unsigned int k = kt_fit(kt_max_msg());
	int w;

	kt_node_new(&node);
	pa.fd = kt_open(node.path, O_RDWR | O_NONBLOCK);
	w = kt_open(node.path, O_WRONLY | O_NONBLOCK);
	kt_set_policy(w, KERNELTALK_POLICY_OVERWRITE);
	kt_set_flags(pa.fd, KERNELTALK_F_NOECHO);
	ASSERT_EQ(1, post_until_full(w, 1));
	kt_thread_start(&t, blocked_poll, &pa);
	ASSERT_TRUE(kt_thread_blocked_in(&t, -1, 5000));
	ASSERT_EQ(k, post_until_full(pa.fd, k));
	ASSERT_TRUE(kt_thread_join(&t, 5000));
	EXPECT_EQ(POLLPRI | POLLERR, pa.revents);
}

/*
 * poll takes no lock a read holds while copying out: a read stuck on a
 * userfaultfd page (or a FUSE-backed buffer) must not stall pollers.
 */
KT_TEST_F(pair, poll_not_blocked_by_read_faulting_in_copy)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_zeropage zero = { 0 };
	struct poll_arg pa = { .fd = self->b, .events = KT_POLLIN };
	struct blocked_io io = { .fd = self->b, .len = 4 };
	long page = sysconf(_SC_PAGESIZE);
	struct kt_thread tr, tp;
	int uffd;
	char *area;

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd == -1)
		kt_skip("userfaultfd: %s", kt_errname(errno));
	ASSERT_OK(ioctl(uffd, UFFDIO_API, &api));
	area = mmap(NULL, page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(area != MAP_FAILED);
	reg.range.start = (unsigned long)area;
	reg.range.len = page;
	ASSERT_OK(ioctl(uffd, UFFDIO_REGISTER, &reg));

	kt_post(self->a, "uffd");
	kt_thread_start(&tr, blocked_read_into, &(struct read_into){ &io, area });
	ASSERT_TRUE(kt_thread_blocked_in(&tr, SYS_read, 5000));
	kt_thread_start(&tp, blocked_poll, &pa);
	EXPECT_TRUE(kt_thread_join(&tp, 3000));
	EXPECT_EQ(KT_POLLIN, pa.revents);

	/* let the read finish: it gets the whole message */
	zero.range = reg.range;
	ASSERT_OK(ioctl(uffd, UFFDIO_ZEROPAGE, &zero));
	ASSERT_TRUE(kt_thread_join(&tr, 5000));
	EXPECT_EQ(4, io.ret);
	EXPECT_MEMEQ("uffd", area, 4);
	close(uffd);
}

/*
 * epoll keeps working when a fork-shared copy of the file is closed (the
 * original freed its room in .flush, then crashed through epoll).
 */
static void close_and_exit(void *p)
{
	close(*(int *)p);
}

KT_TEST_F(pair, epoll_survives_shared_close)
{
	struct epoll_event ev = { .events = EPOLLIN }, out;
	int ep = ASSERT_OK(epoll_create1(0));
	pid_t pid;

	ev.data.fd = self->b;
	ASSERT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, self->b, &ev));
	pid = kt_fork(close_and_exit, &self->b);
	kt_join_child(pid, 5000);
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 0));
	kt_post(self->a, "epoll");
	memset(&out, 0xcc, sizeof(out));
	EXPECT_EQ(1, epoll_wait(ep, &out, 1, 5000));
	EXPECT_EQ(EPOLLIN, out.events);
	EXPECT_EQ(self->b, out.data.fd);
	close(ep);
}

/* Closing a file still registered with epoll, then posting: no crash. */
KT_TEST_F(pair, epoll_registered_file_closed)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT }, out;
	int ep = ASSERT_OK(epoll_create1(0));

	ASSERT_OK(epoll_ctl(ep, EPOLL_CTL_ADD, self->b, &ev));
	EXPECT_EQ(0, close(self->b));
	kt_post(self->a, "nobody");
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 100));
	EXPECT_EQ(0, close(ep));
	kt_post(self->a, "still fine");
}

/*
 * Readable exactly while something is unread, however the cursor got
 * there: caught up, then behind by several posts, then caught up by reads
 * one at a time, by a seek to the history and back to the end, and with
 * NOECHO skipping the file's own last post.
 */
KT_TEST_F(pair, poll_readable_while_anything_unread)
{
	char buf[64];

	EXPECT_EQ(0, kt_poll(self->b, KT_POLLIN, 0));
	kt_post(self->a, "1");
	kt_post(self->a, "2");
	kt_post(self->a, "3");
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(KT_POLLIN, kt_poll(self->b, KT_POLLIN, 0));
		ASSERT_EQ(1, read(self->b, buf, sizeof(buf)));
	}
	EXPECT_EQ(0, kt_poll(self->b, KT_POLLIN, 0));
	ASSERT_OK(lseek(self->b, 0, SEEK_SET));
	EXPECT_EQ(KT_POLLIN, kt_poll(self->b, KT_POLLIN, 0));
	ASSERT_OK(lseek(self->b, 0, SEEK_END));
	EXPECT_EQ(0, kt_poll(self->b, KT_POLLIN, 0));
	kt_set_flags(self->b, KERNELTALK_F_NOECHO);
	kt_post(self->a, "4");
	kt_post(self->b, "own");
	EXPECT_EQ(KT_POLLIN, kt_poll(self->b, KT_POLLIN, 0));
	ASSERT_EQ(1, read(self->b, buf, sizeof(buf)));
	EXPECT_EQ(0, kt_poll(self->b, KT_POLLIN, 0));
	kt_post(self->b, "own again");
	EXPECT_EQ(0, kt_poll(self->b, KT_POLLIN, 0));
	kt_post(self->a, "5");
	EXPECT_EQ(KT_POLLIN, kt_poll(self->b, KT_POLLIN, 0));
}
