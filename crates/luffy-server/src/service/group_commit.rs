//! Group commit: many small write units from concurrent requests share one transaction.
//!
//! Each unit still runs alone inside its own savepoint, so a unit that fails leaves nothing
//! behind and does not disturb the others; the batch then commits once. A request's answer is
//! sent only after that commit, so nothing is reported stored before it is.
//!
//! Requests queue their unit and wait without holding a thread. While units are queued, one
//! task on the blocking pool drains the queue a batch at a time, then stops. Under load this
//! turns one blocking-pool trip, one connection checkout and one commit per request into one
//! per batch; with a single request in flight it behaves like [`super::orders::with_db_tx`].
//!
//! Made for SQLite, whose single writer would otherwise see each request queue for the write
//! lock on a thread of its own; it works on PostgreSQL too, where writers need not queue.
//!
//! Only for units whose locks cannot deadlock across batches: inserts of new rows, not updates
//! of shared rows that two batches could take in opposite orders.

use crate::api::ApiError;
use crate::state::AppState;
use actix_web::web;
use diesel::connection::{Connection, TransactionManager};
use luffy_db::DbConnection;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use tokio::sync::oneshot;

/// Most units in one transaction (PostgreSQL tracks up to 64 subtransactions cheaply).
const MAX_BATCH: usize = 32;

/// The queue of units waiting for a transaction.
#[derive(Default)]
pub struct GroupCommit {
    queue: Mutex<Queue>,
}

#[derive(Default)]
struct Queue {
    units: Vec<Box<dyn Unit>>,
    /// A drain task is running (it clears this when it finds the queue empty).
    draining: bool,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit").finish_non_exhaustive()
    }
}

impl GroupCommit {
    /// Runs `work` in the next batch's transaction, inside a savepoint of its own.
    ///
    /// Returns as soon as the unit has run, with its value and a [`Commit`] to wait on: what
    /// does not depend on the commit (signing a URL, say) can start while the rest of the
    /// batch runs and commits, but nothing may be reported stored before [`Commit::wait`]
    /// says so. A refusal (`Err` from `work`) is final at once: the unit wrote nothing.
    pub async fn submit<T, F>(state: &web::Data<AppState>, work: F) -> Result<Staged<T>, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection, &AppState) -> Result<T, ApiError> + Send + 'static,
    {
        let (ran, outcome) = oneshot::channel();
        let (committed, commit) = oneshot::channel();
        let unit = Pending {
            job: Some((work, ran)),
            wrote: false,
            committed,
        };
        let start_drain = {
            let mut queue = state.group_commit.lock();
            queue.units.push(Box::new(unit));
            !std::mem::replace(&mut queue.draining, true)
        };
        if start_drain {
            let state = state.clone();
            // Detached: the drain outlives this request when others keep queueing.
            drop(actix_web::rt::task::spawn_blocking(move || drain(&state)));
        }
        let value = outcome.await.map_err(|_| abandoned())??;
        Ok(Staged {
            value,
            commit: Commit(commit),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn next_batch(&self) -> Option<Vec<Box<dyn Unit>>> {
        let mut queue = self.lock();
        if queue.units.is_empty() {
            queue.draining = false;
            return None;
        }
        let take = queue.units.len().min(MAX_BATCH);
        Some(queue.units.drain(..take).collect())
    }
}

/// Runs batches until the queue is empty.
fn drain(state: &AppState) {
    while let Some(batch) = state.group_commit.next_batch() {
        // A panicking unit drops its batch's replies (each waiting request gets an error) and
        // its connection (the pool discards it and the database rolls back); later batches
        // still run.
        if catch_unwind(AssertUnwindSafe(|| run_batch(state, batch))).is_err() {
            log::error!("a batch of writes panicked and was rolled back");
        }
    }
}

fn run_batch(state: &AppState, mut batch: Vec<Box<dyn Unit>>) {
    let committed = commit_batch(state, &mut batch);
    if let Err(err) = &committed {
        log::warn!("a batch of {} writes was rolled back: {err}", batch.len());
    }
    for unit in batch {
        unit.deliver(committed.as_ref().err());
    }
}

/// Runs every unit of the batch in one transaction and commits it.
fn commit_batch(state: &AppState, batch: &mut [Box<dyn Unit>]) -> Result<(), ApiError> {
    type Manager = <DbConnection as Connection>::TransactionManager;
    let mut conn = luffy_db::connection(&state.pool)?;
    luffy_db::write_transaction(&mut conn, |conn| {
        for unit in batch.iter_mut() {
            unit.run(conn, state);
            // A failed rollback to a savepoint leaves the transaction unusable.
            if Manager::transaction_manager_status_mut(conn)
                .transaction_depth()?
                .is_none()
            {
                return Err(ApiError::Internal(
                    "the batch transaction ended early".into(),
                ));
            }
        }
        Ok(())
    })
}

/// A unit's value, before its batch has committed.
#[derive(Debug)]
pub struct Staged<T> {
    /// What the unit returned.
    pub value: T,
    /// The batch's commit.
    pub commit: Commit,
}

impl<T> Staged<T> {
    /// A value whose writes have already committed (written without a batch).
    pub fn committed(value: T) -> Self {
        Staged {
            value,
            commit: Commit::done(),
        }
    }
}

/// The commit of a unit's batch, to wait on.
#[derive(Debug)]
pub struct Commit(oneshot::Receiver<Result<(), ApiError>>);

impl Commit {
    /// A commit that has already happened.
    fn done() -> Self {
        let (committed, commit) = oneshot::channel();
        let _ = committed.send(Ok(()));
        Commit(commit)
    }

    /// Waits until the batch has committed; an error means the unit's writes are gone.
    pub async fn wait(self) -> Result<(), ApiError> {
        self.0.await.map_err(|_| abandoned())?
    }
}

fn abandoned() -> ApiError {
    ApiError::Internal("a batched write was abandoned".into())
}

/// A unit of work in a batch, type-erased.
trait Unit: Send {
    /// Runs the work in its own savepoint of the open transaction and sends its outcome.
    fn run(&mut self, conn: &mut DbConnection, state: &AppState);
    /// Sends the batch's fate; `failed` is why it did not commit, if it did not.
    fn deliver(self: Box<Self>, failed: Option<&ApiError>);
}

struct Pending<T, F> {
    /// The work and where its outcome goes, until it has run.
    job: Option<(F, oneshot::Sender<Result<T, ApiError>>)>,
    /// The unit ran to success (its writes stand or fall with the batch).
    wrote: bool,
    committed: oneshot::Sender<Result<(), ApiError>>,
}

impl<T, F> Unit for Pending<T, F>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection, &AppState) -> Result<T, ApiError> + Send + 'static,
{
    fn run(&mut self, conn: &mut DbConnection, state: &AppState) {
        let Some((work, ran)) = self.job.take() else {
            return;
        };
        let outcome = luffy_db::write_transaction(conn, |conn| work(conn, state));
        self.wrote = outcome.is_ok();
        // The request may have gone away; its order then simply stays unpaid.
        let _ = ran.send(outcome);
    }

    fn deliver(mut self: Box<Self>, failed: Option<&ApiError>) {
        if let (Some((_, ran)), Some(err)) = (self.job.take(), failed) {
            // The batch failed before this unit's turn (no connection, say): that is its answer.
            let _ = ran.send(Err(err.clone()));
            return;
        }
        let fate = match failed {
            Some(err) => Err(err.clone()),
            None if self.wrote => Ok(()),
            None => Err(ApiError::Internal("a batched write never ran".into())),
        };
        let _ = self.committed.send(fate);
    }
}
