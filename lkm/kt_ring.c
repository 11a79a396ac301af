// SPDX-License-Identifier: GPL-2.0
/*
 * KernelTalk rings: the messages a room retains and its readers' cursors
 * into them.  What a post recycles and who loses what, whether a writer
 * waits, where a read or a seek leaves a cursor.  Everything here runs
 * under room->lock (kt.h) on struct kt_room and struct kt_member alone: no
 * file, inode, allocation or wait queue.  Wake-ups and the stall re-check
 * go through the hooks of kt_ring.h, so the KUnit module (kt_kunit.c)
 * runs this code on rooms and members of its own.
 */
#include <linux/jiffies.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/poll.h>
#include <linux/timekeeping.h>

#include "kt.h"
#include "kt_ring.h"

/*
 * Slots of every room's ring: a power of two above the most messages
 * kt_capacity can retain, so sequence numbers index it directly.
 */
unsigned int kt_nr_slots;
/* The most a max_msg message may cost: what "full" measures against. */
u32 kt_max_cost;

static struct kt_msg **kt_slot(struct kt_room *room, u64 seq)
{
	return &room->slots[seq & (kt_nr_slots - 1)];
}

/*
 * Everything before this is read by every reader (with none, the whole
 * ring): it may be recycled, and no reader loses it.
 */
static u64 kt_room_min_seq(const struct kt_room *room)
{
	return room->at_min ? room->min_seq : room->next_seq;
}

/* Only the ring holds it: no reader is in the middle of it. */
static bool kt_msg_unpinned(struct kt_msg *msg)
{
	return refcount_read(&msg->ref) == 1;
}

/*
 * kt_room_min_seq() moved from @from: the unpinned messages it passed
 * join room->reclaim (it moved up) or leave it (down).  A cursor moves
 * up one message a read, so this is O(1) a read, amortized.
 */
static void kt_room_min_moved(struct kt_room *room, u64 from)
{
	u64 to = kt_room_min_seq(room), seq;

	for (seq = max(from, room->first_seq); seq < to; seq++)
		if (kt_msg_unpinned(*kt_slot(room, seq)))
			room->reclaim += (*kt_slot(room, seq))->cost;
	for (seq = max(to, room->first_seq); seq < from; seq++)
		if (kt_msg_unpinned(*kt_slot(room, seq)))
			room->reclaim -= (*kt_slot(room, seq))->cost;
}

/*
 * The member is done with its pending message; returns it when that was
 * its last reference, to be freed after the room lock.  One the ring has
 * already recycled was still charged to the room (pinned): its last
 * reader frees that space.  References to a message are taken and
 * dropped under the room lock, so kt_room_space() can tell a pinned one
 * by its count.
 */
static struct kt_msg *kt_member_put_pending(struct kt_room *room,
					    struct kt_member *m)
{
	struct kt_msg *msg = m->pending;

	lockdep_assert_held(&room->lock);
	if (!msg)
		return NULL;
	WRITE_ONCE(m->pending, NULL);
	m->pending_off = 0;
	WRITE_ONCE(m->pending_lost, 0);
	if (!refcount_dec_and_test(&msg->ref)) {
		/* Read by every reader and now unpinned: recyclable. */
		if (!msg->recycled && kt_msg_unpinned(msg) &&
		    msg->seq < kt_room_min_seq(room))
			room->reclaim += msg->cost;
		return NULL;
	}
	room->used -= msg->cost;
	return msg;
}

/* The lowest cursor of the room's readers, O(members): see min_seq. */
static void kt_room_find_min(struct kt_room *room)
{
	const struct kt_member *m;
	unsigned int n = 0;
	u64 min = U64_MAX;

	lockdep_assert_held(&room->lock);
	list_for_each_entry(m, &room->members, link) {
		if (!m->reader || m->seq > min)
			continue;
		n = m->seq == min ? n + 1 : 1;
		min = m->seq;
	}
	room->min_seq = min;
	room->at_min = n;
}

/* A reader's cursor arrives at @seq (it joined, or moved there). */
static void kt_room_cursor_in(struct kt_room *room, u64 seq)
{
	u64 from = kt_room_min_seq(room);

	if (!room->at_min || seq < room->min_seq) {
		room->min_seq = seq;
		room->at_min = 1;
		kt_room_min_moved(room, from);
	} else if (seq == room->min_seq) {
		room->at_min++;
	}
}

/* A reader's cursor leaves @seq (it moved on, or left the room). */
static void kt_room_cursor_out(struct kt_room *room, u64 seq)
{
	if (seq == room->min_seq && !--room->at_min) {
		kt_room_find_min(room);
		kt_room_min_moved(room, seq);
	}
}

/*
 * Moves a reader's cursor to @seq: its room_next becomes the room's
 * next_seq, and it is on room->caught_up exactly when it has read
 * everything.  So room_next differs from seq exactly when there is
 * something to read, and a post finds the readers it makes readable on
 * that list without looking at the others.
 */
static void kt_member_set_seq(struct kt_room *room, struct kt_member *m,
			      u64 seq)
{
	u64 from = m->seq;

	lockdep_assert_held(&room->lock);
	WRITE_ONCE(m->seq, seq);
	WRITE_ONCE(m->room_next, room->next_seq);
	if (!m->reader)
		return;
	if (seq != room->next_seq)
		list_del_init(&m->caught_up);
	else if (list_empty(&m->caught_up))
		list_add_tail(&m->caught_up, &room->caught_up);
	if (seq != from) {
		kt_room_cursor_in(room, seq);
		kt_room_cursor_out(room, from);
	}
}

/*
 * A post landed: wake the readers that had read everything (the others
 * were readable already).  A NOECHO poster that has skipped its own post
 * stays caught up.
 */
static void kt_room_wake_readers(struct kt_room *room)
{
	struct kt_member *m, *tmp;

	lockdep_assert_held(&room->lock);
	list_for_each_entry_safe(m, tmp, &room->caught_up, caught_up) {
		WRITE_ONCE(m->room_next, room->next_seq);
		if (m->seq == room->next_seq)
			continue;
		list_del_init(&m->caught_up);
		/* It holds a message back from now on: its stall clock runs. */
		m->read_at = jiffies;
		kt_member_wake(m, EPOLLIN | EPOLLRDNORM);
	}
}

/* The first message from the member's cursor on that it did not post. */
static u64 kt_member_own_end(struct kt_room *room, const struct kt_member *m)
{
	u64 seq = m->seq;

	lockdep_assert_held(&room->lock);
	while (seq < room->next_seq && (*kt_slot(room, seq))->origin == m->id)
		seq++;
	return seq;
}

/*
 * Moves a NOECHO member past its own messages; true if it moved.  Called
 * wherever a cursor moves, so a NOECHO cursor never rests on the member's
 * own message: its own messages neither hold the ring back nor count as
 * lost when they are overwritten.
 */
bool kt_member_skip_own(struct kt_room *room, struct kt_member *m)
{
	u64 seq;

	/* A write-only file's cursor never moves: it may point at freed slots. */
	if (!m->reader || !(READ_ONCE(m->flags) & KERNELTALK_F_NOECHO))
		return false;
	seq = kt_member_own_end(room, m);
	if (seq == m->seq)
		return false;
	kt_member_set_seq(room, m, seq);
	return true;
}

/*
 * Fairness under BLOCK: a reader that has held messages back for
 * room->stall without reading (since its last read, or since the post
 * that gave it something to read) holds nothing any more.  The next post
 * that needs the space overruns it, and it is told (-EPIPE, lost).
 */
static bool kt_member_stalled(const struct kt_room *room,
			      const struct kt_member *m, unsigned long now)
{
	return room->stall && !time_before(now, m->read_at + room->stall);
}

/*
 * Bytes of the room's capacity free once the messages before @limit are
 * recycled, counted until @want is reached.  Every limit asked for is at
 * or above kt_room_min_seq(), and what is before that is room->reclaim:
 * O(1) when @limit is there, as it is for every post but those that find
 * a reader holding the room.
 */
static u32 kt_room_space(struct kt_room *room, u64 limit, u32 want)
{
	u32 free = kt_capacity - room->used + room->reclaim;
	u64 seq;

	lockdep_assert_held(&room->lock);
	for (seq = kt_room_min_seq(room); seq < limit && free < want; seq++) {
		struct kt_msg *msg = *kt_slot(room, seq);

		/* A reader in the middle of it keeps it charged (pinned). */
		if (kt_msg_unpinned(msg))
			free += msg->cost;
	}
	return free;
}

/*
 * Whether a message costing @size bytes posted by @poster fits once the
 * messages no reading member still needs (under OVERWRITE: any) are
 * recycled.  The unread echo of a poster that has never read does not
 * hold its own posts back: a file that writes but does not read its echo
 * would wait for itself forever.  It is overwritten and reported to it
 * as lost.  The echo of a file that reads (in another thread, say) and
 * the messages of others still hold.
 */
static bool kt_room_fits(struct kt_room *room, u32 size,
			 const struct kt_member *poster)
{
	unsigned long now = jiffies;
	u64 limit = room->next_seq;
	struct kt_member *m;

	lockdep_assert_held(&room->lock);
	if (kt_capacity - room->used >= size)
		return true;
	/* Under OVERWRITE anything retained may go, but not what is pinned. */
	if (room->policy == KERNELTALK_POLICY_OVERWRITE)
		return kt_room_space(room, limit, size) >= size;
	/* No reader holds what is before min_seq: the common case, O(1). */
	if (kt_room_space(room, kt_room_min_seq(room), size) >= size)
		return true;
	list_for_each_entry(m, &room->members, link) {
		u64 seq = m->seq;

		if (!m->reader || kt_member_stalled(room, m, now))
			continue;
		if (m == poster && !m->has_read)
			seq = kt_member_own_end(room, m);
		if (seq < limit)
			limit = seq;
	}
	return kt_room_space(room, limit, size) >= size;
}

/*
 * Whether a max_msg post would wait may have changed: record it in
 * room->full and in every writer's blocked (what poll reads), and wake
 * the writers it no longer holds back.  A waiting post needs at most that
 * much space, so it is woken too.  The slowest reader, if it has never
 * read, is held back by its own echo only as kt_room_fits() says.
 * While the room is full, re-check when the next reader holding it turns
 * stalled.  A room that is not full and would not be even if every
 * reader held from min_seq on needs no look at its members.
 */
void kt_room_update_full(struct kt_room *room)
{
	u64 first = room->next_seq, second = room->next_seq, own_end;
	u32 size = kt_max_cost;
	struct kt_member *m, *slowest = NULL;
	bool full = false, self_full = false;
	unsigned long now = jiffies, next = now + room->stall;
	unsigned int at_first = 0;

	lockdep_assert_held(&room->lock);
	if (kt_capacity - room->used < size &&
	    (room->full || room->policy == KERNELTALK_POLICY_OVERWRITE ||
	     kt_room_space(room, kt_room_min_seq(room), size) < size)) {
		list_for_each_entry(m, &room->members, link) {
			if (room->policy == KERNELTALK_POLICY_OVERWRITE)
				break;
			if (!m->reader || m->seq == room->next_seq ||
			    kt_member_stalled(room, m, now))
				continue;
			if (time_before(m->read_at + room->stall, next))
				next = m->read_at + room->stall;
			if (m->seq < first) {
				second = first;
				first = m->seq;
				slowest = m;
				at_first = 1;
			} else if (m->seq < second) {
				second = m->seq;
			}
			if (m->seq == first && m != slowest)
				at_first++;
		}
		full = kt_room_space(room, first, size) < size;
		/* What kt_room_move_frees() needs to tell a change. */
		room->hold_seq = second;
		room->hold_first = first;
		room->at_first = at_first;
		room->hold_member = slowest;
		/*
		 * Only an echo at its cursor sets the slowest apart; without
		 * one it holds like the others, and any of them may move
		 * first in O(1) (a never-read idle reader is not special).
		 */
		own_end = slowest ? kt_member_own_end(room, slowest) : first;
		room->hold_self = slowest && !slowest->has_read &&
				  own_end != first;
		if (room->hold_self) {
			second = min(second, own_end);
			self_full = full &&
				    kt_room_space(room, second, size) < size;
		} else {
			slowest = NULL;
		}
	}
	if (!full && !room->full)
		return;
	room->full = full;
	if (full && room->stall)
		kt_room_recheck_in(room, next - now);
	list_for_each_entry(m, &room->members, link) {
		bool blocked = m == slowest ? self_full : full;

		if (!m->writer || blocked == m->blocked)
			continue;
		WRITE_ONCE(m->blocked, blocked);
		if (!blocked)
			kt_member_wake(m, EPOLLOUT | EPOLLWRNORM);
	}
}

/*
 * Whether a reader moving its cursor on from @from may end the room being
 * full, so that kt_room_update_full() has to look again.  Only readers at
 * or below hold_seq hold it.  Of several at the lowest cursor, all but
 * the slowest may move on without changing first or slowest, and second
 * (which matters only when the slowest has an unread echo at its cursor,
 * hold_self) while two remain; without hold_self the slowest is one of
 * them.
 */
static bool kt_room_move_frees(struct kt_room *room,
			       const struct kt_member *m, u64 from)
{
	lockdep_assert_held(&room->lock);
	if (!room->full || from > room->hold_seq)
		return false;
	if (from != room->hold_first ||
	    (room->hold_self && m == room->hold_member))
		return true;
	if (room->at_first > 2 || (room->at_first == 2 && !room->hold_self)) {
		room->at_first--;
		return false;
	}
	return true;
}

/* Space may have come free (a reader moved on or left). */
void kt_room_wake_writers(struct kt_room *room)
{
	if (room->full)
		kt_room_update_full(room);
}

/*
 * Recycles the oldest message.  The readers whose cursor is on it lose it:
 * they move on and count it in their lost, and the room in its dropped.
 * They are woken whoever posted, a NOECHO poster overrunning itself too.
 * The message goes on @freed, to be freed after the room lock.  True if
 * a reader lost it.
 */
bool kt_room_drop_oldest(struct kt_room *room, struct kt_msg **freed)
{
	struct kt_msg **slot = kt_slot(room, room->first_seq);
	struct kt_msg *msg = *slot;
	struct kt_member *m;
	bool needed = false;

	lockdep_assert_held(&room->lock);
	if (msg->seq < kt_room_min_seq(room) && kt_msg_unpinned(msg))
		room->reclaim -= msg->cost;
	*slot = NULL;
	room->first_seq++;
	/* Below min_seq every reader has read it: nobody to tell, O(1). */
	list_for_each_entry(m, &room->members, link) {
		if (msg->seq < kt_room_min_seq(room))
			break;	/* at the first member */
		if (!m->reader || m->seq != msg->seq)
			continue;
		kt_member_set_seq(room, m, m->seq + 1);
		kt_member_skip_own(room, m);
		WRITE_ONCE(m->lost, m->lost + 1);
		/* The first loss makes it readable (-EPIPE) and overrun. */
		if (m->lost == 1)
			kt_member_wake(m, EPOLLIN | EPOLLRDNORM |
					  EPOLLERR | EPOLLPRI);
		needed = true;
	}
	if (needed)
		room->dropped++;
	if (refcount_dec_and_test(&msg->ref)) {
		room->used -= msg->cost;
		msg->next_free = *freed;
		*freed = msg;
	} else {
		/* Charged until its last reader is done with it. */
		msg->recycled = true;
	}
	return needed;
}

/*
 * Posts @msg (its cost charged, its sequence number and time stamped),
 * recycling what it needs: the messages freed go on @freed.  -EAGAIN when
 * it must wait for readers; *gen is then the wake_gen to wait on.
 */
int kt_ring_post(struct kt_room *room, struct kt_member *m,
		 struct kt_msg *msg, unsigned long *gen, struct kt_msg **freed)
{
	u32 size = msg->cost;
	bool still_full;

	lockdep_assert_held(&room->lock);
	if (!kt_room_fits(room, size, m)) {
		kt_room_update_full(room);
		*gen = m->wake_gen;
		return -EAGAIN;
	}
	/*
	 * A post fills a full room further and frees nothing, unless it
	 * moves a reader (overruns one that stalled): only then can the
	 * room stop being full.  A NOECHO poster skipping its own post
	 * moves from the end to the end.
	 */
	still_full = room->full;
	while (kt_capacity - room->used < size)
		if (kt_room_drop_oldest(room, freed))
			still_full = false;

	msg->seq = room->next_seq++;
	msg->time_ns = ktime_get_real_ns();
	msg->origin = m->id;
	*kt_slot(room, msg->seq) = msg;
	room->used += size;	/* msg->cost */
	/* With no reader, kt_room_min_seq() is next_seq: it moved past it. */
	if (!room->at_min)
		room->reclaim += size;
	room->posted++;
	kt_member_skip_own(room, m);
	kt_room_wake_readers(room);
	if (!still_full)
		kt_room_update_full(room);
	return 0;
}

/*
 * Takes the member's next message into m->pending, done with the pending
 * one first if there is one (a batch moves on under one lock); *@last is
 * that one when this was its last reference, to be freed after the lock.
 * -EAGAIN when there is none (*gen is then the wake_gen to wait on);
 * -EPIPE once, in stream mode, after messages were overwritten before
 * this member read them.
 */
int kt_ring_fetch(struct kt_room *room, struct kt_member *m,
		  unsigned long *gen, struct kt_msg **last)
{
	struct kt_msg *msg;
	int ret = 0;
	u64 from;

	lockdep_assert_held(&room->lock);
	from = m->seq;
	*last = kt_member_put_pending(room, m);
	m->read_at = jiffies;
	m->has_read = true;
	if (m->lost && !(READ_ONCE(m->flags) & KERNELTALK_F_RECORDS)) {
		WRITE_ONCE(m->lost, 0);
		ret = -EPIPE;
		goto out_wake;
	}
	if (m->seq == room->next_seq) {
		*gen = m->wake_gen;
		ret = -EAGAIN;
		goto out_wake;
	}
	msg = *kt_slot(room, m->seq);
	refcount_inc(&msg->ref);
	kt_member_set_seq(room, m, m->seq + 1);
	kt_member_skip_own(room, m);
	WRITE_ONCE(m->pending, msg);
	WRITE_ONCE(m->pending_lost, m->lost);
	WRITE_ONCE(m->lost, 0);
out_wake:
	/* Space comes free only if it held the room back. */
	if (*last || kt_room_move_frees(room, m, from))
		kt_room_wake_writers(room);
	return ret;
}

/*
 * Moves the member's cursor to the oldest retained message (@history) or
 * past the newest; its pending message must be dropped already.
 */
void kt_ring_seek(struct kt_room *room, struct kt_member *m, bool history)
{
	u64 from;

	lockdep_assert_held(&room->lock);
	from = m->seq;
	kt_member_set_seq(room, m, history ? room->first_seq : room->next_seq);
	WRITE_ONCE(m->lost, 0);
	m->read_at = jiffies;
	kt_member_skip_own(room, m);
	/* Back to the history holds more; to the end frees what it held. */
	if (history || kt_room_move_frees(room, m, from))
		kt_room_update_full(room);
	/* Another thread polling this file may have history to read now. */
	if (m->seq != room->next_seq)
		kt_member_wake(m, EPOLLIN | EPOLLRDNORM);
}

/*
 * The member is done with its pending message: returns it when that was
 * its last reference, to be freed after the room lock.
 */
struct kt_msg *kt_ring_drop_pending(struct kt_room *room, struct kt_member *m)
{
	struct kt_msg *last = kt_member_put_pending(room, m);

	/* Retained, it can be recycled now; recycled, its space is free. */
	kt_room_wake_writers(room);
	return last;
}

/* Adds @m to @room with its cursor past the newest message. */
void kt_ring_add(struct kt_room *room, struct kt_member *m)
{
	lockdep_assert_held(&room->lock);
	list_add_tail(&m->link, &room->members);
	room->nr_members++;
	INIT_LIST_HEAD(&m->caught_up);
	WRITE_ONCE(m->seq, room->next_seq);
	WRITE_ONCE(m->room_next, room->next_seq);
	if (m->reader) {
		list_add_tail(&m->caught_up, &room->caught_up);
		kt_room_cursor_in(room, m->seq);
	}
	WRITE_ONCE(m->lost, 0);
	m->read_at = jiffies;
	WRITE_ONCE(m->blocked, m->writer && room->full);
	m->joined_ns = ktime_get_real_ns();
	/* A read or post of this file waiting elsewhere must look again. */
	kt_member_wake(m, EPOLLIN | EPOLLOUT);
}

/* Removes @m from @room: what its cursor held back is free. */
void kt_ring_del(struct kt_room *room, struct kt_member *m)
{
	lockdep_assert_held(&room->lock);
	list_del(&m->link);
	list_del_init(&m->caught_up);
	if (m->reader)
		kt_room_cursor_out(room, m->seq);
	room->nr_members--;
	if (m->reader)
		kt_room_wake_writers(room);
}
