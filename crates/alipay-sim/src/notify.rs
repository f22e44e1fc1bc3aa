//! Async notifications: Alipay's retry schedule on the virtual clock, and injected faults.
//!
//! Each notification is one job with one `notify_id`, attempted first when it is created and
//! then after 4m, 10m, 10m, 1h, 2h, 6h and 15h, until the merchant answers exactly `success`.
//! This module is pure bookkeeping; [`crate::Simulator`] performs the HTTP requests.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// Delays between attempts after the first, as Alipay documents them (8 attempts, ~25 h).
pub const RETRY_SCHEDULE_SECS: [i64; 7] = [
    4 * 60,
    10 * 60,
    10 * 60,
    3600,
    2 * 3600,
    6 * 3600,
    15 * 3600,
];

/// How long a notification held back by [`NotifyFault::Reorder`] waits at most for a later one.
pub const REORDER_HOLD_SECS: i64 = 600;

/// A fault applied to the next notification created (faults queue up, one per notification).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NotifyFault {
    /// Never delivered: as if every attempt were lost on the way.
    Drop,
    /// The first attempt waits this many seconds of virtual time.
    Delay {
        /// Virtual seconds before the first attempt.
        secs: i64,
    },
    /// Every attempt is sent this many times at once.
    Duplicate {
        /// Copies per attempt (at least 2 to be a fault).
        copies: u32,
    },
    /// Held back until a later notification has been attempted, so they arrive out of order.
    Reorder,
    /// Sent with a signature that does not verify (a forged or corrupted notify).
    CorruptSignature,
}

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyKind {
    /// The trade was paid.
    Payment,
    /// Part of the trade was refunded (`TRADE_SUCCESS` with `refund_fee`).
    PartialRefund,
    /// The trade was fully refunded (`TRADE_CLOSED` with `refund_fee`).
    FullRefund,
}

/// One HTTP attempt.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    /// Virtual time of the attempt.
    pub at: DateTime<Utc>,
    /// The HTTP status, if the merchant answered.
    pub status: Option<u16>,
    /// The merchant's answer (first 200 bytes) or the transport error.
    pub answer: String,
    /// Whether it counted as acknowledged (HTTP 200 and exactly `success`).
    pub acknowledged: bool,
}

/// A notification and its delivery history.
#[derive(Debug, Clone, Serialize)]
pub struct NotifyJob {
    /// Position in creation order.
    pub id: u64,
    /// Alipay's `notify_id`, the same on every attempt.
    pub notify_id: String,
    /// What it reports.
    pub kind: NotifyKind,
    /// The merchant's order number.
    pub out_trade_no: String,
    /// Where it is POSTed.
    pub url: String,
    /// The signed `application/x-www-form-urlencoded` body.
    pub body: String,
    /// When it was created (virtual time).
    pub created_at: DateTime<Utc>,
    /// When the next attempt is due; `None` once finished.
    pub next_due: Option<DateTime<Utc>>,
    /// The fault applied to it, if any.
    pub fault: Option<NotifyFault>,
    /// Attempts so far.
    pub attempts: Vec<Attempt>,
    /// Acknowledged by the merchant.
    pub acknowledged: bool,
    /// Given up (dropped, or all 8 attempts failed).
    pub abandoned: bool,
}

impl NotifyJob {
    /// How many copies each attempt sends.
    pub fn copies(&self) -> u32 {
        match self.fault {
            Some(NotifyFault::Duplicate { copies }) => copies.max(1),
            _ => 1,
        }
    }
}

/// The queue of notifications.
#[derive(Debug, Default)]
pub struct NotifyQueue {
    jobs: Vec<NotifyJob>,
    faults: std::collections::VecDeque<NotifyFault>,
}

impl NotifyQueue {
    /// Queues `fault` for the next notification created.
    pub fn inject(&mut self, fault: NotifyFault) {
        self.faults.push_back(fault);
    }

    /// The fault the next job created will get, if any.
    pub fn next_fault(&self) -> Option<&NotifyFault> {
        self.faults.front()
    }

    /// Creates a job; its first attempt is due now (or later, with a delay fault).
    pub fn push(
        &mut self,
        kind: NotifyKind,
        notify_id: String,
        out_trade_no: String,
        url: String,
        body: String,
        now: DateTime<Utc>,
    ) -> &NotifyJob {
        let fault = self.faults.pop_front();
        let (next_due, abandoned) = match &fault {
            Some(NotifyFault::Drop) => (None, true),
            Some(NotifyFault::Delay { secs }) => {
                (Some(now + Duration::seconds((*secs).max(0))), false)
            }
            _ => (Some(now), false),
        };
        let id = self.jobs.len() as u64 + 1;
        self.jobs.push(NotifyJob {
            id,
            notify_id,
            kind,
            out_trade_no,
            url,
            body,
            created_at: now,
            next_due,
            fault,
            attempts: Vec::new(),
            acknowledged: false,
            abandoned,
        });
        // `push` on a Vec always leaves a last element.
        let last = self.jobs.len() - 1;
        &self.jobs[last]
    }

    /// The jobs due at `now`, in creation order, with a held-back (reordered) job placed after
    /// the later jobs it waits for.
    pub fn due(&self, now: DateTime<Utc>) -> Vec<NotifyJob> {
        let mut ready: Vec<NotifyJob> = Vec::new();
        let mut held: Vec<NotifyJob> = Vec::new();
        for job in &self.jobs {
            let Some(due) = job.next_due else { continue };
            if due > now {
                continue;
            }
            if self.is_held(job, now) {
                continue;
            }
            if job.fault == Some(NotifyFault::Reorder) && job.attempts.is_empty() {
                held.push(job.clone());
            } else {
                ready.push(job.clone());
            }
        }
        ready.extend(held);
        ready
    }

    /// A reordered job waits until a later job has been attempted (or is due with it), or
    /// until [`REORDER_HOLD_SECS`] have passed.
    fn is_held(&self, job: &NotifyJob, now: DateTime<Utc>) -> bool {
        if job.fault != Some(NotifyFault::Reorder) || !job.attempts.is_empty() {
            return false;
        }
        if now - job.created_at >= Duration::seconds(REORDER_HOLD_SECS) {
            return false;
        }
        let later_is_moving = self
            .jobs
            .iter()
            .filter(|other| other.id > job.id)
            .any(|other| {
                !other.attempts.is_empty() || other.next_due.is_some_and(|due| due <= now)
            });
        !later_is_moving
    }

    /// Records the outcome of an attempt of job `id` and schedules the next one.
    pub fn record(&mut self, id: u64, attempt: Attempt) {
        let Some(job) = self.jobs.iter_mut().find(|job| job.id == id) else {
            return;
        };
        let at = attempt.at;
        let acknowledged = attempt.acknowledged;
        job.attempts.push(attempt);
        if acknowledged {
            job.acknowledged = true;
            job.next_due = None;
            return;
        }
        let retries_done = job.attempts.len() - 1;
        match RETRY_SCHEDULE_SECS.get(retries_done) {
            Some(delay) => job.next_due = Some(at + Duration::seconds(*delay)),
            None => {
                job.next_due = None;
                job.abandoned = true;
            }
        }
    }

    /// Every job so far, in creation order.
    pub fn jobs(&self) -> &[NotifyJob] {
        &self.jobs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + secs, 0).unwrap()
    }

    fn failed(secs: i64) -> Attempt {
        Attempt {
            at: at(secs),
            status: Some(500),
            answer: "fail".into(),
            acknowledged: false,
        }
    }

    fn push(queue: &mut NotifyQueue, now: i64) -> u64 {
        queue
            .push(
                NotifyKind::Payment,
                "n".into(),
                "o".into(),
                "http://x/".into(),
                "b".into(),
                at(now),
            )
            .id
    }

    #[test]
    fn retries_follow_alipays_schedule_then_stop() {
        let mut queue = NotifyQueue::default();
        let id = push(&mut queue, 0);
        let mut now = 0;
        let mut gaps = Vec::new();
        for _ in 0..8 {
            let due = queue.due(at(now));
            assert_eq!(due.len(), 1, "an attempt is due at +{now}s");
            queue.record(id, failed(now));
            if let Some(next) = queue.jobs()[0].next_due {
                let gap = (next - at(now)).num_seconds();
                assert!(queue.due(at(now + gap - 1)).is_empty(), "nothing due early");
                gaps.push(gap);
                now += gap;
            }
        }
        assert_eq!(gaps, RETRY_SCHEDULE_SECS.to_vec());
        assert!(queue.jobs()[0].abandoned);
        assert_eq!(queue.jobs()[0].attempts.len(), 8);
    }

    #[test]
    fn an_acknowledged_job_is_finished() {
        let mut queue = NotifyQueue::default();
        let id = push(&mut queue, 0);
        queue.record(
            id,
            Attempt {
                at: at(0),
                status: Some(200),
                answer: "success".into(),
                acknowledged: true,
            },
        );
        assert!(queue.due(at(100_000)).is_empty());
        assert!(queue.jobs()[0].acknowledged);
    }

    #[test]
    fn faults_apply_to_the_next_jobs_in_order() {
        let mut queue = NotifyQueue::default();
        queue.inject(NotifyFault::Drop);
        queue.inject(NotifyFault::Delay { secs: 60 });
        let dropped = push(&mut queue, 0);
        let delayed = push(&mut queue, 0);
        let plain = push(&mut queue, 0);
        let due: Vec<u64> = queue.due(at(0)).iter().map(|j| j.id).collect();
        assert_eq!(due, vec![plain]);
        let due: Vec<u64> = queue.due(at(60)).iter().map(|j| j.id).collect();
        assert_eq!(due, vec![delayed, plain]);
        assert!(queue.jobs()[(dropped - 1) as usize].abandoned);
    }

    #[test]
    fn a_reordered_job_goes_after_the_next_one() {
        let mut queue = NotifyQueue::default();
        queue.inject(NotifyFault::Reorder);
        let first = push(&mut queue, 0);
        assert!(queue.due(at(0)).is_empty(), "held while alone");
        let second = push(&mut queue, 10);
        let due: Vec<u64> = queue.due(at(10)).iter().map(|j| j.id).collect();
        assert_eq!(due, vec![second, first]);
        // Alone, it is released after the hold time.
        let mut alone = NotifyQueue::default();
        alone.inject(NotifyFault::Reorder);
        push(&mut alone, 0);
        assert_eq!(alone.due(at(REORDER_HOLD_SECS)).len(), 1);
    }
}
