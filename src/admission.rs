//! Admission control for GraphQL execution: at most `capacity` requests execute at
//! once, a bounded number wait their turn (first come, first served) for a bounded
//! time, and the rest are turned away at once. Memory then grows with the requests
//! executing, not with the clients connected; a refused client is told to retry
//! (HTTP 503 with `Retry-After`), which a balancer can send to another instance.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The gate every GraphQL request passes before it touches the database.
pub struct Admission {
    executing: Arc<Semaphore>,
    capacity: usize,
    queued: AtomicUsize,
    max_queued: usize,
    max_wait: Duration,
}

/// The right to execute; the next request in the queue gets it when this is dropped.
pub struct Admitted(#[expect(dead_code, reason = "held for its Drop")] OwnedSemaphorePermit);

/// Why a request was turned away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Every executing slot and every place in the queue was taken.
    QueueFull,
    /// The request waited in the queue for the longest wait allowed.
    WaitedTooLong,
}

impl Refusal {
    /// The `reason` label of `roster_graphql_rejected_total`.
    pub fn label(self) -> &'static str {
        match self {
            Self::QueueFull => "queue_full",
            Self::WaitedTooLong => "queue_timeout",
        }
    }
}

/// Gives a place in the queue back however the wait ends, including when the client
/// hangs up and the request's future is dropped.
struct QueuePlace<'a>(&'a AtomicUsize);

impl Drop for QueuePlace<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Admission {
    pub fn new(capacity: usize, max_queued: usize, max_wait: Duration) -> Self {
        let capacity = capacity.max(1);
        Self {
            executing: Arc::new(Semaphore::new(capacity)),
            capacity,
            queued: AtomicUsize::new(0),
            max_queued,
            max_wait,
        }
    }

    /// Waits for a slot to execute in, or says why there will be none. A free slot is
    /// never taken ahead of a request already waiting (the semaphore is fair).
    pub async fn admit(&self) -> Result<Admitted, Refusal> {
        if let Ok(permit) = self.executing.clone().try_acquire_owned() {
            return Ok(Admitted(permit));
        }
        self.queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |queued| {
                (queued < self.max_queued).then_some(queued + 1)
            })
            .map_err(|_| Refusal::QueueFull)?;
        let _place = QueuePlace(&self.queued);
        match tokio::time::timeout(self.max_wait, self.executing.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(Admitted(permit)),
            // The semaphore is never closed; a timeout is the only way here.
            Ok(Err(_)) | Err(_) => Err(Refusal::WaitedTooLong),
        }
    }

    /// Requests executing now.
    pub fn executing(&self) -> usize {
        self.capacity - self.executing.available_permits()
    }

    /// Requests waiting for a slot now.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Acquire)
    }

    /// Most requests executing at once.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_gate_queues_then_refuses() {
        let gate = Admission::new(1, 1, Duration::from_millis(50));
        let first = gate.admit().await.expect("a free slot");
        assert_eq!(gate.executing(), 1);
        let waiting = gate.admit();
        tokio::pin!(waiting);
        assert!(
            futures_poll_once(&mut waiting).await.is_none(),
            "the second request waits"
        );
        assert_eq!(gate.queued(), 1);
        assert_eq!(gate.admit().await.err(), Some(Refusal::QueueFull));
        drop(first);
        assert!(waiting.await.is_ok(), "the waiting request gets the slot");
        assert_eq!(gate.queued(), 0);
        let _held = gate.admit().await.expect("the slot is free again");
        assert_eq!(gate.admit().await.err(), Some(Refusal::WaitedTooLong));
        assert_eq!(gate.queued(), 0, "a timed-out request leaves the queue");
    }

    /// Polls a future once: `Some` with its output when it was ready.
    async fn futures_poll_once<F: Future + Unpin>(future: &mut F) -> Option<F::Output> {
        std::future::poll_fn(|cx| {
            std::task::Poll::Ready(match std::pin::Pin::new(&mut *future).poll(cx) {
                std::task::Poll::Ready(output) => Some(output),
                std::task::Poll::Pending => None,
            })
        })
        .await
    }
}
