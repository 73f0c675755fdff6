//! Many tasks, a few at a time.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::Semaphore;

/// Runs `make(0)`, `make(1)`, … `make(count - 1)`, at most `at_once` at a
/// time, each as its own task; returns their outputs in that order.
pub async fn in_order<T, F, Fut>(count: usize, at_once: usize, make: F) -> Vec<T>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let slots = Arc::new(Semaphore::new(at_once.max(1)));
    let mut tasks = Vec::with_capacity(count);
    for n in 0..count {
        // The semaphore lives as long as this function and is never closed.
        let Ok(slot) = slots.clone().acquire_owned().await else {
            break;
        };
        let work = make(n);
        tasks.push(tokio::spawn(async move {
            let output = work.await;
            drop(slot);
            output
        }));
    }
    let mut outputs = Vec::with_capacity(count);
    for task in tasks {
        match task.await {
            Ok(output) => outputs.push(output),
            // A task that panicked: the run is broken, as it would be inline.
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        }
    }
    outputs
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn outputs_in_order_and_never_more_than_allowed_at_once() {
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let outputs = in_order(20, 3, |n| {
            let (running, most) = (running.clone(), most.clone());
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis((20 - n as u64) % 4)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                n * 2
            }
        })
        .await;
        assert_eq!(outputs, (0..20).map(|n| n * 2).collect::<Vec<_>>());
        assert!(most.load(Ordering::SeqCst) <= 3);
    }
}
