// SPDX-License-Identifier: GPL-2.0
/*
 * KernelTalk rooms: the registry of rooms, their members, and the ring of
 * messages each room retains.  Lock rules are in kt.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
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
#include <linux/workqueue.h>

#include "kt.h"
#include "kt_ring.h"

static_assert(KERNELTALK_COMM_LEN == TASK_COMM_LEN);

#define KT_NAME_CHARS \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

/* Guards kt_rooms and the counts, see kt.h for the lock order. */
DEFINE_MUTEX(kt_rooms_lock);
LIST_HEAD(kt_rooms);
static unsigned int kt_nr_rooms;	/* default and named */
static unsigned int kt_nr_named;
/* What the ring's slot array costs of a room's capacity once allocated. */
static u32 kt_slots_cost;

/* Bytes the allocator really takes for @ptr, of @size bytes, kvmalloc'd. */
static u32 kt_alloc_cost(const void *ptr, size_t size)
{
	return is_vmalloc_addr(ptr) ? PAGE_ALIGN(size) : ksize(ptr);
}

/*
 * The most kvmalloc() may take for @size bytes: a kmalloc bucket (found
 * by trying), or for larger sizes the page allocator's power of two,
 * which is at least what vmalloc takes.  0 when even trying fails.
 */
static size_t kt_alloc_bound(size_t size)
{
	size_t bound;
	void *p;

	if (size > KMALLOC_MAX_CACHE_SIZE)
		return PAGE_SIZE << get_order(size);
	p = kmalloc(size, GFP_KERNEL);
	if (!p)
		return 0;
	bound = ksize(p);
	kfree(p);
	return bound;
}

/*
 * The file's spare message if it can carry @size bytes without taking
 * much more of a room's capacity than a new allocation would (a kmalloc
 * bucket is at most twice its request), else NULL.
 */
static struct kt_msg *kt_member_take_spare(struct kt_member *m, size_t size)
{
	struct kt_msg *msg = xchg(&m->spare, NULL);

	if (!msg || (msg->cost >= size && msg->cost / 2 < size))
		return msg;
	/* Not the size this file posts now: give its memory back. */
	put_pid(msg->pid);
	kvfree(msg);
	return NULL;
}

/*
 * A message of @len bytes that the current task posts through @m, a file
 * opened with effective uid @uid.  The uid is the opener's, so a setuid
 * program writing to a descriptor it inherited posts as whoever opened it;
 * the pid and comm say which process wrote.
 */
struct kt_msg *kt_msg_alloc(struct kt_member *m, size_t len, kuid_t uid)
{
	size_t size = KT_MSG_SIZE(len);
	struct pid *pid = task_tgid(current);
	struct kt_msg *msg;

	/* A stream of posts reuses what it recycles: no allocation. */
	msg = kt_member_take_spare(m, size);
	if (msg) {
		if (msg->pid != pid) {
			put_pid(msg->pid);
			msg->pid = get_pid(pid);
		}
	} else {
		/*
		 * Charged to the poster: its messages are its memory.  Large
		 * ones may come from vmalloc: kvmalloc() tries kmalloc()
		 * without warning.
		 */
		msg = kvmalloc(size, GFP_KERNEL_ACCOUNT);
		if (!msg)
			return NULL;
		msg->cost = kt_alloc_cost(msg, size);
		msg->pid = get_pid(pid);
	}
	refcount_set(&msg->ref, 1);
	msg->recycled = false;
	msg->len = len;
	msg->text = 0;
	msg->uid = uid;
	/* The process's name, as ps shows it next to the tgid in @pid. */
	get_task_comm(msg->comm, current->group_leader);
	return msg;
}

static void kt_msg_free(struct kt_msg *msg)
{
	put_pid(msg->pid);
	kvfree(msg);
}

/* Not under a spinlock: vfree() may sleep. */
void kt_msg_put(struct kt_msg *msg)
{
	might_sleep();
	if (refcount_dec_and_test(&msg->ref))
		kt_msg_free(msg);
}

void kt_member_free_spare(struct kt_member *m)
{
	struct kt_msg *msg = xchg(&m->spare, NULL);

	if (msg)
		kt_msg_free(msg);
}

/* Frees what kt_room_drop_oldest() collected, after the room lock. */
static void kt_msg_free_list(struct kt_msg *list)
{
	while (list) {
		struct kt_msg *next = list->next_free;

		kt_msg_free(list);
		list = next;
	}
}

/*
 * Unless @m has a spare already, takes the first message on @list that @m
 * posted itself off it, as its spare.  Returns the list.
 */
static struct kt_msg *kt_member_keep_spare(struct kt_member *m,
					   struct kt_msg *list)
{
	struct kt_msg **link;

	if (READ_ONCE(m->spare))
		return list;
	for (link = &list; *link; link = &(*link)->next_free) {
		struct kt_msg *msg = *link;

		if (msg->origin != m->id)
			continue;
		*link = msg->next_free;
		msg = xchg(&m->spare, msg);
		if (msg)	/* another thread of the file kept one first */
			kt_msg_free(msg);
		break;
	}
	return list;
}

void kt_member_drop_pending(struct kt_member *m)
{
	struct kt_room *room = m->room;
	struct kt_msg *last;

	lockdep_assert_held(&m->lock);
	if (!m->pending)
		return;
	spin_lock(&room->lock);
	last = kt_ring_drop_pending(room, m);
	spin_unlock(&room->lock);
	if (last)
		kt_msg_free(last);
}

/*
 * Ends the member's waits for @events (see wake_gen in kt.h): readers
 * and pollers of the file on m->wait, its writers on m->wr_wait, only
 * when someone sleeps or polls there.  A write waits exclusively: one
 * writing thread is woken and passes the wake-up on (kt_write()).
 */
void kt_member_wake(struct kt_member *m, __poll_t events)
{
	WRITE_ONCE(m->wake_gen, m->wake_gen + 1);
	/* wq_has_sleeper() orders the wake_gen store before its check. */
	if ((events & EPOLLIN) && wq_has_sleeper(&m->wait))
		wake_up_interruptible_poll(&m->wait, events);
	if ((events & EPOLLOUT) && wq_has_sleeper(&m->wr_wait))
		wake_up_interruptible_poll(&m->wr_wait, events);
}

/* A reader holding the room full has just turned stalled. */
static void kt_room_stall_work(struct work_struct *work)
{
	struct kt_room *room = container_of(to_delayed_work(work),
					    struct kt_room, stall_work);

	spin_lock(&room->lock);
	kt_room_update_full(room);
	spin_unlock(&room->lock);
}

/* kt_ring.h: have kt_room_update_full() look again in @delay jiffies. */
void kt_room_recheck_in(struct kt_room *room, unsigned long delay)
{
	unsigned long at = jiffies + delay;

	/* A full room asks on every post: re-arm only for an earlier one. */
	if (delayed_work_pending(&room->stall_work) &&
	    !time_after(room->recheck_at, at))
		return;
	room->recheck_at = at;
	mod_delayed_work(system_wq, &room->stall_work, delay);
}

/*
 * Posts @msg, taking over the caller's reference, and gives the sequence
 * number and time it stamped in *@seq and *@time_ns.  -EAGAIN when it must
 * wait for readers; *gen is then the wake_gen to wait on.
 */
int kt_room_post(struct kt_member *m, struct kt_msg *msg, unsigned long *gen,
		 u64 *seq, u64 *time_ns)
{
	struct kt_room *room = m->room;
	struct kt_msg **slots = NULL, *freed = NULL;
	int ret;

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
		room->used = kt_slots_cost;
		slots = NULL;
	}
	ret = kt_ring_post(room, m, msg, gen, &freed);
	/* Once the lock drops, a later post may overwrite and free @msg. */
	if (!ret) {
		*seq = msg->seq;
		*time_ns = msg->time_ns;
	}
	spin_unlock(&room->lock);
	kt_msg_free_list(kt_member_keep_spare(m, freed));
	kvfree(slots);
	return ret;
}

/*
 * Takes the member's next message into m->pending, done with the pending
 * one first if there is one (a batch moves on under one lock).  -EAGAIN
 * when there is none (*gen is then the wake_gen to wait on); -EPIPE once,
 * in stream mode, after messages were overwritten before this member read
 * them.
 */
int kt_room_fetch(struct kt_member *m, unsigned long *gen)
{
	struct kt_room *room = m->room;
	struct kt_msg *last;
	int ret;

	lockdep_assert_held(&m->lock);
	spin_lock(&room->lock);
	ret = kt_ring_fetch(room, m, gen, &last);
	spin_unlock(&room->lock);
	if (last)
		kt_msg_free(last);
	return ret;
}

void kt_room_seek(struct kt_member *m, bool history)
{
	struct kt_room *room = m->room;

	lockdep_assert_held(&m->lock);
	kt_member_drop_pending(m);
	spin_lock(&room->lock);
	kt_ring_seek(room, m, history);
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
	kt_room_update_full(room);
	spin_unlock(&room->lock);
	return 0;
}

/*
 * A new stall bound counts from each reader's last read, as the old one
 * did: a reader idle for longer than it is stalled at once, and the writers
 * it held back are woken.
 */
int kt_room_set_stall(struct kt_member *m, u32 stall_ms)
{
	struct kt_room *room = m->room;
	int ret;

	lockdep_assert_held(&m->lock);
	ret = kt_room_may_admin(m);
	if (ret)
		return ret;
	spin_lock(&room->lock);
	room->stall_ms = stall_ms;
	room->stall = msecs_to_jiffies(stall_ms);
	kt_room_update_full(room);
	spin_unlock(&room->lock);
	return 0;
}

u32 kt_room_stall_ms(struct kt_member *m)
{
	struct kt_room *room = m->room;
	u32 stall_ms;

	lockdep_assert_held(&m->lock);
	spin_lock(&room->lock);
	stall_ms = room->stall_ms;
	spin_unlock(&room->lock);
	return stall_ms;
}

/*
 * A message half read in stream mode cannot turn into a record (nor be
 * delivered whole again): RECORDS changes only between messages.  BATCH
 * means something only for records.
 */
int kt_room_set_flags(struct kt_member *m, u32 flags)
{
	struct kt_room *room = m->room;

	lockdep_assert_held(&m->lock);
	if ((flags & KERNELTALK_F_BATCH) && !(flags & KERNELTALK_F_RECORDS))
		return -EINVAL;
	if (((flags ^ READ_ONCE(m->flags)) & KERNELTALK_F_RECORDS) &&
	    m->pending_off)
		return -EBUSY;
	spin_lock(&room->lock);
	WRITE_ONCE(m->flags, flags);
	/* With NOECHO its own unread posts stop holding the ring back. */
	if (kt_member_skip_own(room, m))
		kt_room_wake_writers(room);
	spin_unlock(&room->lock);
	return 0;
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
	room->stall_ms = min(READ_ONCE(kt_stall_ms), KERNELTALK_STALL_MS_MAX);
	room->stall = msecs_to_jiffies(room->stall_ms);
	INIT_DELAYED_WORK(&room->stall_work, kt_room_stall_work);
	INIT_LIST_HEAD(&room->caught_up);
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
	struct kt_msg *freed = NULL;

	lockdep_assert_held(&kt_rooms_lock);
	list_del(&room->link);
	kt_nr_rooms--;
	if (room->name[0])
		kt_nr_named--;
	cancel_delayed_work_sync(&room->stall_work);
	/* Unreachable now, but the ring helpers expect the lock. */
	spin_lock(&room->lock);
	while (room->first_seq != room->next_seq)
		kt_room_drop_oldest(room, &freed);
	spin_unlock(&room->lock);
	kt_msg_free_list(freed);
	kvfree(room->slots);
	kt_room_exit_access(room);
	kfree(room);
}

/* Adds @m to @room with its cursor past the newest message. */
static void kt_room_add(struct kt_room *room, struct kt_member *m)
{
	lockdep_assert_held(&kt_rooms_lock);
	spin_lock(&room->lock);
	kt_ring_add(room, m);
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
	kt_ring_del(room, m);
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

/*
 * What a room really costs, from the allocator: every message its
 * kvmalloc'd size as rounded, the slot array once allocated.  capacity
 * must hold the slot array and the longest post (a relayed max_msg
 * message) at the worst rounding (which also keeps a post below the
 * allocator's size limit), else the parameters are refused.
 */
int kt_rooms_init(void)
{
	size_t min_cost, slots_cost, max_cost;

	min_cost = kt_alloc_bound(KT_MSG_SIZE(1));
	max_cost = kt_alloc_bound(KT_MSG_SIZE(KT_POST_MAX));
	if (!min_cost || !max_cost)
		return -ENOMEM;
	kt_nr_slots = roundup_pow_of_two(kt_capacity / min_cost + 1);
	slots_cost = kt_alloc_bound(array_size(kt_nr_slots,
					       sizeof(struct kt_msg *)));
	if (!slots_cost)
		return -ENOMEM;
	if (slots_cost + max_cost > kt_capacity) {
		pr_err("capacity %u cannot hold the slot array (%zu bytes) and one relayed max_msg message (up to %zu bytes)\n",
		       kt_capacity, slots_cost, max_cost);
		return -EINVAL;
	}
	kt_slots_cost = slots_cost;
	kt_max_cost = max_cost;
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
