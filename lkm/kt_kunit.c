// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the ring and cursor logic (kt_ring.c), built into this
 * module of its own (kerneltalk_kunit.ko): the suite runs when it is
 * loaded, on rooms and members it makes itself, without a device, a file
 * or a wait queue.  The ring's hooks record what they were asked.
 *
 * Geometry: capacity 1000 bytes, 16 slots, messages costing 100 unless a
 * case says otherwise, so a ring holds 10 of them; "full" means a 300-byte
 * message (kt_max_cost) would wait.  The slot array is not charged.
 */
#include <kunit/test.h>
#include <linux/module.h>

/*
 * The ring itself, compiled into this module (kernel 6.1 has no
 * EXPORT_SYMBOL_IF_KUNIT); kerneltalk.ko links its own copy.
 */
#include "kt_ring.c"

#define KT_TEST_CAPACITY	1000
#define KT_TEST_SLOTS		16
#define KT_TEST_MAX_COST	300
#define KT_TEST_COST		100
#define KT_TEST_HELD		(KT_TEST_CAPACITY / KT_TEST_COST)

unsigned int kt_capacity;

struct kt_test_member {
	struct kt_member m;
	__poll_t events;	/* every event it was woken for */
};

struct kt_test_room {
	struct kt_room room;
	unsigned int rechecks;	/* kt_room_recheck_in() calls */
	unsigned long delay;	/* the last one's delay */
};

void kt_member_wake(struct kt_member *m, __poll_t events)
{
	struct kt_test_member *tm = container_of(m, struct kt_test_member, m);

	m->wake_gen++;
	tm->events |= events;
}

void kt_room_recheck_in(struct kt_room *room, unsigned long delay)
{
	struct kt_test_room *tr = container_of(room, struct kt_test_room, room);

	tr->rechecks++;
	tr->delay = delay;
}

static __poll_t kt_test_events(struct kt_member *m)
{
	return container_of(m, struct kt_test_member, m)->events;
}

/* An empty room whose ring starts at @first (a new room's is 1). */
static struct kt_room *kt_test_room(struct kunit *test, u32 policy,
				    unsigned long stall, u64 first)
{
	struct kt_test_room *tr = kunit_kzalloc(test, sizeof(*tr), GFP_KERNEL);
	struct kt_room *room;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, tr);
	room = &tr->room;
	spin_lock_init(&room->lock);
	INIT_LIST_HEAD(&room->members);
	INIT_LIST_HEAD(&room->caught_up);
	room->policy = policy;
	room->stall = stall;
	room->first_seq = first;
	room->next_seq = first;
	room->slots = kunit_kcalloc(test, kt_nr_slots, sizeof(*room->slots),
				    GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, room->slots);
	return room;
}

static u64 kt_test_ids;
/* The running case, for the check every helper below makes. */
static struct kunit *kt_test_current;

/*
 * room->reclaim, kept incrementally, is what a walk of the ring finds:
 * the unpinned messages before the lowest cursor (all, with no reader).
 */
static void kt_test_check_reclaim(struct kt_room *room)
{
	u64 seq, min = kt_room_min_seq(room);
	u32 walked = 0;

	for (seq = room->first_seq; seq < min; seq++)
		if (kt_msg_unpinned(*kt_slot(room, seq)))
			walked += (*kt_slot(room, seq))->cost;
	KUNIT_EXPECT_EQ(kt_test_current, room->reclaim, walked);
}

/* A member opened for reading and/or writing, in @room. */
static struct kt_member *kt_test_join(struct kunit *test, struct kt_room *room,
				      bool reader, bool writer, u32 flags)
{
	struct kt_test_member *tm = kunit_kzalloc(test, sizeof(*tm), GFP_KERNEL);
	struct kt_member *m;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, tm);
	m = &tm->m;
	m->id = ++kt_test_ids;
	m->reader = reader;
	m->writer = writer;
	m->flags = flags;
	spin_lock(&room->lock);
	kt_ring_add(room, m);
	spin_unlock(&room->lock);
	m->room = room;
	tm->events = 0;
	kt_test_check_reclaim(room);
	return m;
}

/* Posts a message costing @cost through @m: 0 or -EAGAIN. */
static int kt_test_post_cost(struct kunit *test, struct kt_member *m,
			     u32 cost, struct kt_msg **posted)
{
	struct kt_msg *msg = kunit_kzalloc(test, sizeof(*msg), GFP_KERNEL);
	struct kt_msg *freed = NULL;
	unsigned long gen;
	int ret;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, msg);
	refcount_set(&msg->ref, 1);
	msg->cost = cost;
	spin_lock(&m->room->lock);
	ret = kt_ring_post(m->room, m, msg, &gen, &freed);
	spin_unlock(&m->room->lock);
	kt_test_check_reclaim(m->room);
	/* What the ring recycled is kunit's to free, at the end of the case. */
	if (posted)
		*posted = ret ? NULL : msg;
	return ret;
}

static int kt_test_post(struct kunit *test, struct kt_member *m)
{
	return kt_test_post_cost(test, m, KT_TEST_COST, NULL);
}

/* Reads @m's next message: 0 and its sequence number in *@seq, or -errno. */
static int kt_test_fetch(struct kt_member *m, u64 *seq)
{
	struct kt_msg *last;
	unsigned long gen;
	int ret;

	spin_lock(&m->room->lock);
	ret = kt_ring_fetch(m->room, m, &gen, &last);
	*seq = ret ? 0 : m->pending->seq;
	spin_unlock(&m->room->lock);
	kt_test_check_reclaim(m->room);
	return ret;
}

/* Done with the message @m was reading (a read that took it whole). */
static void kt_test_done(struct kt_member *m)
{
	spin_lock(&m->room->lock);
	kt_ring_drop_pending(m->room, m);
	spin_unlock(&m->room->lock);
	kt_test_check_reclaim(m->room);
}

/* Leaves the room done with its message first, as a release is. */
static void kt_test_leave(struct kt_member *m)
{
	kt_test_done(m);
	spin_lock(&m->room->lock);
	kt_ring_del(m->room, m);
	spin_unlock(&m->room->lock);
	kt_test_check_reclaim(m->room);
}

static void kt_test_seek(struct kt_member *m, bool history)
{
	kt_test_done(m);
	spin_lock(&m->room->lock);
	kt_ring_seek(m->room, m, history);
	spin_unlock(&m->room->lock);
	kt_test_check_reclaim(m->room);
}

/* A room with a member that only writes (*@w) and one that only reads. */
static struct kt_room *kt_test_pair(struct kunit *test, u32 policy,
				    unsigned long stall, u64 first,
				    struct kt_member **w, struct kt_member **r)
{
	struct kt_room *room = kt_test_room(test, policy, stall, first);

	*w = kt_test_join(test, room, false, true, 0);
	*r = kt_test_join(test, room, true, false, 0);
	return room;
}

/* Posts what the ring holds when nobody reads: KT_TEST_HELD messages. */
static void kt_test_fill(struct kunit *test, struct kt_member *w)
{
	int i;

	for (i = 0; i < KT_TEST_HELD; i++)
		KUNIT_ASSERT_EQ(test, kt_test_post(test, w), 0);
}

static int kt_test_init(struct kunit *test)
{
	kt_capacity = KT_TEST_CAPACITY;
	kt_nr_slots = KT_TEST_SLOTS;
	kt_max_cost = KT_TEST_MAX_COST;
	kt_test_current = test;
	return 0;
}

/*
 * Three times round the slots with a reader keeping up: every message is
 * read once, in order, from the slot its sequence number masks to.
 */
static void kt_ring_test_wrap_around(struct kunit *test)
{
	struct kt_member *w, *r;
	struct kt_room *room = kt_test_pair(test, KERNELTALK_POLICY_BLOCK, 0, 1,
					    &w, &r);
	struct kt_msg *msg;
	u64 i, seq;

	for (i = 1; i <= 3 * KT_TEST_SLOTS; i++) {
		KUNIT_ASSERT_EQ(test, kt_test_post_cost(test, w, KT_TEST_COST,
							&msg), 0);
		KUNIT_EXPECT_EQ(test, msg->seq, i);
		KUNIT_EXPECT_PTR_EQ(test, room->slots[i % KT_TEST_SLOTS], msg);
		KUNIT_ASSERT_EQ(test, kt_test_fetch(r, &seq), 0);
		KUNIT_EXPECT_EQ(test, seq, i);
		KUNIT_EXPECT_LE(test, room->used, kt_capacity);
		KUNIT_EXPECT_LE(test, room->next_seq - room->first_seq,
				(u64)KT_TEST_HELD);
	}
	KUNIT_EXPECT_EQ(test, kt_test_fetch(r, &seq), -EAGAIN);
	KUNIT_EXPECT_EQ(test, r->lost, 0ULL);
	KUNIT_EXPECT_EQ(test, room->dropped, 0ULL);
	KUNIT_EXPECT_EQ(test, room->posted, 3ULL * KT_TEST_SLOTS);
	KUNIT_EXPECT_EQ(test, room->first_seq,
			3ULL * KT_TEST_SLOTS + 1 - KT_TEST_HELD);
}

/*
 * BLOCK recycles only what every reader has read and is done with: a
 * message a reader is in the middle of stays charged.  The writer is told
 * (blocked, woken) once a max_msg post fits again.
 */
static void kt_ring_test_block_recycles_read(struct kunit *test)
{
	struct kt_member *w, *r;
	struct kt_room *room = kt_test_pair(test, KERNELTALK_POLICY_BLOCK, 0, 1,
					    &w, &r);
	u64 seq;
	int i;

	kt_test_fill(test, w);
	KUNIT_EXPECT_EQ(test, kt_test_post(test, w), -EAGAIN);
	KUNIT_EXPECT_TRUE(test, room->full);
	KUNIT_EXPECT_TRUE(test, w->blocked);

	/* In the middle of message 1: it is pinned. */
	KUNIT_ASSERT_EQ(test, kt_test_fetch(r, &seq), 0);
	KUNIT_EXPECT_EQ(test, kt_test_post(test, w), -EAGAIN);
	/* Done with 1 (now reading 2): 1 is recycled, nobody loses it. */
	KUNIT_ASSERT_EQ(test, kt_test_fetch(r, &seq), 0);
	KUNIT_EXPECT_EQ(test, seq, 2ULL);
	KUNIT_EXPECT_EQ(test, kt_test_post(test, w), 0);
	KUNIT_EXPECT_EQ(test, room->first_seq, 2ULL);
	KUNIT_EXPECT_EQ(test, r->lost, 0ULL);
	KUNIT_EXPECT_EQ(test, room->dropped, 0ULL);
	KUNIT_EXPECT_TRUE(test, w->blocked);

	/* Done with 2, 3 and 4: 300 bytes may go, a max_msg post fits. */
	w->wake_gen = 0;
	for (i = 3; i <= 5; i++) {
		KUNIT_ASSERT_EQ(test, kt_test_fetch(r, &seq), 0);
		KUNIT_EXPECT_EQ(test, seq, (u64)i);
	}
	KUNIT_EXPECT_FALSE(test, room->full);
	KUNIT_EXPECT_FALSE(test, w->blocked);
	KUNIT_EXPECT_NE(test, w->wake_gen, 0UL);
	KUNIT_EXPECT_TRUE(test, kt_test_events(w) & EPOLLOUT);
	KUNIT_EXPECT_EQ(test, kt_test_post_cost(test, w, KT_TEST_MAX_COST,
						NULL), 0);
	KUNIT_EXPECT_EQ(test, r->lost, 0ULL);
}

/*
 * OVERWRITE drops the oldest: a reader that did not read them counts them
 * in lost (a stream read reports -EPIPE once, a record read gives the
 * count with the next message), one that kept up loses nothing.
 */
static void kt_ring_test_overwrite_lost(struct kunit *test)
{
	struct kt_room *room = kt_test_room(test, KERNELTALK_POLICY_OVERWRITE,
					    0, 1);
	struct kt_member *w = kt_test_join(test, room, false, true, 0);
	struct kt_member *fast = kt_test_join(test, room, true, false, 0);
	struct kt_member *stream = kt_test_join(test, room, true, false, 0);
	struct kt_member *records = kt_test_join(test, room, true, false,
						 KERNELTALK_F_RECORDS);
	u64 seq;
	int i;

	for (i = 0; i < KT_TEST_HELD + 5; i++) {
		KUNIT_ASSERT_EQ(test, kt_test_post(test, w), 0);
		KUNIT_ASSERT_EQ(test, kt_test_fetch(fast, &seq), 0);
		kt_test_done(fast);
	}
	KUNIT_EXPECT_EQ(test, fast->lost, 0ULL);
	KUNIT_EXPECT_EQ(test, stream->lost, 5ULL);
	KUNIT_EXPECT_EQ(test, records->lost, 5ULL);
	KUNIT_EXPECT_EQ(test, stream->seq, 6ULL);
	KUNIT_EXPECT_EQ(test, room->first_seq, 6ULL);
	KUNIT_EXPECT_EQ(test, room->dropped, 5ULL);
	KUNIT_EXPECT_TRUE(test, kt_test_events(stream) & EPOLLERR);

	KUNIT_EXPECT_EQ(test, kt_test_fetch(stream, &seq), -EPIPE);
	KUNIT_EXPECT_EQ(test, stream->lost, 0ULL);
	KUNIT_ASSERT_EQ(test, kt_test_fetch(stream, &seq), 0);
	KUNIT_EXPECT_EQ(test, seq, 6ULL);
	KUNIT_EXPECT_EQ(test, stream->pending_lost, 0ULL);

	KUNIT_ASSERT_EQ(test, kt_test_fetch(records, &seq), 0);
	KUNIT_EXPECT_EQ(test, seq, 6ULL);
	KUNIT_EXPECT_EQ(test, records->pending_lost, 5ULL);
	KUNIT_EXPECT_EQ(test, records->lost, 0ULL);
}

/*
 * Under NOECHO a cursor never rests on the member's own message: its
 * reads skip them, and its unread own posts neither hold a BLOCK room
 * back nor count as lost.
 */
static void kt_ring_test_noecho_skips_own(struct kunit *test)
{
	struct kt_room *room = kt_test_room(test, KERNELTALK_POLICY_BLOCK, 0, 1);
	struct kt_member *p = kt_test_join(test, room, true, true,
					   KERNELTALK_F_NOECHO);
	struct kt_member *q = kt_test_join(test, room, true, true, 0);
	u64 seq;
	int i;

	KUNIT_ASSERT_EQ(test, kt_test_post(test, p), 0);	/* 1 */
	KUNIT_EXPECT_EQ(test, p->seq, 2ULL);
	KUNIT_ASSERT_EQ(test, kt_test_post(test, q), 0);	/* 2 */
	KUNIT_ASSERT_EQ(test, kt_test_post(test, p), 0);	/* 3 */
	KUNIT_EXPECT_EQ(test, p->seq, 2ULL);
	KUNIT_ASSERT_EQ(test, kt_test_fetch(p, &seq), 0);
	KUNIT_EXPECT_EQ(test, seq, 2ULL);
	KUNIT_EXPECT_EQ(test, p->seq, 4ULL);
	KUNIT_EXPECT_EQ(test, kt_test_fetch(p, &seq), -EAGAIN);
	for (i = 1; i <= 3; i++) {
		KUNIT_ASSERT_EQ(test, kt_test_fetch(q, &seq), 0);
		KUNIT_EXPECT_EQ(test, seq, (u64)i);
	}
	kt_test_done(q);

	/* q caught up: p's own posts alone never fill the room for p. */
	for (i = 0; i < 3 * KT_TEST_HELD; i++) {
		KUNIT_ASSERT_EQ(test, kt_test_post(test, p), 0);
		KUNIT_ASSERT_EQ(test, kt_test_fetch(q, &seq), 0);
		kt_test_done(q);
	}
	KUNIT_EXPECT_EQ(test, p->seq, room->next_seq);
	KUNIT_EXPECT_EQ(test, p->lost, 0ULL);
	KUNIT_EXPECT_EQ(test, q->lost, 0ULL);
	KUNIT_EXPECT_EQ(test, room->dropped, 0ULL);
}

/*
 * The unread echo of a poster that has never read does not hold its own
 * posts back (it is overwritten and reported lost); once it reads, its
 * echo holds the room as any reader's cursor does.
 */
static void kt_ring_test_own_echo(struct kunit *test)
{
	struct kt_room *room = kt_test_room(test, KERNELTALK_POLICY_BLOCK, 0, 1);
	struct kt_member *e = kt_test_join(test, room, true, true, 0);
	u64 seq;
	int i;

	for (i = 0; i < KT_TEST_HELD + 5; i++)
		KUNIT_ASSERT_EQ(test, kt_test_post(test, e), 0);
	KUNIT_EXPECT_EQ(test, e->lost, 5ULL);
	KUNIT_EXPECT_EQ(test, room->dropped, 5ULL);
	KUNIT_EXPECT_EQ(test, kt_test_fetch(e, &seq), -EPIPE);
	KUNIT_EXPECT_TRUE(test, e->has_read);
	KUNIT_EXPECT_EQ(test, kt_test_post(test, e), -EAGAIN);
	KUNIT_ASSERT_EQ(test, kt_test_fetch(e, &seq), 0);
	KUNIT_EXPECT_EQ(test, seq, 6ULL);
	KUNIT_EXPECT_EQ(test, e->pending_lost, 0ULL);
}

/*
 * A reader that has not read for room->stall jiffies holds nothing: while
 * it holds the room full the re-check is armed within the bound, and the
 * next post that needs the space overruns it (lost, -EPIPE, woken).
 */
static void kt_ring_test_stall_overrun(struct kunit *test)
{
	const unsigned long stall = 10 * HZ;
	struct kt_member *w, *r;
	struct kt_room *room = kt_test_pair(test, KERNELTALK_POLICY_BLOCK, stall,
					    1, &w, &r);
	struct kt_test_room *tr = container_of(room, struct kt_test_room, room);
	u64 seq;

	kt_test_fill(test, w);
	KUNIT_EXPECT_EQ(test, kt_test_post(test, w), -EAGAIN);
	KUNIT_EXPECT_TRUE(test, w->blocked);
	KUNIT_EXPECT_GT(test, tr->rechecks, 0U);
	KUNIT_EXPECT_LE(test, tr->delay, stall);
	KUNIT_EXPECT_EQ(test, r->lost, 0ULL);

	spin_lock(&room->lock);
	r->read_at = jiffies - stall - 1;
	spin_unlock(&room->lock);
	KUNIT_EXPECT_EQ(test, kt_test_post(test, w), 0);
	KUNIT_EXPECT_EQ(test, r->lost, 1ULL);
	KUNIT_EXPECT_EQ(test, r->seq, 2ULL);
	KUNIT_EXPECT_EQ(test, room->dropped, 1ULL);
	KUNIT_EXPECT_TRUE(test, kt_test_events(r) & EPOLLERR);
	KUNIT_EXPECT_FALSE(test, w->blocked);
	KUNIT_EXPECT_TRUE(test, kt_test_events(w) & EPOLLOUT);
	KUNIT_EXPECT_EQ(test, kt_test_fetch(r, &seq), -EPIPE);
	KUNIT_ASSERT_EQ(test, kt_test_fetch(r, &seq), 0);
	KUNIT_EXPECT_EQ(test, seq, 2ULL);
}

/* Without a stall bound (0) an idle reader holds the room for ever. */
static void kt_ring_test_no_stall_bound(struct kunit *test)
{
	struct kt_member *w, *r;
	struct kt_room *room = kt_test_pair(test, KERNELTALK_POLICY_BLOCK, 0, 1,
					    &w, &r);
	struct kt_test_room *tr = container_of(room, struct kt_test_room, room);

	kt_test_fill(test, w);
	spin_lock(&room->lock);
	r->read_at = jiffies - 100 * HZ;
	spin_unlock(&room->lock);
	KUNIT_EXPECT_EQ(test, kt_test_post(test, w), -EAGAIN);
	KUNIT_EXPECT_EQ(test, r->lost, 0ULL);
	KUNIT_EXPECT_EQ(test, tr->rechecks, 0U);
}

/*
 * Sequence numbers near the top of u64 (the slot index wraps many times
 * over): order, slots, losses and the lowest cursor come out as at 1.
 */
static void kt_ring_test_seq_near_wrap(struct kunit *test)
{
	const u64 first = U64_MAX - 3 * KT_TEST_SLOTS - 7;
	struct kt_member *w, *r;
	struct kt_room *room = kt_test_pair(test, KERNELTALK_POLICY_OVERWRITE, 0,
					    first, &w, &r);
	struct kt_member *idle = kt_test_join(test, room, true, false, 0);
	struct kt_msg *msg;
	u64 i, seq;

	for (i = 0; i < 3 * KT_TEST_SLOTS; i++) {
		KUNIT_ASSERT_EQ(test, kt_test_post_cost(test, w, KT_TEST_COST,
							&msg), 0);
		KUNIT_EXPECT_EQ(test, msg->seq, first + i);
		KUNIT_EXPECT_PTR_EQ(test,
				    room->slots[(first + i) & (KT_TEST_SLOTS - 1)],
				    msg);
		KUNIT_ASSERT_EQ(test, kt_test_fetch(r, &seq), 0);
		KUNIT_EXPECT_EQ(test, seq, first + i);
		kt_test_done(r);
	}
	KUNIT_EXPECT_EQ(test, room->next_seq, U64_MAX - 7);
	KUNIT_EXPECT_EQ(test, room->first_seq, room->next_seq - KT_TEST_HELD);
	KUNIT_EXPECT_EQ(test, r->lost, 0ULL);
	KUNIT_EXPECT_EQ(test, idle->lost, 3ULL * KT_TEST_SLOTS - KT_TEST_HELD);
	KUNIT_EXPECT_EQ(test, idle->seq, room->first_seq);
	KUNIT_EXPECT_EQ(test, room->min_seq, room->first_seq);
	KUNIT_EXPECT_EQ(test, room->at_min, 1U);
	KUNIT_EXPECT_EQ(test, kt_test_fetch(idle, &seq), -EPIPE);
	KUNIT_ASSERT_EQ(test, kt_test_fetch(idle, &seq), 0);
	KUNIT_EXPECT_EQ(test, seq, room->first_seq);
}

/* The lowest reader cursor and the count at it follow reads and leaves. */
static void kt_ring_test_lowest_cursor(struct kunit *test)
{
	struct kt_room *room = kt_test_room(test, KERNELTALK_POLICY_BLOCK, 0, 1);
	struct kt_member *w = kt_test_join(test, room, false, true, 0);
	struct kt_member *a = kt_test_join(test, room, true, false, 0);
	struct kt_member *b = kt_test_join(test, room, true, false, 0);
	struct kt_member *c = kt_test_join(test, room, true, false, 0);
	u64 seq;
	int i;

	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_EQ(test, kt_test_post(test, w), 0);
	KUNIT_EXPECT_EQ(test, room->min_seq, 1ULL);
	KUNIT_EXPECT_EQ(test, room->at_min, 3U);
	KUNIT_ASSERT_EQ(test, kt_test_fetch(a, &seq), 0);
	KUNIT_ASSERT_EQ(test, kt_test_fetch(b, &seq), 0);
	KUNIT_EXPECT_EQ(test, room->min_seq, 1ULL);
	KUNIT_EXPECT_EQ(test, room->at_min, 1U);
	KUNIT_ASSERT_EQ(test, kt_test_fetch(c, &seq), 0);
	KUNIT_EXPECT_EQ(test, room->min_seq, 2ULL);
	KUNIT_EXPECT_EQ(test, room->at_min, 3U);
	KUNIT_ASSERT_EQ(test, kt_test_fetch(a, &seq), 0);
	KUNIT_ASSERT_EQ(test, kt_test_fetch(a, &seq), 0);
	KUNIT_ASSERT_EQ(test, kt_test_fetch(c, &seq), 0);
	KUNIT_EXPECT_EQ(test, room->min_seq, 2ULL);
	KUNIT_EXPECT_EQ(test, room->at_min, 1U);

	kt_test_leave(b);
	KUNIT_EXPECT_EQ(test, room->min_seq, 3ULL);
	KUNIT_EXPECT_EQ(test, room->at_min, 1U);
	KUNIT_EXPECT_EQ(test, room->nr_members, 3U);
}

/* A seek moves the cursor to the history or the end, forgetting losses. */
static void kt_ring_test_seek(struct kunit *test)
{
	struct kt_member *w, *r;
	struct kt_room *room = kt_test_pair(test, KERNELTALK_POLICY_OVERWRITE, 0,
					    1, &w, &r);
	u64 seq;

	kt_test_fill(test, w);
	KUNIT_ASSERT_EQ(test, kt_test_post(test, w), 0);
	KUNIT_ASSERT_EQ(test, kt_test_post(test, w), 0);
	KUNIT_EXPECT_EQ(test, r->lost, 2ULL);
	kt_test_seek(r, false);
	KUNIT_EXPECT_EQ(test, r->seq, room->next_seq);
	KUNIT_EXPECT_EQ(test, r->lost, 0ULL);
	KUNIT_EXPECT_EQ(test, kt_test_fetch(r, &seq), -EAGAIN);
	container_of(r, struct kt_test_member, m)->events = 0;
	kt_test_seek(r, true);
	KUNIT_EXPECT_EQ(test, r->seq, 3ULL);
	KUNIT_EXPECT_TRUE(test, kt_test_events(r) & EPOLLIN);
	KUNIT_ASSERT_EQ(test, kt_test_fetch(r, &seq), 0);
	KUNIT_EXPECT_EQ(test, seq, 3ULL);
}

/*
 * What every reader has read and nobody is in the middle of is the space a
 * post may take without a walk (room->reclaim, checked by every helper):
 * a pinned message counts once its last reader is done, a seek back takes
 * the history out again, and with no reader left everything counts.
 */
static void kt_ring_test_reclaim(struct kunit *test)
{
	struct kt_room *room = kt_test_room(test, KERNELTALK_POLICY_BLOCK, 0, 1);
	struct kt_member *w = kt_test_join(test, room, false, true, 0);
	struct kt_member *a = kt_test_join(test, room, true, false, 0);
	struct kt_member *b = kt_test_join(test, room, true, false, 0);
	u64 seq;
	int i;

	for (i = 0; i < 5; i++)
		KUNIT_ASSERT_EQ(test, kt_test_post(test, w), 0);
	KUNIT_EXPECT_EQ(test, room->reclaim, 0U);
	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_EQ(test, kt_test_fetch(a, &seq), 0);
	KUNIT_ASSERT_EQ(test, kt_test_fetch(b, &seq), 0);
	KUNIT_ASSERT_EQ(test, kt_test_fetch(b, &seq), 0);
	/* b is in the middle of 2, the lowest cursor is 3: only 1 counts. */
	KUNIT_EXPECT_EQ(test, room->reclaim, (u32)KT_TEST_COST);
	kt_test_done(b);
	KUNIT_EXPECT_EQ(test, room->reclaim, 2U * KT_TEST_COST);
	kt_test_seek(b, true);
	KUNIT_EXPECT_EQ(test, room->reclaim, 0U);
	kt_test_seek(b, false);
	/* a is in the middle of 3, which it holds back with 4 and 5. */
	KUNIT_EXPECT_EQ(test, room->reclaim, 2U * KT_TEST_COST);
	kt_test_leave(a);
	KUNIT_EXPECT_EQ(test, room->reclaim, 5U * KT_TEST_COST);
	kt_test_leave(b);
	KUNIT_ASSERT_EQ(test, kt_test_post(test, w), 0);
	KUNIT_EXPECT_EQ(test, room->reclaim, 6U * KT_TEST_COST);
	/* The room holds 10: the last six of these posts recycle one each. */
	kt_test_fill(test, w);
	KUNIT_EXPECT_EQ(test, room->reclaim, (u32)KT_TEST_CAPACITY);
	KUNIT_EXPECT_EQ(test, room->first_seq, 7ULL);
}

/*
 * Idle readers that never read hold a full room like any reader, but none
 * is special (no echo at its cursor): as they catch up one by one, only
 * the last one's move looks at the members again, in any order, so a
 * catch-up of N readers is O(N), not O(N^2).  hold_member and at_first
 * are left as the one look set them until it.
 */
static void kt_ring_test_idle_catch_up(struct kunit *test)
{
	struct kt_room *room = kt_test_room(test, KERNELTALK_POLICY_BLOCK, 0, 1);
	struct kt_member *w = kt_test_join(test, room, false, true, 0);
	struct kt_member *a = kt_test_join(test, room, true, false, 0);
	struct kt_member *b = kt_test_join(test, room, true, false, 0);
	struct kt_member *c = kt_test_join(test, room, true, false, 0);

	kt_test_fill(test, w);
	KUNIT_EXPECT_EQ(test, kt_test_post(test, w), -EAGAIN);
	KUNIT_EXPECT_TRUE(test, room->full);
	KUNIT_EXPECT_PTR_EQ(test, room->hold_member, (const struct kt_member *)a);
	KUNIT_EXPECT_FALSE(test, room->hold_self);
	KUNIT_EXPECT_EQ(test, room->at_first, 3U);

	kt_test_seek(a, false);
	KUNIT_EXPECT_TRUE(test, room->full);
	KUNIT_EXPECT_TRUE(test, w->blocked);
	KUNIT_EXPECT_PTR_EQ(test, room->hold_member, (const struct kt_member *)a);
	KUNIT_EXPECT_EQ(test, room->at_first, 2U);
	kt_test_seek(c, false);
	KUNIT_EXPECT_TRUE(test, room->full);
	KUNIT_EXPECT_TRUE(test, w->blocked);
	KUNIT_EXPECT_EQ(test, room->at_first, 1U);

	/* b is the last one holding: its move frees the room. */
	w->wake_gen = 0;
	kt_test_seek(b, false);
	KUNIT_EXPECT_FALSE(test, room->full);
	KUNIT_EXPECT_FALSE(test, w->blocked);
	KUNIT_EXPECT_NE(test, w->wake_gen, 0UL);
	KUNIT_EXPECT_EQ(test, kt_test_post_cost(test, w, KT_TEST_MAX_COST,
						NULL), 0);
}

static struct kunit_case kt_ring_test_cases[] = {
	KUNIT_CASE(kt_ring_test_wrap_around),
	KUNIT_CASE(kt_ring_test_block_recycles_read),
	KUNIT_CASE(kt_ring_test_overwrite_lost),
	KUNIT_CASE(kt_ring_test_noecho_skips_own),
	KUNIT_CASE(kt_ring_test_own_echo),
	KUNIT_CASE(kt_ring_test_stall_overrun),
	KUNIT_CASE(kt_ring_test_no_stall_bound),
	KUNIT_CASE(kt_ring_test_seq_near_wrap),
	KUNIT_CASE(kt_ring_test_lowest_cursor),
	KUNIT_CASE(kt_ring_test_seek),
	KUNIT_CASE(kt_ring_test_reclaim),
	KUNIT_CASE(kt_ring_test_idle_catch_up),
	{}
};

static struct kunit_suite kt_ring_test_suite = {
	.name = "kerneltalk_ring",
	.init = kt_test_init,
	.test_cases = kt_ring_test_cases,
};

kunit_test_suite(kt_ring_test_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of the KernelTalk ring and cursor logic");
