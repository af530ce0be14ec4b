//! When a request's DataLoaders fetch. async-graphql's loaders wait a fixed delay
//! (1 ms) for keys to gather; a list of a hundred rows can take longer than that to
//! resolve, and its keys then split over several statements. Here a loader's fetch
//! waits instead until the request can make no more progress on its own: by then
//! every resolver that could ask for a key has asked, so one level of a query costs
//! one statement per loader, however long its lists.
//!
//! "No more progress" is a poll that ends pending without the request having been
//! woken meanwhile. A long list yields part-way through (its executor polls a few
//! dozen items, wakes itself and returns), and releasing the fetches then would
//! split the batch again.

use std::{
    future::{Future, poll_fn},
    pin::{Pin, pin},
    sync::{
        Arc, Mutex, MutexGuard, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Wake, Waker},
};

type Fetch = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// One request's held-back loader fetches.
#[derive(Clone, Default)]
pub struct Batching {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    held: Mutex<Vec<Fetch>>,
    /// Whether the request is being polled: only then is holding a fetch back safe,
    /// since `drive` releases what was held as soon as that poll ends.
    polling: AtomicBool,
}

impl Batching {
    /// The spawner to give each of the request's `DataLoader`s.
    pub fn spawner(&self) -> impl Fn(Fetch) + Send + Sync + 'static {
        let inner = self.inner.clone();
        move |fetch| {
            if inner.polling.load(Ordering::Acquire) {
                inner.held().push(fetch);
            } else {
                tokio::spawn(fetch);
            }
        }
    }

    /// Runs the request, starting the held fetches each time it stops to wait.
    pub async fn drive<F: Future>(&self, request: F) -> F::Output {
        let mut request = pin!(request);
        let wakes = Arc::new(WakeWatch::default());
        let waker = Waker::from(wakes.clone());
        poll_fn(|cx| {
            wakes.forward_to(cx.waker());
            self.inner.polling.store(true, Ordering::Release);
            let polled = request.as_mut().poll(&mut Context::from_waker(&waker));
            self.inner.polling.store(false, Ordering::Release);
            if polled.is_ready() || !wakes.woken.load(Ordering::Acquire) {
                for fetch in self.inner.held().drain(..) {
                    tokio::spawn(fetch);
                }
            }
            polled
        })
        .await
    }
}

impl Inner {
    fn held(&self) -> MutexGuard<'_, Vec<Fetch>> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A waker that passes wakes on to the task's own and notes that one came.
#[derive(Default)]
struct WakeWatch {
    woken: AtomicBool,
    task: Mutex<Option<Waker>>,
}

impl WakeWatch {
    /// Starts a poll: forgets earlier wakes and remembers whom to wake.
    fn forward_to(&self, task: &Waker) {
        self.woken.store(false, Ordering::Release);
        let mut current = self.task.lock().unwrap_or_else(PoisonError::into_inner);
        if !current.as_ref().is_some_and(|waker| waker.will_wake(task)) {
            *current = Some(task.clone());
        }
    }
}

impl Wake for WakeWatch {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        let task = self.task.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(task) = task.as_ref() {
            task.wake_by_ref();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::{collections::HashMap, task::Poll, time::Duration};

    use async_graphql::dataloader::{DataLoader, Loader};

    use super::*;

    /// Records the size of every batch it is asked for.
    #[derive(Clone, Default)]
    struct Recording {
        batches: Arc<Mutex<Vec<usize>>>,
    }

    impl Loader<u32> for Recording {
        type Value = u32;
        type Error = ();

        async fn load(&self, keys: &[u32]) -> Result<HashMap<u32, u32>, ()> {
            self.batches.lock().map_err(|_| ())?.push(keys.len());
            Ok(keys.iter().map(|key| (*key, key * 2)).collect())
        }
    }

    /// Loads `count` keys from concurrent futures that each work a little first,
    /// longer in all than the default 1 ms window, and some of which yield (wake
    /// themselves) a few times before asking.
    async fn load_slowly(loader: &DataLoader<Recording>, count: u32) -> Vec<u32> {
        let loads = (0..count).map(|key| async move {
            for _ in 0..key % 4 {
                tokio::task::yield_now().await;
            }
            std::thread::sleep(Duration::from_micros(50));
            loader
                .load_one(key)
                .await
                .ok()
                .flatten()
                .unwrap_or_default()
        });
        join_all(loads.collect()).await
    }

    /// Polls every future on each wake, as async-graphql does with a list's items.
    async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
        let mut futures: Vec<_> = futures.into_iter().map(Box::pin).collect();
        let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
        poll_fn(|cx| {
            let mut pending = false;
            for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
                if output.is_none() {
                    match future.as_mut().poll(cx) {
                        Poll::Ready(value) => *output = Some(value),
                        Poll::Pending => pending = true,
                    }
                }
            }
            if pending {
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        })
        .await;
        outputs.into_iter().flatten().collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn keys_asked_for_before_the_request_waits_share_one_batch() {
        let recording = Recording::default();
        let batching = Batching::default();
        let loader = DataLoader::new(recording.clone(), batching.spawner()).delay(Duration::ZERO);
        let values = batching.drive(load_slowly(&loader, 100)).await;
        assert_eq!(values, (0..100).map(|key| key * 2).collect::<Vec<_>>());
        let batches = recording
            .batches
            .lock()
            .map(|b| b.clone())
            .unwrap_or_default();
        assert_eq!(batches, vec![100]);
    }

    #[tokio::test]
    async fn a_fetch_asked_for_outside_a_drive_still_runs() {
        let recording = Recording::default();
        let batching = Batching::default();
        let loader = DataLoader::new(recording.clone(), batching.spawner());
        assert_eq!(loader.load_one(21).await, Ok(Some(42)));
    }
}
