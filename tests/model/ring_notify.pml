/*
 * The ring's notification protocol (shared-ring/vmi_ring.h, docs/ABI.md
 * part (b)) as a spin model, on a machine with store buffers (x86-TSO):
 * each CPU's stores wait in a FIFO buffer that drains to memory at any
 * time, a CPU's loads see its own buffered stores first, and vmi_mb()
 * waits until its buffer is empty. That is exactly the reordering that can
 * lose a wake-up, so the model shows why each barrier is there.
 *
 * A producer and a consumer move NITEMS entries through a ring of NSLOTS
 * slots whose free-running indices start just below the wrap (mod 8 here).
 * Each side may decide about notifying per batch (publish, release) or
 * defer the decision (push, pop) until it waits; when it finds no work it
 * spins or arms its event index, re-checks after the barrier, and sleeps
 * until notified (an eventfd: a flag the peer sets, the sleeper clears).
 *
 * Checked properties:
 *  - monitor: never is a side asleep with work waiting, no notification
 *    pending, and no notification decision its peer still owes (a peer
 *    owes one from the store of its index until its check, which for push
 *    and pop comes before it waits). This is "no lost wake-up": a sleeper
 *    with work is woken without anyone else having to move first.
 *  - invalid end states (spin's deadlock check): both sides run to the end;
 *    no side sleeps for ever, e.g. after its peer finished.
 *  - the indices a side reads never claim more than NSLOTS entries.
 *
 * Variants (spin -D...): the protocol as written must pass; each broken
 * variant must fail (tests/model/run-model.sh runs them all):
 *  BROKEN_PUBLISH   no barrier between storing prod and loading prod_event
 *  BROKEN_RELEASE   no barrier between storing cons and loading cons_event
 *  BROKEN_ARM       no barrier between storing prod_event and re-reading prod
 *  BROKEN_PROD_ARM  no barrier between storing cons_event and re-reading cons
 *  BUSY_HINT        skip the publish barrier when the consumer still has
 *                   older entries to take ("it is busy, it will see ours")
 *  REACH            vacuity check: both sides do sleep in some run
 */

#define NSLOTS 2
#ifndef NITEMS
#define NITEMS 4
#endif
#define MASK 7 /* indices mod 8: enough to wrap */
#define INIT 6

/* Shared words, and where they sit in mem[]. */
#define PROD 0
#define CONS 1
#define PEV 2 /* prod_event, the consumer writes */
#define CEV 3 /* cons_event, the producer writes */
byte mem[4];

/* One store buffer per CPU (0: producer, 1: consumer), two entries deep. */
byte sb_a[4];
byte sb_v[4];
byte sb_len[2];

/* eventfds: wake[0] wakes the producer, wake[1] the consumer. */
bit wake[2];

/* Ghost state for the monitor. */
byte p_idx = INIT; /* the producer's private index */
byte c_idx = INIT; /* the consumer's */
bit p_owes; /* the producer stored prod and has not yet decided */
bit c_owes;
bit p_asleep;
bit c_asleep;
bit p_slept;
bit c_slept;

#define NEED_EVENT(ev, new, old) \
	((((new) - (ev) - 1) & MASK) < (((new) - (old)) & MASK))

inline store(cpu, a, v)
{
	atomic {
		sb_len[cpu] < 2 ->
		sb_a[cpu * 2 + sb_len[cpu]] = a;
		sb_v[cpu * 2 + sb_len[cpu]] = v;
		sb_len[cpu]++
	}
}

/* The newest buffered store to a, else memory. */
inline load(cpu, a, r)
{
	r = mem[a];
	if
	:: sb_len[cpu] > 0 && sb_a[cpu * 2] == a -> r = sb_v[cpu * 2]
	:: else -> skip
	fi;
	if
	:: sb_len[cpu] > 1 && sb_a[cpu * 2 + 1] == a -> r = sb_v[cpu * 2 + 1]
	:: else -> skip
	fi
}

/* vmi_mb(): wait until this CPU's stores are all in memory. */
inline mb(cpu)
{
	sb_len[cpu] == 0
}

/* The buffer drains, oldest first, whenever it likes. */
proctype drain(byte cpu)
{
end:
	do
	:: atomic {
		sb_len[cpu] > 0 ->
		mem[sb_a[cpu * 2]] = sb_v[cpu * 2];
		sb_a[cpu * 2] = sb_a[cpu * 2 + 1];
		sb_v[cpu * 2] = sb_v[cpu * 2 + 1];
		sb_a[cpu * 2 + 1] = 0;
		sb_v[cpu * 2 + 1] = 0;
		sb_len[cpu]--
	}
	od
}

/* Load prod_event and decide, as one step; the debt is then paid. */
inline prod_decide()
{
	atomic {
		load(0, PEV, ev);
		if
		:: NEED_EVENT(ev, p_idx, old) -> wake[1] = 1
		:: else -> skip
		fi;
		p_owes = 0
	}
}

/* vmi_ring_prod_check_notify(): decide for everything since the last one. */
inline prod_check()
{
	if
	:: checked != p_idx ->
		old = checked;
		checked = p_idx;
#if defined(BUSY_HINT)
		/* "The consumer is behind, it will find our entries anyway." */
		load(0, CONS, c);
		if
		:: c != old -> p_owes = 0
		:: else -> mb(0); prod_decide()
		fi
#elif defined(BROKEN_PUBLISH)
		prod_decide()
#else
		mb(0);
		prod_decide()
#endif
	:: else -> skip
	fi
}

/* vmi_ring_cons_check_notify(), likewise. */
inline cons_check()
{
	if
	:: checked != c_idx ->
		old = checked;
		checked = c_idx;
#if !defined(BROKEN_RELEASE)
		mb(1);
#endif
		atomic {
			load(1, CEV, ev);
			if
			:: NEED_EVENT(ev, c_idx, old) -> wake[0] = 1
			:: else -> skip
			fi;
			c_owes = 0
		}
	:: else -> skip
	fi
}

proctype producer()
{
	byte peer = INIT, checked = INIT, produced = 0, c, ev, old;

	do
	:: produced == NITEMS -> break
	:: else ->
		/* vmi_ring_prod_reserve(): read cons only if the cache is full */
		if
		:: ((p_idx - peer) & MASK) >= NSLOTS ->
			atomic {
				load(0, CONS, c);
				assert(((p_idx - c) & MASK) <= NSLOTS);
				peer = c
			}
		:: else -> skip
		fi;
		if
		:: ((p_idx - peer) & MASK) < NSLOTS ->
			/* fill the slot, then push: store prod */
			atomic {
				sb_len[0] < 2;
				p_idx = (p_idx + 1) & MASK;
				p_owes = 1;
				store(0, PROD, p_idx)
			}
			produced++;
			if
			:: prod_check() /* publish */
			:: skip /* push: decide later */
			fi
		:: else ->
			/* full: settle pushes before waiting */
			prod_check();
			if
			:: skip /* spin: try again */
			:: /* vmi_ring_prod_arm(), then sleep if still full */
				store(0, CEV, peer);
#if !defined(BROKEN_PROD_ARM)
				mb(0);
#endif
				atomic {
					load(0, CONS, c);
					assert(((p_idx - c) & MASK) <= NSLOTS);
					peer = c;
					if
					:: ((p_idx - c) & MASK) >= NSLOTS ->
						p_asleep = 1;
						p_slept = 1
					:: else -> skip
					fi
				}
				if
				:: p_asleep ->
					atomic {
						wake[0] == 1 ->
						wake[0] = 0;
						p_asleep = 0
					}
				:: else -> skip
				fi
			fi
		fi
	od;
	prod_check()
}

proctype consumer()
{
	byte checked = INIT, consumed = 0, p, ev, old, n;

	do
	:: consumed == NITEMS -> break
	:: else ->
		/* vmi_ring_cons_peek() */
		atomic {
			load(1, PROD, p);
			assert(((p - c_idx) & MASK) <= NSLOTS)
		}
		if
		:: ((p - c_idx) & MASK) > 0 ->
			/* copy out one or all, then pop: store cons */
			n = (p - c_idx) & MASK;
			if
			:: n > 1 -> n = 1
			:: true -> skip
			fi;
			atomic {
				sb_len[1] < 2;
				c_idx = (c_idx + n) & MASK;
				consumed = consumed + n;
				c_owes = 1;
				store(1, CONS, c_idx)
			}
			if
			:: cons_check() /* release */
			:: skip /* pop: decide later */
			fi
		:: else ->
			/* empty: settle pops before waiting */
			cons_check();
			if
			:: skip /* spin: try again */
			:: /* vmi_ring_cons_arm(), then sleep if still empty */
				store(1, PEV, c_idx);
#if !defined(BROKEN_ARM)
				mb(1);
#endif
				atomic {
					load(1, PROD, p);
					assert(((p - c_idx) & MASK) <= NSLOTS);
					if
					:: p == c_idx ->
						c_asleep = 1;
						c_slept = 1
					:: else -> skip
					fi
				}
				if
				:: c_asleep ->
					atomic {
						wake[1] == 1 ->
						wake[1] = 0;
						c_asleep = 0
					}
				:: else -> skip
				fi
			fi
		fi
	od;
	cons_check()
}

/* A side asleep with work, nothing pending to wake it, nothing owed. */
#define CONS_LOST                                                       \
	(c_asleep && !wake[1] && sb_len[0] == 0 && mem[PROD] != c_idx && \
	 !p_owes)
#define PROD_LOST                                                  \
	(p_asleep && !wake[0] && sb_len[1] == 0 &&                  \
	 ((p_idx - mem[CONS]) & MASK) < NSLOTS && !c_owes)

active proctype monitor()
{
#if defined(REACH)
	assert(!(p_slept && c_slept));
#else
	assert(!CONS_LOST && !PROD_LOST);
#endif
}

init
{
	atomic {
		mem[PROD] = INIT;
		mem[CONS] = INIT;
		/* Event indices as a fresh ring has them, or long stale. */
		if
		:: mem[PEV] = INIT; mem[CEV] = INIT
		:: mem[PEV] = INIT - 3; mem[CEV] = INIT - 3
		fi;
		run drain(0);
		run drain(1);
		run producer();
		run consumer()
	}
}
