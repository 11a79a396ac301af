// SPDX-License-Identifier: GPL-2.0
/*
 * Batched record reads (KERNELTALK_F_RECORDS | KERNELTALK_F_BATCH): whole
 * records at KERNELTALK_RECORD_ALIGN offsets, zero gaps, short buffers,
 * faults after some records, lost counts, NOECHO, O_NONBLOCK and the
 * flag rules.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define KT_GROUP 15
#include "harness.h"

#define KT_BATCH	(KERNELTALK_F_RECORDS | KERNELTALK_F_BATCH)
#define KT_PAGE		4096

/* Where the record after one of @len payload bytes at @off starts. */
static long next_off(long off, size_t len)
{
	long rec = KT_HDR + (long)len;

	return off + ((rec + KERNELTALK_RECORD_ALIGN - 1) &
		      ~(long)(KERNELTALK_RECORD_ALIGN - 1));
}

/* Posts @n messages of @len bytes, each filled with 'a' + its index. */
static void post_n(int fd, unsigned int n, size_t len)
{
	for (unsigned int i = 0; i < n; i++)
		kt_post_len(fd, (char)('a' + i % 26), len);
}

/*
 * Parses a batch of @n bytes as the uapi header says; checks that every
 * record is whole, its payload as post_n() made it (first index @first0),
 * the gaps zero, and that @n ends at the last payload.  Returns the
 * records, their headers (up to @max) in @hdrs.
 */
static int parse_batch(const char *buf, long n, unsigned int first0,
		       struct kerneltalk_msg *hdrs, int max)
{
	long off = 0, end = 0;
	int count = 0;

	while (off + KT_HDR <= n) {
		struct kerneltalk_msg h;
		char fill = (char)('a' + (first0 + count) % 26);

		for (long i = end; i < off; i++)
			EXPECT_EQ(0, buf[i]);
		memcpy(&h, buf + off, sizeof(h));
		end = off + KT_HDR + h.len;
		ASSERT_TRUE(end <= n);
		for (long i = off + KT_HDR; i < end; i++)
			if (buf[i] != fill) {
				EXPECT_EQ(fill, buf[i]);
				break;
			}
		if (count < max)
			hdrs[count] = h;
		count++;
		off = next_off(off, h.len);
	}
	EXPECT_EQ(n, end);	/* no trailing gap */
	return count;
}

KT_TEST_F(pair, batch_without_records_einval)
{
	__u32 v = KERNELTALK_F_BATCH;

	EXPECT_ERRNO(EINVAL, ioctl(self->b, KERNELTALK_IOC_SET_FLAGS, &v));
	v = KERNELTALK_F_BATCH | KERNELTALK_F_NOECHO;
	EXPECT_ERRNO(EINVAL, ioctl(self->b, KERNELTALK_IOC_SET_FLAGS, &v));
	EXPECT_EQ(0, kt_get_flags(self->b));
	kt_set_flags(self->b, KT_BATCH);
	EXPECT_EQ(KT_BATCH, kt_get_flags(self->b));
	/* dropping RECORDS alone would leave BATCH alone */
	v = KERNELTALK_F_BATCH;
	EXPECT_ERRNO(EINVAL, ioctl(self->b, KERNELTALK_IOC_SET_FLAGS, &v));
	EXPECT_EQ(KT_BATCH, kt_get_flags(self->b));
}

/* Every readable record in one read, aligned, gaps zero, in order. */
KT_TEST_F(pair, batch_reads_all_aligned)
{
	static const size_t lens[] = { 1, 9, 16, 3, 100 };
	struct kerneltalk_msg h[8];
	char buf[4096];
	long n, off = 0, want = 0;
	int i;

	kt_set_flags(self->b, KT_BATCH);
	for (i = 0; i < 5; i++)
		kt_post_len(self->a, (char)('a' + i), lens[i]);
	memset(buf, 0xcc, sizeof(buf));
	n = read(self->b, buf, sizeof(buf));
	for (i = 0; i < 5; i++) {
		want = off + KT_HDR + (long)lens[i];
		off = next_off(off, lens[i]);
	}
	ASSERT_EQ(want, n);
	EXPECT_EQ((char)0xcc, buf[n]);
	ASSERT_EQ(5, parse_batch(buf, n, 0, h, 8));
	for (i = 0; i < 5; i++) {
		EXPECT_EQ(i + 1, h[i].seq);
		EXPECT_EQ(lens[i], h[i].len);
		EXPECT_EQ(0, h[i].lost);
	}
	EXPECT_TRUE(kt_nothing_to_read(self->b));
}

/* The first record too big: -EMSGSIZE, nothing lost; a later one: left. */
KT_TEST_F(pair, batch_short_buffer)
{
	struct kerneltalk_msg h[4];
	char buf[512];
	long one = KT_HDR + 10, two = next_off(0, 10) + KT_HDR + 10;

	kt_set_flags(self->b, KT_BATCH);
	post_n(self->a, 3, 10);
	EXPECT_ERRNO(EMSGSIZE, read(self->b, buf, one - 1));
	/* room for one record and part of the next: one */
	ASSERT_EQ(one, read(self->b, buf, two - 1));
	ASSERT_EQ(1, parse_batch(buf, one, 0, h, 4));
	EXPECT_EQ(1, h[0].seq);
	/* exactly two records */
	ASSERT_EQ(two, read(self->b, buf, two));
	ASSERT_EQ(2, parse_batch(buf, two, 1, h, 4));
	EXPECT_EQ(2, h[0].seq);
	EXPECT_EQ(3, h[1].seq);
	EXPECT_TRUE(kt_nothing_to_read(self->b));
}

/*
 * A buffer whose second page is unmapped: the records that fit in the
 * first page come back, the one across the edge is the first of the next
 * read.  When the very first record faults: -EFAULT and nothing is lost.
 */
KT_TEST_F(pair, batch_partial_on_fault)
{
	size_t len = 100;
	long per = next_off(0, len), whole = KT_PAGE / per;
	struct kerneltalk_msg h[64];
	char *p, buf[8192];
	long n;

	p = mmap(NULL, 2 * KT_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	ASSERT_OK(munmap(p + KT_PAGE, KT_PAGE));
	kt_set_flags(self->b, KT_BATCH);
	post_n(self->a, (unsigned int)whole + 5, len);

	n = read(self->b, p, 2 * KT_PAGE);
	ASSERT_EQ((whole - 1) * per + KT_HDR + (long)len, n);
	ASSERT_EQ(whole, parse_batch(p, n, 0, h, 64));
	EXPECT_EQ(whole, h[whole - 1].seq);

	/* the first record across the edge: -EFAULT, then it reads */
	EXPECT_ERRNO(EFAULT, read(self->b, p + KT_PAGE - KT_HDR, sizeof(buf)));
	n = read(self->b, buf, sizeof(buf));
	ASSERT_EQ(5, parse_batch(buf, n, (unsigned int)whole, h, 64));
	EXPECT_EQ(whole + 1, h[0].seq);
	EXPECT_EQ(whole + 5, h[4].seq);
	munmap(p, KT_PAGE);
}

/* OVERWRITE: the record after the loss carries it, the others 0. */
KT_TEST(batch_lost_counts_under_overwrite)
{
	struct kt_node node;
	struct kerneltalk_msg h[2];
	size_t len = 64;
	unsigned int k, got = 0, i;
	long size, n, off;
	char *buf;
	int r, w;

	kt_node_new(&node);
	r = kt_open(node.path, O_RDONLY);
	w = kt_open(node.path, O_WRONLY | O_NONBLOCK);
	kt_set_policy(w, KERNELTALK_POLICY_OVERWRITE);
	k = kt_fit(len);
	post_n(w, k + 3, len);
	kt_set_flags(r, KT_BATCH);
	size = (long)k * next_off(0, len);
	buf = malloc(size);
	ASSERT_TRUE(buf != NULL);
	while (got < k) {
		n = ASSERT_OK(read(r, buf, size));
		for (off = 0, i = 0; off + KT_HDR <= n; off = next_off(off, len), i++) {
			memcpy(h, buf + off, sizeof(h[0]));
			EXPECT_EQ(got + 4, h[0].seq);
			EXPECT_EQ(got ? 0 : 3, h[0].lost);
			got++;
		}
		ASSERT_TRUE(i > 0);
	}
	EXPECT_EQ(k, got);
	/* a loss between batches shows on the next batch's first record */
	post_n(w, k + 2, len);
	n = ASSERT_OK(read(r, buf, size));
	memcpy(h, buf, sizeof(h[0]));
	EXPECT_EQ(2, h[0].lost);
	EXPECT_EQ(k + 6, h[0].seq);
	EXPECT_EQ(0, ((struct kerneltalk_msg *)(buf + next_off(0, len)))->lost);
	free(buf);
}

/* NOECHO skips own messages inside a batch, as one record at a time. */
KT_TEST_F(pair, batch_noecho_skips_own)
{
	struct kerneltalk_msg h[4];
	char buf[1024];
	long n;

	kt_set_flags(self->a, KT_BATCH | KERNELTALK_F_NOECHO);
	kt_post_len(self->b, 'a', 5);
	kt_post_len(self->a, 'x', 6);
	kt_post_len(self->a, 'x', 7);
	kt_post_len(self->b, 'b', 8);
	kt_post_len(self->a, 'x', 9);
	n = read(self->a, buf, sizeof(buf));
	ASSERT_EQ(2, parse_batch(buf, n, 0, h, 4));
	EXPECT_EQ(1, h[0].seq);
	EXPECT_EQ(4, h[1].seq);
	EXPECT_EQ(8, h[1].len);
	EXPECT_EQ(0, h[1].flags & KERNELTALK_MSG_OWN);
	EXPECT_TRUE(kt_nothing_to_read(self->a));
}

/* Nothing readable: -EAGAIN under O_NONBLOCK, as in the other modes. */
KT_TEST_F(pair, batch_nonblock_nothing_eagain)
{
	char buf[256];

	kt_set_flags(self->b, KT_BATCH);
	kt_set_nonblock(self->b, true);
	EXPECT_ERRNO(EAGAIN, read(self->b, buf, sizeof(buf)));
	kt_post(self->a, "one");
	EXPECT_EQ(KT_HDR + 3, read(self->b, buf, sizeof(buf)));
	EXPECT_ERRNO(EAGAIN, read(self->b, buf, sizeof(buf)));
}

/* Turning batches on mid-message in stream mode is -EBUSY as RECORDS is. */
KT_TEST_F(pair, batch_switch_mid_message_ebusy)
{
	__u32 v = KT_BATCH;
	char buf[64];

	kt_post(self->a, "0123456789");
	kt_post(self->a, "next");
	ASSERT_EQ(4, read(self->b, buf, 4));
	EXPECT_ERRNO(EBUSY, ioctl(self->b, KERNELTALK_IOC_SET_FLAGS, &v));
	EXPECT_EQ(0, kt_get_flags(self->b));
	ASSERT_EQ(6, read(self->b, buf, sizeof(buf)));
	kt_set_flags(self->b, KT_BATCH);
	EXPECT_EQ(KT_HDR + 4, read(self->b, buf, sizeof(buf)));
	/* between records BATCH comes and goes freely */
	kt_set_flags(self->b, KERNELTALK_F_RECORDS);
	kt_set_flags(self->b, 0);
}
