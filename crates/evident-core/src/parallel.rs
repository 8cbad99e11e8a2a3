//! Every core for work that splits into independent parts (parsing a thousand
//! control files, judging the program at twelve moments, rendering a thousand
//! pages). Scoped threads only: no pool, nothing outlives the call, and results
//! come back in the order of the inputs, so the answer never depends on timing.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// `f` over `items` on as many threads as the machine has cores, in order.
///
/// Items are handed out one at a time to whichever thread is free, not split
/// into fixed halves: parts differ in cost (a long page, a core busy with other
/// work), and fixed halves would leave one core idle while the other finishes.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_on(cores(), items, f)
}

/// Threads for work that mostly waits on the disk (reading a thousand small
/// files whose pages are not cached): while one thread waits for its read,
/// others issue theirs, so the device sees several requests at once. More than
/// the cores, and a small fixed number, since each thread costs its start.
pub const WAITING_THREADS: usize = 8;

/// As [`map`], on `threads` threads (at least the machine's cores).
pub fn map_on<T: Sync, R: Send>(threads: usize, items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = threads.max(cores());
    if threads < 2 || items.len() < 2 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(k) else {
                return done;
            };
            done.push((k, f(item)));
        }
    };
    let parts: Vec<Vec<(usize, R)>> = thread::scope(|s| {
        let others: Vec<_> = (1..threads.min(items.len()))
            .map(|_| s.spawn(work))
            .collect();
        let mine = work();
        let mut parts: Vec<_> = others.into_iter().map(joined).collect();
        parts.push(mine);
        parts
    });
    let mut slots: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    for (k, r) in parts.into_iter().flatten() {
        slots[k] = Some(r);
    }
    slots
        .into_iter()
        .map(|r| r.expect("each item is taken by exactly one thread"))
        .collect()
}

fn cores() -> usize {
    thread::available_parallelism().map_or(1, usize::from)
}

/// `a` on another thread while `b` runs on this one.
pub fn both<A: Send, B>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B) -> (A, B) {
    thread::scope(|s| {
        let other = s.spawn(a);
        let here = b();
        (joined(other), here)
    })
}

/// A thread's result; a panic there is carried on here, as if it had been one thread.
fn joined<R>(handle: thread::ScopedJoinHandle<'_, R>) -> R {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

#[cfg(test)]
mod tests {
    #[test]
    fn map_keeps_the_order_of_its_items() {
        let items: Vec<u32> = (0..1001).collect();
        assert_eq!(
            super::map(&items, |n| n * 2),
            items.iter().map(|n| n * 2).collect::<Vec<_>>()
        );
        assert!(super::map(&[] as &[u32], |n| *n).is_empty());
        // More threads than items, and than cores: still each item once, in order.
        let few: Vec<u32> = (0..5).collect();
        assert_eq!(super::map_on(16, &few, |n| n + 1), vec![1, 2, 3, 4, 5]);
        assert_eq!(
            super::map_on(super::WAITING_THREADS, &items, |n| n * 3),
            items.iter().map(|n| n * 3).collect::<Vec<_>>()
        );
        assert_eq!(super::both(|| 1, || 2), (1, 2));
    }
}
