// SPDX-License-Identifier: GPL-2.0
/*
 * KERNELTALK_IOC_POST: a post that reports its sequence number and time,
 * through the same rules as write().
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KT_GROUP 48
#include "harness.h"

/* NULL the compiler cannot see through */
static void *volatile kt_null;

/* POST of len bytes at data; returns ioctl()'s result, *post filled. */
static int post_ioctl(int fd, const void *data, __u32 len,
		      struct kerneltalk_post *post)
{
	memset(post, 0, sizeof(*post));
	post->data = (__u64)(uintptr_t)data;
	post->len = len;
	return ioctl(fd, KERNELTALK_IOC_POST, post);
}

static void expect_posted(int fd, __u64 posted)
{
	struct kerneltalk_room_info info;

	kt_info(fd, &info);
	EXPECT_EQ(posted, info.posted);
}

KT_TEST(post_layout)
{
	EXPECT_EQ(64, sizeof(struct kerneltalk_post));
	EXPECT_EQ(0, offsetof(struct kerneltalk_post, data));
	EXPECT_EQ(8, offsetof(struct kerneltalk_post, len));
	EXPECT_EQ(12, offsetof(struct kerneltalk_post, flags));
	EXPECT_EQ(16, offsetof(struct kerneltalk_post, seq));
	EXPECT_EQ(24, offsetof(struct kerneltalk_post, time_ns));
	EXPECT_EQ(32, offsetof(struct kerneltalk_post, reserved));
	EXPECT_EQ(_IOC_READ | _IOC_WRITE, _IOC_DIR(KERNELTALK_IOC_POST));
	EXPECT_EQ(64, _IOC_SIZE(KERNELTALK_IOC_POST));
	EXPECT_EQ(0x0B, _IOC_NR(KERNELTALK_IOC_POST));
}

/* The seq and time given are those every reader sees, among write()s. */
KT_TEST_F(pair, post_seq_and_time_are_what_readers_see)
{
	struct kerneltalk_post p1, p3;
	struct kerneltalk_msg h;
	char text[16] = { 0 };
	long long before = kt_now_ns();

	kt_set_flags(self->b, KERNELTALK_F_RECORDS);
	kt_set_flags(self->a, KERNELTALK_F_RECORDS);
	ASSERT_EQ(0, post_ioctl(self->a, "one", 3, &p1));
	kt_post(self->a, "two");
	ASSERT_EQ(0, post_ioctl(self->a, "three", 5, &p3));
	EXPECT_EQ(1, p1.seq);
	EXPECT_EQ(3, p3.seq);
	EXPECT_TRUE((long long)p1.time_ns >= before);
	EXPECT_TRUE(p3.time_ns >= p1.time_ns);
	EXPECT_TRUE((long long)p3.time_ns <= kt_now_ns());
	EXPECT_EQ(3, p1.len);
	EXPECT_EQ(0, p1.flags);
	EXPECT_EQ(0, p3.reserved[0] | p3.reserved[1] | p3.reserved[2] |
		     p3.reserved[3]);

	ASSERT_EQ(KT_HDR + 3, kt_read_rec(self->b, &h, text, sizeof(text)));
	EXPECT_EQ(p1.seq, h.seq);
	EXPECT_EQ(p1.time_ns, h.time_ns);
	EXPECT_MEMEQ("one", text, 3);
	EXPECT_EQ(0, h.flags);
	ASSERT_EQ(KT_HDR + 3, kt_read_rec(self->b, &h, NULL, 0));
	EXPECT_EQ(2, h.seq);
	ASSERT_EQ(KT_HDR + 5, kt_read_rec(self->b, &h, text, sizeof(text)));
	EXPECT_EQ(p3.seq, h.seq);
	EXPECT_EQ(p3.time_ns, h.time_ns);
	EXPECT_MEMEQ("three", text, 5);
	/* the poster's own echo carries the same seq, marked own */
	ASSERT_EQ(KT_HDR + 3, kt_read_rec(self->a, &h, NULL, 0));
	EXPECT_EQ(p1.seq, h.seq);
	EXPECT_EQ(KERNELTALK_MSG_OWN, h.flags);
}

/* Stamps as write(): the uid the file was opened with, the poster's pid. */
KT_TEST_F(pair, post_stamps_as_write)
{
	struct kerneltalk_post p;
	struct kerneltalk_msg h;
	int fd;

	if (geteuid() != 0)
		kt_skip("needs root");
	fd = kt_open_as(self->node.path, O_WRONLY, 65534, 65534);
	kt_set_flags(self->b, KERNELTALK_F_RECORDS);
	ASSERT_EQ(0, post_ioctl(fd, "x", 1, &p));
	ASSERT_EQ(KT_HDR + 1, kt_read_rec(self->b, &h, NULL, 0));
	EXPECT_EQ(p.seq, h.seq);
	EXPECT_EQ(65534, h.uid);
	EXPECT_EQ(getpid(), h.pid);
	close(fd);
}

/* NOECHO holds for posts made by ioctl, as for write(). */
KT_TEST_F(pair, post_noecho_skips_own)
{
	struct kerneltalk_post p;
	char buf[16];

	kt_set_flags(self->a, KERNELTALK_F_NOECHO);
	ASSERT_EQ(0, post_ioctl(self->a, "quiet", 5, &p));
	EXPECT_EQ(1, p.seq);
	EXPECT_TRUE(kt_nothing_to_read(self->a));
	EXPECT_EQ(5, kt_read_str(self->b, buf, sizeof(buf)));
	EXPECT_STREQ("quiet", buf);
}

/* A length of 0 posts nothing and gives seq and time 0, as write() does. */
KT_TEST_F(pair, post_zero_length_posts_nothing)
{
	struct kerneltalk_post p;

	ASSERT_EQ(0, post_ioctl(self->a, "ignored", 0, &p));
	EXPECT_EQ(0, p.seq);
	EXPECT_EQ(0, p.time_ns);
	ASSERT_EQ(0, post_ioctl(self->a, kt_bad_ptr(), 0, &p));
	expect_posted(self->a, 0);
	EXPECT_TRUE(kt_nothing_to_read(self->b));
}

KT_TEST_F(pair, post_einval_flags_and_reserved)
{
	struct kerneltalk_post p;
	unsigned int i;

	memset(&p, 0, sizeof(p));
	p.data = (__u64)(uintptr_t)"x";
	p.len = 1;
	p.flags = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->a, KERNELTALK_IOC_POST, &p));
	p.flags = 0x80000000U;
	EXPECT_ERRNO(EINVAL, ioctl(self->a, KERNELTALK_IOC_POST, &p));
	p.flags = 0;
	for (i = 0; i < 4; i++) {
		p.reserved[i] = 1ULL << 63;
		EXPECT_ERRNO(EINVAL, ioctl(self->a, KERNELTALK_IOC_POST, &p));
		p.reserved[i] = 0;
	}
	/* also with a length of 0 */
	p.len = 0;
	p.flags = 2;
	EXPECT_ERRNO(EINVAL, ioctl(self->a, KERNELTALK_IOC_POST, &p));
	expect_posted(self->a, 0);
	/* seq and time_ns are outputs: whatever they hold is ignored */
	p.flags = 0;
	p.len = 1;
	p.seq = 99;
	p.time_ns = 5;
	ASSERT_EQ(0, ioctl(self->a, KERNELTALK_IOC_POST, &p));
	EXPECT_EQ(1, p.seq);
}

/* Bad data or argument pointers post nothing. */
KT_TEST_F(pair, post_efault_posts_nothing)
{
	char *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kerneltalk_post p;

	ASSERT_TRUE(pages != MAP_FAILED);
	ASSERT_OK(mprotect(pages + 4096, 4096, PROT_NONE));
	memset(pages, 'p', 4096);
	EXPECT_ERRNO(EFAULT, post_ioctl(self->a, kt_bad_ptr(), 10, &p));
	EXPECT_ERRNO(EFAULT, post_ioctl(self->a, kt_null, 10, &p));
	/* readable start, unreadable end: all or nothing */
	EXPECT_ERRNO(EFAULT, post_ioctl(self->a, pages + 4096 - 5, 10, &p));
	EXPECT_ERRNO(EFAULT, ioctl(self->a, KERNELTALK_IOC_POST, kt_bad_ptr()));
	EXPECT_ERRNO(EFAULT, ioctl(self->a, KERNELTALK_IOC_POST, kt_null));
	/* an argument straddling into the unreadable page */
	EXPECT_ERRNO(EFAULT, ioctl(self->a, KERNELTALK_IOC_POST,
				   pages + 4096 - 8));
	expect_posted(self->a, 0);
	EXPECT_TRUE(kt_nothing_to_read(self->b));
	ASSERT_EQ(0, post_ioctl(self->a, "fine", 4, &p));
	EXPECT_EQ(1, p.seq);
	munmap(pages, 8192);
}

/* A result that cannot be written back: EFAULT, the message posted. */
KT_TEST_F(pair, post_efault_on_result_after_post)
{
	struct kerneltalk_post *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char buf[16];

	ASSERT_TRUE(ro != MAP_FAILED);
	memset(ro, 0, sizeof(*ro));
	ro->data = (__u64)(uintptr_t)"late";
	ro->len = 4;
	ASSERT_OK(mprotect(ro, 4096, PROT_READ));
	EXPECT_ERRNO(EFAULT, ioctl(self->a, KERNELTALK_IOC_POST, ro));
	expect_posted(self->a, 1);
	EXPECT_EQ(4, kt_read_str(self->b, buf, sizeof(buf)));
	EXPECT_STREQ("late", buf);
	munmap(ro, 4096);
}

KT_TEST_F(pair, post_emsgsize_over_max_msg)
{
	size_t max = kt_max_msg();
	char *buf = calloc(1, max + 1);
	struct kerneltalk_post p;

	ASSERT_TRUE(buf != NULL);
	EXPECT_ERRNO(EMSGSIZE, post_ioctl(self->a, buf, max + 1, &p));
	EXPECT_ERRNO(EMSGSIZE, post_ioctl(self->a, buf, 0xffffffffU, &p));
	expect_posted(self->a, 0);
	ASSERT_EQ(0, post_ioctl(self->a, buf, max, &p));
	EXPECT_EQ(1, p.seq);
	free(buf);
}

/* A file not open for writing gets EBADF, as write() does. */
KT_TEST_F(pair, post_ebadf_read_only)
{
	struct kerneltalk_post p;
	int fd = kt_open(self->node.path, O_RDONLY);

	EXPECT_ERRNO(EBADF, write(fd, "x", 1));
	EXPECT_ERRNO(EBADF, post_ioctl(fd, "x", 1, &p));
	EXPECT_ERRNO(EBADF, post_ioctl(fd, "x", 0, &p));
	expect_posted(self->a, 0);
	close(fd);
}

/* A BLOCK room that an unread reader holds full, and its writers. */
KT_FIXTURE(held) {
	struct kt_node node;
	int r, w, wb;
	unsigned int k;
};

KT_SETUP(held)
{
	size_t max = kt_max_msg();
	char *buf = calloc(1, max);
	ssize_t n;

	ASSERT_TRUE(buf != NULL);
	kt_node_new(&self->node);
	self->r = kt_open(self->node.path, O_RDONLY);
	self->w = kt_open(self->node.path, O_WRONLY | O_NONBLOCK);
	self->wb = kt_open(self->node.path, O_WRONLY);
	kt_set_policy(self->w, KERNELTALK_POLICY_BLOCK);
	while ((n = write(self->w, buf, max)) == (ssize_t)max)
		self->k++;
	ASSERT_EQ(-1, n);
	ASSERT_EQ(EAGAIN, errno);
	free(buf);
}

KT_TEST_F(held, post_nonblock_full_eagain)
{
	struct kerneltalk_post p;

	EXPECT_ERRNO(EAGAIN, post_ioctl(self->w, "x", 1, &p));
	expect_posted(self->w, self->k);
}

struct blocked_post {
	int fd;
	int ret;
	int err;
	struct kerneltalk_post p;
};

static void *blocked_post(void *arg)
{
	struct blocked_post *bp = arg;

	bp->ret = post_ioctl(bp->fd, "waited", 6, &bp->p);
	bp->err = errno;
	return NULL;
}

/* Blocking: waits for the reader, then reports the seq it got. */
KT_TEST_F(held, post_blocking_waits_for_reader)
{
	struct blocked_post bp = { .fd = self->wb };
	struct kerneltalk_msg h;
	struct kt_thread t;

	kt_thread_start(&t, blocked_post, &bp);
	ASSERT_TRUE(kt_thread_blocked_in(&t, SYS_ioctl, 5000));
	kt_set_flags(self->r, KERNELTALK_F_RECORDS);
	ASSERT_EQ(KT_HDR + kt_max_msg(), kt_read_rec(self->r, &h, NULL, 0));
	ASSERT_TRUE(kt_thread_join(&t, 5000));
	EXPECT_EQ(0, bp.ret);
	EXPECT_EQ(self->k + 1, bp.p.seq);
	/* the reader finds it at that seq, after the k that filled the room */
	do
		ASSERT_TRUE(kt_read_rec(self->r, &h, NULL, 0) > 0);
	while (h.seq < bp.p.seq);
	EXPECT_EQ(bp.p.seq, h.seq);
	EXPECT_EQ(bp.p.time_ns, h.time_ns);
	EXPECT_EQ(6, h.len);
}

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	(void)sig;
	got_signal++;
}

/* The wait is interruptible; a signal without SA_RESTART posts nothing. */
KT_TEST_F(held, post_blocking_eintr)
{
	struct blocked_post bp = { .fd = self->wb };
	struct kt_thread t;

	kt_signal(SIGUSR1, on_signal, false);
	kt_thread_start(&t, blocked_post, &bp);
	ASSERT_TRUE(kt_thread_blocked_in(&t, SYS_ioctl, 5000));
	ASSERT_EQ(0, pthread_kill(t.th, SIGUSR1));
	ASSERT_TRUE(kt_thread_join(&t, 5000));
	EXPECT_EQ(-1, bp.ret);
	EXPECT_EQ(EINTR, bp.err);
	EXPECT_EQ(1, got_signal);
	expect_posted(self->w, self->k);
}

/* The number with another size or direction is not POST. */
KT_TEST_F(pair, post_wrong_size_or_direction_enotty)
{
	static const unsigned long cmds[] = {
		_IOW(KERNELTALK_IOC_MAGIC, 0x0B, struct kerneltalk_post),
		_IOWR(KERNELTALK_IOC_MAGIC, 0x0B, struct kerneltalk_msg),
		_IOWR(KERNELTALK_IOC_MAGIC, 0x0B, __u64[4]),
	};
	char arg[sizeof(struct kerneltalk_post)] = { 0 };
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		EXPECT_ERRNO(ENOTTY, ioctl(self->a, cmds[i], arg));
	expect_posted(self->a, 0);
}
