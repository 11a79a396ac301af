// SPDX-License-Identifier: GPL-2.0
/*
 * KernelTalk rooms: the registry of rooms, their members, and the ring of
 * messages each room retains.  Lock rules are in kt.h.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/user_namespace.h>

#include "kt.h"

static_assert(KERNELTALK_COMM_LEN == TASK_COMM_LEN);

#define KT_NAME_CHARS \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

/* Guards kt_rooms and the counts, see kt.h for the lock order. */
DEFINE_MUTEX(kt_rooms_lock);
LIST_HEAD(kt_rooms);
static unsigned int kt_nr_rooms;	/* default and named */
static unsigned int kt_nr_named;

/*
 * Slots of every room's ring: a power of two above the most messages
 * kt_capacity can retain, so sequence numbers index it directly.
 */
static unsigned int kt_nr_slots;

/*
 * A message of @len bytes that the current task posts through a file
 * opened with effective uid @uid.  The uid is the opener's, so a setuid
 * program writing to a descriptor it inherited posts as whoever opened it;
 * the pid and comm say which process wrote.
 */
struct kt_msg *kt_msg_alloc(size_t len, kuid_t uid)
{
	struct kt_msg *msg;

	/* Charged to the poster: its messages are its memory. */
	msg = kmalloc(struct_size(msg, data, len), GFP_KERNEL_ACCOUNT);
	if (!msg)
		return NULL;
	refcount_set(&msg->ref, 1);
	msg->len = len;
	msg->uid = uid;
	msg->pid = get_pid(task_tgid(current));
	/* The process's name, as ps shows it next to the tgid in @pid. */
	get_task_comm(msg->comm, current->group_leader);
	return msg;
}

void kt_msg_put(struct kt_msg *msg)
{
	if (refcount_dec_and_test(&msg->ref)) {
		put_pid(msg->pid);
		kfree(msg);
	}
}

void kt_member_drop_pending(struct kt_member *m)
{
	lockdep_assert_held(&m->lock);
	if (m->pending) {
		kt_msg_put(m->pending);
		m->pending = NULL;
	}
}

static struct kt_msg **kt_slot(struct kt_room *room, u64 seq)
{
	return &room->slots[seq & (kt_nr_slots - 1)];
}

/* Wakes every member whose wait ended: see wake_gen in kt.h. */
static void kt_member_wake(struct kt_member *m, __poll_t events)
{
	WRITE_ONCE(m->wake_gen, m->wake_gen + 1);
	wake_up_interruptible_poll(&m->wait, events);
}

/* A post landed: wake the members that will read it. */
static void kt_room_wake_readers(struct kt_room *room, struct kt_member *poster)
{
	struct kt_member *m;

	lockdep_assert_held(&room->lock);
	list_for_each_entry(m, &room->members, link) {
		if (!m->reader ||
		    (m == poster && (READ_ONCE(m->flags) & KERNELTALK_F_NOECHO)))
			continue;
		kt_member_wake(m, EPOLLIN | EPOLLRDNORM);
	}
}

/*
 * Space may have come free (a reader moved on or left, the policy changed):
 * wake posters and pollers, if any found the room full.
 */
static void kt_room_wake_writers(struct kt_room *room)
{
	struct kt_member *m;

	lockdep_assert_held(&room->lock);
	if (!room->full)
		return;
	room->full = false;
	list_for_each_entry(m, &room->members, link)
		kt_member_wake(m, EPOLLOUT | EPOLLWRNORM);
}

/* Moves a NOECHO member past its own messages; true if it moved. */
static bool kt_member_skip_own(struct kt_room *room, struct kt_member *m)
{
	u64 seq = m->seq;

	lockdep_assert_held(&room->lock);
	if (!(READ_ONCE(m->flags) & KERNELTALK_F_NOECHO) ||
	    seq < room->first_seq)
		return false;
	while (seq < room->next_seq && (*kt_slot(room, seq))->origin == m->id)
		seq++;
	if (seq == m->seq)
		return false;
	m->seq = seq;
	return true;
}

/* The oldest message some reading member has still to read. */
static u64 kt_room_min_cursor(struct kt_room *room)
{
	struct kt_member *m;
	u64 min = room->next_seq;

	lockdep_assert_held(&room->lock);
	list_for_each_entry(m, &room->members, link) {
		if (!m->reader)
			continue;
		/* Own messages a NOECHO member will never read hold nothing. */
		kt_member_skip_own(room, m);
		if (m->seq < min)
			min = m->seq;
	}
	return min;
}

/*
 * Whether a record of @size ring bytes fits once the messages no reading
 * member still needs (under OVERWRITE: any) are recycled.
 */
static bool kt_room_fits(struct kt_room *room, u32 size)
{
	u32 free = kt_capacity - room->used;
	u64 seq, limit;

	lockdep_assert_held(&room->lock);
	if (free >= size || room->policy == KERNELTALK_POLICY_OVERWRITE)
		return true;
	limit = kt_room_min_cursor(room);
	for (seq = room->first_seq; seq < limit && free < size; seq++)
		free += KT_RECORD_SIZE((*kt_slot(room, seq))->len);
	return free >= size;
}

/* Recycles the oldest message; counts it if a reader had not read it. */
static void kt_room_drop_oldest(struct kt_room *room, u64 min_cursor)
{
	struct kt_msg **slot = kt_slot(room, room->first_seq);
	struct kt_msg *msg = *slot;

	lockdep_assert_held(&room->lock);
	*slot = NULL;
	room->used -= KT_RECORD_SIZE(msg->len);
	if (msg->seq >= min_cursor)
		room->dropped++;
	room->first_seq++;
	kt_msg_put(msg);
}

/*
 * Posts @msg, taking over the caller's reference.  -EAGAIN when it must
 * wait for readers; *gen is then the wake_gen to wait on.
 */
int kt_room_post(struct kt_member *m, struct kt_msg *msg, unsigned long *gen)
{
	struct kt_room *room = m->room;
	u32 size = KT_RECORD_SIZE(msg->len);
	struct kt_msg **slots = NULL;
	u64 min_cursor;

	lockdep_assert_held(&m->lock);
	/* The ring is allocated on first post, outside the spinlock. */
	if (!READ_ONCE(room->slots)) {
		slots = kvcalloc(kt_nr_slots, sizeof(*slots), GFP_KERNEL_ACCOUNT);
		if (!slots)
			return -ENOMEM;
	}

	spin_lock(&room->lock);
	if (!room->slots) {
		WRITE_ONCE(room->slots, slots);
		slots = NULL;
	}
	if (!kt_room_fits(room, size)) {
		room->full = true;
		*gen = m->wake_gen;
		spin_unlock(&room->lock);
		kvfree(slots);
		return -EAGAIN;
	}
	min_cursor = kt_room_min_cursor(room);
	while (kt_capacity - room->used < size)
		kt_room_drop_oldest(room, min_cursor);

	msg->seq = room->next_seq++;
	msg->time_ns = ktime_get_real_ns();
	msg->origin = m->id;
	*kt_slot(room, msg->seq) = msg;
	room->used += size;
	room->posted++;
	kt_room_wake_readers(room, m);
	spin_unlock(&room->lock);
	kvfree(slots);
	return 0;
}

/*
 * Takes the member's next message into m->pending.  -EAGAIN when there is
 * none (*gen is then the wake_gen to wait on); -EPIPE once, in stream mode,
 * after messages were overwritten before this member read them.
 */
int kt_room_fetch(struct kt_member *m, unsigned long *gen)
{
	struct kt_room *room = m->room;
	struct kt_msg *msg;
	int ret = 0;

	lockdep_assert_held(&m->lock);
	spin_lock(&room->lock);
	if (m->seq < room->first_seq) {
		m->lost += room->first_seq - m->seq;
		m->seq = room->first_seq;
		if (!(READ_ONCE(m->flags) & KERNELTALK_F_RECORDS)) {
			m->lost = 0;
			ret = -EPIPE;
			goto out_unlock;
		}
	}
	kt_member_skip_own(room, m);
	if (m->seq == room->next_seq) {
		*gen = m->wake_gen;
		ret = -EAGAIN;
		goto out_unlock;
	}
	msg = *kt_slot(room, m->seq);
	refcount_inc(&msg->ref);
	m->seq++;
	m->pending = msg;
	m->pending_off = 0;
	m->pending_lost = m->lost;
	m->lost = 0;
	kt_room_wake_writers(room);
out_unlock:
	spin_unlock(&room->lock);
	return ret;
}

__poll_t kt_room_poll(struct kt_member *m)
{
	struct kt_room *room = m->room;
	__poll_t mask = 0;

	lockdep_assert_held(&m->lock);
	spin_lock(&room->lock);
	if (m->reader) {
		if (m->seq < room->first_seq) {
			mask |= EPOLLIN | EPOLLRDNORM | EPOLLERR | EPOLLPRI;
		} else {
			if (kt_member_skip_own(room, m))
				kt_room_wake_writers(room);
			if (m->seq != room->next_seq)
				mask |= EPOLLIN | EPOLLRDNORM;
		}
	}
	if (kt_room_fits(room, KT_RECORD_SIZE(kt_max_msg)))
		mask |= EPOLLOUT | EPOLLWRNORM;
	else
		room->full = true;
	spin_unlock(&room->lock);
	return mask;
}

void kt_room_seek(struct kt_member *m, bool history)
{
	struct kt_room *room = m->room;

	lockdep_assert_held(&m->lock);
	kt_member_drop_pending(m);
	spin_lock(&room->lock);
	m->seq = history ? room->first_seq : room->next_seq;
	m->lost = 0;
	if (!history)
		kt_room_wake_writers(room);
	spin_unlock(&room->lock);
}

void kt_room_info(struct kt_member *m, struct kerneltalk_room_info *info)
{
	struct kt_room *room = m->room;

	lockdep_assert_held(&m->lock);
	memset(info, 0, sizeof(*info));
	strscpy(info->name, room->name, sizeof(info->name));
	info->capacity = kt_capacity;
	info->max_msg = kt_max_msg;
	spin_lock(&room->lock);
	info->members = room->nr_members;
	info->policy = room->policy;
	info->used = room->used;
	info->first_seq = room->first_seq;
	info->next_seq = room->next_seq;
	info->posted = room->posted;
	info->dropped = room->dropped;
	spin_unlock(&room->lock);
}

int kt_room_set_policy(struct kt_member *m, u32 policy)
{
	struct kt_room *room = m->room;
	int ret;

	lockdep_assert_held(&m->lock);
	if (policy != KERNELTALK_POLICY_BLOCK &&
	    policy != KERNELTALK_POLICY_OVERWRITE)
		return -EINVAL;
	ret = kt_room_may_admin(m);
	if (ret)
		return ret;
	spin_lock(&room->lock);
	room->policy = policy;
	kt_room_wake_writers(room);
	spin_unlock(&room->lock);
	return 0;
}

void kt_room_set_flags(struct kt_member *m, u32 flags)
{
	struct kt_room *room = m->room;

	lockdep_assert_held(&m->lock);
	spin_lock(&room->lock);
	WRITE_ONCE(m->flags, flags);
	/* With NOECHO its own unread posts stop holding the ring back. */
	if (kt_member_skip_own(room, m))
		kt_room_wake_writers(room);
	spin_unlock(&room->lock);
}

bool kt_room_name_valid(const char *name)
{
	size_t len = strnlen(name, KERNELTALK_NAME_MAX);
	size_t i;

	if (!len || len >= KERNELTALK_NAME_MAX)
		return false;
	/* Not isalnum(): the kernel's ctype counts Latin-1 letters too. */
	for (i = 0; i < len; i++)
		if (!strchr(KT_NAME_CHARS, name[i]))
			return false;
	return true;
}

/*
 * The room @m means by @name: a named room of its opener's user namespace
 * (kt_access.c), or for "" the default room of its node.
 */
static struct kt_room *kt_room_find(const char *name,
				    const struct kt_member *m)
{
	const struct user_namespace *ns = m->file->f_cred->user_ns;
	const struct kt_node_key *node = &m->node;
	struct kt_room *room;

	lockdep_assert_held(&kt_rooms_lock);
	list_for_each_entry(room, &kt_rooms, link) {
		if (strcmp(room->name, name))
			continue;
		if (name[0] ? room->user_ns == ns :
			      (room->node.dev == node->dev &&
			       room->node.ino == node->ino &&
			       room->node.generation == node->generation))
			return room;
	}
	return NULL;
}

/*
 * Named rooms may take at most three quarters of max_rooms (rounded down),
 * so that a quarter is always left for default rooms: filling the table
 * with named rooms never stops anyone from opening a node.
 */
static unsigned int kt_max_named(void)
{
	return kt_max_rooms - DIV_ROUND_UP(kt_max_rooms, 4);
}

static unsigned int kt_rooms_created_by(kuid_t uid)
{
	const struct kt_room *room;
	unsigned int n = 0;

	lockdep_assert_held(&kt_rooms_lock);
	list_for_each_entry(room, &kt_rooms, link)
		if (room->name[0] && uid_eq(room->creator, uid))
			n++;
	return n;
}

/*
 * Whether the caller may create one more room called @name, given that
 * @leaving (if not NULL) goes away once the caller's file has moved:
 * -ENOSPC when the table (or its share for named rooms) is full, -EDQUOT
 * when the caller made max_rooms_per_user named rooms already (unless it
 * has CAP_SYS_RESOURCE).
 */
static int kt_room_may_create(const char *name, const struct kt_room *leaving)
{
	unsigned int rooms = kt_nr_rooms, named = kt_nr_named, mine;
	kuid_t uid = current_euid();

	lockdep_assert_held(&kt_rooms_lock);
	if (leaving) {
		rooms--;
		if (leaving->name[0])
			named--;
	}
	if (rooms >= kt_max_rooms)
		return -ENOSPC;
	if (!name[0])
		return 0;
	if (named >= kt_max_named())
		return -ENOSPC;
	if (capable(CAP_SYS_RESOURCE))
		return 0;
	mine = kt_rooms_created_by(uid);
	if (leaving && leaving->name[0] && uid_eq(leaving->creator, uid))
		mine--;
	return mine >= kt_max_rooms_per_user ? -EDQUOT : 0;
}

static struct kt_room *kt_room_create(const char *name, struct kt_member *m,
				      umode_t mode, const struct kt_room *leaving)
{
	struct kt_room *room;
	int ret;

	lockdep_assert_held(&kt_rooms_lock);
	ret = kt_room_may_create(name, leaving);
	if (ret)
		return ERR_PTR(ret);
	room = kzalloc(sizeof(*room), GFP_KERNEL_ACCOUNT);
	if (!room)
		return ERR_PTR(-ENOMEM);
	strscpy(room->name, name, sizeof(room->name));
	if (!name[0])
		room->node = m->node;
	room->creator = current_euid();
	kt_room_init_access(room, m, mode);
	spin_lock_init(&room->lock);
	INIT_LIST_HEAD(&room->members);
	room->policy = kt_policy;
	room->first_seq = 1;
	room->next_seq = 1;
	list_add_tail(&room->link, &kt_rooms);
	kt_nr_rooms++;
	if (name[0])
		kt_nr_named++;
	return room;
}

static void kt_room_free(struct kt_room *room)
{
	lockdep_assert_held(&kt_rooms_lock);
	list_del(&room->link);
	kt_nr_rooms--;
	if (room->name[0])
		kt_nr_named--;
	/* Unreachable now, but the ring helpers expect the lock. */
	spin_lock(&room->lock);
	while (room->first_seq != room->next_seq)
		kt_room_drop_oldest(room, room->next_seq);
	spin_unlock(&room->lock);
	kvfree(room->slots);
	kt_room_exit_access(room);
	kfree(room);
}

/* Adds @m to @room with its cursor past the newest message. */
static void kt_room_add(struct kt_room *room, struct kt_member *m)
{
	lockdep_assert_held(&kt_rooms_lock);
	spin_lock(&room->lock);
	list_add_tail(&m->link, &room->members);
	room->nr_members++;
	m->seq = room->next_seq;
	m->lost = 0;
	m->joined_ns = ktime_get_real_ns();
	/* A read or post of this file waiting elsewhere must look again. */
	kt_member_wake(m, EPOLLIN | EPOLLOUT);
	spin_unlock(&room->lock);
	m->room = room;
}

/*
 * Removes @m from its room and frees the room when nothing keeps it: no
 * member and no message, or no member and its node is gone.
 */
/*
 * Whether @m's room is freed when @m leaves it: @m is its last member and
 * it retains no message, or its node is gone.  Only members post and only
 * kt_rooms_lock admits new ones, so while JOIN holds that and m->lock the
 * answer stays true until @m leaves.
 */
static bool kt_room_last_use(const struct kt_member *m)
{
	const struct kt_room *room = m->room;

	lockdep_assert_held(&kt_rooms_lock);
	lockdep_assert_held(&room->lock);
	return room->nr_members == 1 &&
	       (room->first_seq == room->next_seq ||
		(!room->name[0] && !READ_ONCE(m->inode->i_nlink)));
}

/* The room @m would free by leaving it, or NULL. */
static const struct kt_room *kt_room_leaving(struct kt_member *m)
{
	struct kt_room *room = m->room;
	bool last;

	if (!room)
		return NULL;
	spin_lock(&room->lock);
	last = kt_room_last_use(m);
	spin_unlock(&room->lock);
	return last ? room : NULL;
}

static void kt_room_del(struct kt_member *m)
{
	struct kt_room *room = m->room;
	bool unused;

	lockdep_assert_held(&kt_rooms_lock);
	spin_lock(&room->lock);
	unused = kt_room_last_use(m);
	list_del(&m->link);
	room->nr_members--;
	if (m->reader)
		kt_room_wake_writers(room);
	spin_unlock(&room->lock);
	m->room = NULL;
	if (unused)
		kt_room_free(room);
}

/*
 * Moves @m into the room called @name ("": its node's default room),
 * creating it with @mode if need be; with @excl, only a room it creates
 * (else -EEXIST).  Rejoining a room moves the cursor to its end.
 */
int kt_room_join(struct kt_member *m, const char *name, umode_t mode,
		 bool excl)
{
	struct kt_room *room;
	int ret = 0;

	lockdep_assert_held(&m->lock);
	mutex_lock(&kt_rooms_lock);
	room = kt_room_find(name, m);
	if (room) {
		ret = excl ? -EEXIST : kt_room_may_join(room, m);
		if (ret)
			goto out_unlock;
	} else {
		room = kt_room_create(name, m, mode, kt_room_leaving(m));
		if (IS_ERR(room)) {
			ret = PTR_ERR(room);
			goto out_unlock;
		}
	}
	if (room == m->room) {
		kt_room_seek(m, false);
		goto out_unlock;
	}
	kt_member_drop_pending(m);
	if (m->room)
		kt_room_del(m);
	kt_room_add(room, m);
out_unlock:
	mutex_unlock(&kt_rooms_lock);
	return ret;
}

void kt_room_leave(struct kt_member *m)
{
	mutex_lock(&kt_rooms_lock);
	kt_room_del(m);
	mutex_unlock(&kt_rooms_lock);
}

int kt_rooms_init(void)
{
	kt_nr_slots = roundup_pow_of_two(kt_capacity / KT_RECORD_SIZE(1) + 1);
	return kt_proc_init();
}

/* Module unload: no file is open any more, so no room has members. */
void kt_rooms_exit(void)
{
	struct kt_room *room, *tmp;

	kt_proc_exit();
	mutex_lock(&kt_rooms_lock);
	list_for_each_entry_safe(room, tmp, &kt_rooms, link)
		kt_room_free(room);
	mutex_unlock(&kt_rooms_lock);
}
