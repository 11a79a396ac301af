// SPDX-License-Identifier: GPL-2.0
/*
 * Relaying: KERNELTALK_F_RELAY posts carry a struct kerneltalk_origin
 * that the kernel checks for form, marks KERNELTALK_MSG_RELAYED and shows
 * to record readers only; the kernel's stamps stay the poster's.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define KT_GROUP 48
#include "harness.h"

#define KT_ORIGIN	((long)sizeof(struct kerneltalk_origin))

/* An origin as a bridge would claim it, NUL-padded throughout. */
static void origin_init(struct kerneltalk_origin *o)
{
	memset(o, 0, sizeof(*o));
	o->size = sizeof(*o);
	o->time_ns = 1764590400123456789ULL;
	o->seq = 42;
	o->uid = 1001;
	o->pid = 4242;
	strcpy(o->host, "hostb");
	strcpy(o->user, "alice");
	strcpy(o->comm, "pwsh");
}

/* write() of @o followed by @text, as one message. */
static ssize_t post_relayed(int fd, const struct kerneltalk_origin *o,
			    const char *text)
{
	size_t len = strlen(text);
	char buf[512];

	memcpy(buf, o, sizeof(*o));
	memcpy(buf + sizeof(*o), text, len);
	return write(fd, buf, sizeof(*o) + len);
}

static void relay_on(int fd)
{
	kt_set_flags(fd, KERNELTALK_F_RELAY);
}

/* Layout is ABI: 160 bytes, no implicit padding. */
KT_TEST(origin_layout)
{
	EXPECT_EQ(160, KT_ORIGIN);
	EXPECT_EQ(0, offsetof(struct kerneltalk_origin, size));
	EXPECT_EQ(8, offsetof(struct kerneltalk_origin, time_ns));
	EXPECT_EQ(24, offsetof(struct kerneltalk_origin, uid));
	EXPECT_EQ(32, offsetof(struct kerneltalk_origin, host));
	EXPECT_EQ(96, offsetof(struct kerneltalk_origin, user));
	EXPECT_EQ(128, offsetof(struct kerneltalk_origin, comm));
	EXPECT_EQ(144, offsetof(struct kerneltalk_origin, reserved));
}

KT_TEST_F(pair, relay_flag_roundtrip)
{
	kt_set_flags(self->a, KERNELTALK_F_RELAY | KERNELTALK_F_RECORDS);
	EXPECT_EQ(KERNELTALK_F_RELAY | KERNELTALK_F_RECORDS,
		  kt_get_flags(self->a));
	kt_set_flags(self->a, 0);
	EXPECT_EQ(0, kt_get_flags(self->a));
}

/*
 * A record reader gets the header marked RELAYED, stamped with the
 * poster's own uid, pid and comm, and the envelope before the text.
 */
KT_TEST_F(pair, relayed_record_has_origin_and_poster_stamps)
{
	struct kerneltalk_origin o, got;
	struct kerneltalk_msg h;
	char payload[512], comm[16] = "";

	origin_init(&o);
	relay_on(self->a);
	kt_set_flags(self->b, KERNELTALK_F_RECORDS);
	ASSERT_EQ(KT_ORIGIN + 5, post_relayed(self->a, &o, "hello"));
	memset(payload, 0xcc, sizeof(payload));
	ASSERT_EQ(KT_HDR + KT_ORIGIN + 5,
		  kt_read_rec(self->b, &h, payload, sizeof(payload)));
	EXPECT_EQ(KERNELTALK_MSG_RELAYED, h.flags);
	EXPECT_EQ(KT_ORIGIN + 5, h.len);
	EXPECT_EQ(getuid(), h.uid);
	EXPECT_EQ(getpid(), h.pid);
	ASSERT_OK(prctl(PR_GET_NAME, comm));
	EXPECT_STREQ(comm, h.comm);
	memcpy(&got, payload, sizeof(got));
	EXPECT_MEMEQ(&o, &got, sizeof(o));
	EXPECT_MEMEQ("hello", payload + KT_ORIGIN, 5);
	EXPECT_EQ((char)0xcc, payload[KT_ORIGIN + 5]);
}

/* The poster's own copy is OWN and RELAYED. */
KT_TEST_F(pair, relayed_own_copy_is_own_and_relayed)
{
	struct kerneltalk_origin o;
	struct kerneltalk_msg h;

	origin_init(&o);
	kt_set_flags(self->a, KERNELTALK_F_RELAY | KERNELTALK_F_RECORDS);
	ASSERT_EQ(KT_ORIGIN + 2, post_relayed(self->a, &o, "hi"));
	ASSERT_EQ(KT_HDR + KT_ORIGIN + 2, kt_read_rec(self->a, &h, NULL, 0));
	EXPECT_EQ(KERNELTALK_MSG_OWN | KERNELTALK_MSG_RELAYED, h.flags);
}

/* Stream readers see the text alone, partial reads included. */
KT_TEST_F(pair, relayed_stream_reader_gets_text_only)
{
	struct kerneltalk_origin o;
	char buf[512];

	origin_init(&o);
	relay_on(self->a);
	ASSERT_EQ(KT_ORIGIN + 11, post_relayed(self->a, &o, "hello world"));
	kt_post(self->b, "local");
	EXPECT_EQ(4, read(self->b, buf, 4));
	EXPECT_MEMEQ("hell", buf, 4);
	EXPECT_EQ(7, kt_read_str(self->b, buf, sizeof(buf)));
	EXPECT_STREQ("o world", buf);
	EXPECT_EQ(5, kt_read_str(self->b, buf, sizeof(buf)));
	EXPECT_STREQ("local", buf);
	/* the relaying file itself reads its echo as text too */
	EXPECT_EQ(11, kt_read_str(self->a, buf, sizeof(buf)));
	EXPECT_STREQ("hello world", buf);
}

/*
 * A stream reader switching to records between messages: a message half
 * read as text still refuses the switch (-EBUSY), as for local ones.
 */
KT_TEST_F(pair, relayed_partial_text_blocks_record_switch)
{
	struct kerneltalk_origin o;
	__u32 f = KERNELTALK_F_RECORDS;
	char buf[512];

	origin_init(&o);
	relay_on(self->a);
	ASSERT_EQ(KT_ORIGIN + 6, post_relayed(self->a, &o, "abcdef"));
	EXPECT_EQ(2, read(self->b, buf, 2));
	EXPECT_ERRNO(EBUSY, ioctl(self->b, KERNELTALK_IOC_SET_FLAGS, &f));
	EXPECT_EQ(4, kt_read_str(self->b, buf, sizeof(buf)));
	EXPECT_STREQ("cdef", buf);
	kt_set_flags(self->b, KERNELTALK_F_RECORDS);
}

/*
 * Without F_RELAY the same bytes are just a local message: the flag
 * cannot be forged from the payload, and stream readers get every byte.
 */
KT_TEST_F(pair, envelope_without_relay_flag_is_local_text)
{
	struct kerneltalk_origin o;
	struct kerneltalk_msg h;
	char buf[512];

	origin_init(&o);
	ASSERT_EQ(KT_ORIGIN + 5, post_relayed(self->a, &o, "hello"));
	kt_set_flags(self->b, KERNELTALK_F_RECORDS);
	ASSERT_EQ(KT_HDR + KT_ORIGIN + 5, kt_read_rec(self->b, &h, NULL, 0));
	EXPECT_EQ(0, h.flags);
	EXPECT_EQ(KT_ORIGIN + 5, h.len);
	EXPECT_EQ(KT_ORIGIN + 5, read(self->a, buf, sizeof(buf)));
	EXPECT_MEMEQ(&o, buf, sizeof(o));
}

struct bad_origin {
	const char *what;
	void (*spoil)(struct kerneltalk_origin *o);
};

static void spoil_size_0(struct kerneltalk_origin *o) { o->size = 0; }
static void spoil_size_big(struct kerneltalk_origin *o) { o->size++; }
static void spoil_flags(struct kerneltalk_origin *o) { o->flags = 1; }
static void spoil_reserved0(struct kerneltalk_origin *o) { o->reserved[0] = 1; }
static void spoil_reserved1(struct kerneltalk_origin *o)
{
	o->reserved[1] = 1ULL << 63;
}
static void spoil_host_empty(struct kerneltalk_origin *o)
{
	memset(o->host, 0, sizeof(o->host));
}
static void spoil_host_no_nul(struct kerneltalk_origin *o)
{
	memset(o->host, 'h', sizeof(o->host));
}
static void spoil_host_tail(struct kerneltalk_origin *o)
{
	o->host[sizeof(o->host) - 1] = 'x';
}
static void spoil_user_no_nul(struct kerneltalk_origin *o)
{
	memset(o->user, 'u', sizeof(o->user));
}
static void spoil_user_tail(struct kerneltalk_origin *o) { o->user[7] = 'x'; }
static void spoil_comm_no_nul(struct kerneltalk_origin *o)
{
	memset(o->comm, 'c', sizeof(o->comm));
}
static void spoil_comm_tail(struct kerneltalk_origin *o) { o->comm[15] = 'x'; }

/* Every malformed envelope is -EINVAL and posts nothing. */
KT_TEST_F(pair, relay_bad_origin_einval)
{
	static const struct bad_origin bad[] = {
		{ "size 0", spoil_size_0 },
		{ "size 161", spoil_size_big },
		{ "flags", spoil_flags },
		{ "reserved[0]", spoil_reserved0 },
		{ "reserved[1]", spoil_reserved1 },
		{ "empty host", spoil_host_empty },
		{ "host without NUL", spoil_host_no_nul },
		{ "byte after host's NUL", spoil_host_tail },
		{ "user without NUL", spoil_user_no_nul },
		{ "byte after user's NUL", spoil_user_tail },
		{ "comm without NUL", spoil_comm_no_nul },
		{ "byte after comm's NUL", spoil_comm_tail },
	};
	struct kerneltalk_room_info info;
	struct kerneltalk_origin o;
	size_t i;

	relay_on(self->a);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		origin_init(&o);
		bad[i].spoil(&o);
		errno = 0;
		if (post_relayed(self->a, &o, "text") != -1 || errno != EINVAL)
			kt_fail(__FILE__, __LINE__, "%s: not EINVAL (%s)",
				bad[i].what, kt_errname(errno));
	}
	kt_info(self->a, &info);
	EXPECT_EQ(0, info.posted);
	EXPECT_TRUE(kt_nothing_to_read(self->b));
	/* empty user and comm, pid 0: an origin that knows no more is fine */
	origin_init(&o);
	memset(o.user, 0, sizeof(o.user));
	memset(o.comm, 0, sizeof(o.comm));
	o.pid = 0;
	EXPECT_EQ(KT_ORIGIN + 4, post_relayed(self->a, &o, "text"));
}

/*
 * Sizes: the text obeys max_msg alone, 1..max_msg bytes after the
 * envelope; an envelope without text (or less) is -EINVAL.
 */
KT_TEST_F(pair, relay_sizes)
{
	size_t max = kt_max_msg(), size = KT_HDR + KT_ORIGIN + max + 1;
	struct kerneltalk_origin o;
	struct kerneltalk_msg h;
	char *buf = malloc(size);

	ASSERT_TRUE(buf != NULL);
	origin_init(&o);
	relay_on(self->a);
	kt_set_flags(self->b, KERNELTALK_F_RECORDS);
	memset(buf, 'r', size);
	memcpy(buf, &o, sizeof(o));
	EXPECT_ERRNO(EINVAL, write(self->a, buf, 1));
	EXPECT_ERRNO(EINVAL, write(self->a, buf, KT_ORIGIN - 1));
	EXPECT_ERRNO(EINVAL, write(self->a, buf, KT_ORIGIN));
	EXPECT_ERRNO(EMSGSIZE, write(self->a, buf, KT_ORIGIN + max + 1));
	EXPECT_EQ(0, write(self->a, buf, 0));
	EXPECT_TRUE(kt_nothing_to_read(self->b));
	ASSERT_EQ(KT_ORIGIN + (long)max, write(self->a, buf, KT_ORIGIN + max));
	/* a record reader needs room for the envelope as well */
	EXPECT_ERRNO(EMSGSIZE, read(self->b, buf, KT_HDR + max));
	ASSERT_EQ(KT_HDR + KT_ORIGIN + (long)max, read(self->b, buf, size));
	memcpy(&h, buf, sizeof(h));
	EXPECT_EQ(KT_ORIGIN + max, h.len);
	EXPECT_EQ('r', buf[KT_HDR + KT_ORIGIN + max - 1]);
	/* a stream reader gets max_msg bytes of text */
	EXPECT_EQ((long)max, read(self->a, buf, size));
	free(buf);
}

/* A relayed max_msg post fits an empty room without waiting. */
KT_TEST_F(pair, relayed_max_msg_fits_a_room)
{
	size_t max = kt_max_msg();
	struct kerneltalk_origin o;
	char *buf = malloc(KT_ORIGIN + max);

	ASSERT_TRUE(buf != NULL);
	origin_init(&o);
	memset(buf, 'r', KT_ORIGIN + max);
	memcpy(buf, &o, sizeof(o));
	relay_on(self->a);
	kt_set_nonblock(self->a, true);
	EXPECT_EQ(POLLOUT, kt_poll(self->a, POLLOUT, 0));
	EXPECT_EQ(KT_ORIGIN + (long)max, write(self->a, buf, KT_ORIGIN + max));
	free(buf);
}

static void post_relayed_as_nobody(void *p)
{
	const char *path = p;
	struct kerneltalk_origin o;
	int fd;

	kt_drop_privileges(65534, 65534);
	fd = kt_open(path, O_WRONLY);
	origin_init(&o);
	relay_on(fd);
	EXPECT_EQ(KT_ORIGIN + 6, post_relayed(fd, &o, "nobody"));
	close(fd);
}

/*
 * No privilege is needed, and the stamps still name the relaying user:
 * nobody relaying for alice@hostb shows as nobody, marked RELAYED.
 */
KT_TEST_F(pair, relay_needs_no_privilege_and_stamps_the_relayer)
{
	struct kerneltalk_origin got;
	struct kerneltalk_msg h;
	char payload[512];

	ASSERT_OK(chmod(self->node.path, 0666));
	kt_set_flags(self->b, KERNELTALK_F_RECORDS);
	kt_join_child(kt_fork(post_relayed_as_nobody, self->node.path), 10000);
	ASSERT_EQ(KT_HDR + KT_ORIGIN + 6,
		  kt_read_rec(self->b, &h, payload, sizeof(payload)));
	EXPECT_EQ(KERNELTALK_MSG_RELAYED, h.flags);
	EXPECT_EQ(65534, h.uid);
	memcpy(&got, payload, sizeof(got));
	EXPECT_EQ(1001, got.uid);
	EXPECT_STREQ("alice", got.user);
}

/* MEMBERS tells relaying files apart. */
KT_TEST_F(pair, members_show_relay_flag)
{
	struct kerneltalk_member_info info[2];
	struct kerneltalk_member_list list = {
		.count = 2, .members = (__u64)(uintptr_t)info,
	};

	relay_on(self->a);
	memset(info, 0xcc, sizeof(info));
	ASSERT_OK(ioctl(self->b, KERNELTALK_IOC_MEMBERS, &list));
	ASSERT_EQ(2, list.count);
	EXPECT_TRUE(info[0].flags & KERNELTALK_MEMBER_RELAY);
	EXPECT_FALSE(info[1].flags & KERNELTALK_MEMBER_RELAY);
}
