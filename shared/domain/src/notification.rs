//! Every side effect of a scan (an email, a status event) has its own claim, so that it is
//! sent at most once whatever fails around it, retried a bounded number of times when sending
//! fails, and recorded as missing (for an alarm and the operator's resend) when it cannot be
//! sent or when nobody can tell whether it was.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// One side effect of a scan, with its own claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// The maintainers' confirmation email (dispatch).
    Confirmation,
    /// The maintainers' results email (aggregate; also the sweep's error email).
    Results,
    /// The approvers' "ready for review" email (aggregate).
    Approvers,
    /// The status event (aggregate).
    StatusEvent,
    /// The maintainers' second results email after reviewers validated a blocked version.
    Reviewed,
    /// The status event after reviewers validated a blocked version.
    ReviewedEvent,
}

impl NotificationKind {
    pub const ALL: [Self; 6] = [
        Self::Confirmation,
        Self::Results,
        Self::Approvers,
        Self::StatusEvent,
        Self::Reviewed,
        Self::ReviewedEvent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmation => "confirmation",
            Self::Results => "results",
            Self::Approvers => "approvers",
            Self::StatusEvent => "status_event",
            Self::Reviewed => "reviewed",
            Self::ReviewedEvent => "reviewed_event",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

impl std::fmt::Display for NotificationKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a claim found (see [`NotificationState::claim`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The caller may send now: this is attempt `attempt` (from 1).
    Granted { attempt: u32 },
    /// It was sent.
    Sent,
    /// Another caller's claim is live (within the lease): it is being sent.
    Held,
    /// This claim recorded it as missing: the attempts ran out, or a claimant stopped between
    /// its claim and recording the send (it may or may not have gone out). Only the operator's
    /// resend sends it now.
    GaveUp { reason: String },
    /// Recorded as missing earlier.
    Missing,
}

/// The claim state of one side effect.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationState {
    /// Set while a caller is sending.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub claimed_at: Option<Timestamp>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub sent_at: Option<Timestamp>,
    /// Claims granted so far (reset by the operator's resend).
    #[serde(default)]
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Why it is missing: set when the pipeline gave up on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
    /// When this state last changed (the sweep looks at unsent ones that stopped changing).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub changed_at: Option<Timestamp>,
}

impl NotificationState {
    /// Neither sent nor given up.
    pub fn is_pending(&self) -> bool {
        self.sent_at.is_none() && self.missing.is_none()
    }

    /// The claim step every store applies atomically: what the claim found, and the state to
    /// store (`None`: unchanged). A claim whose lease ran out is never taken over: its holder
    /// may have sent before it stopped, and a customer must never get the same email twice, so
    /// it is recorded as missing and raises the alarm instead.
    pub fn claim(
        &self,
        now: Timestamp,
        lease: Duration,
        max_attempts: u32,
    ) -> (Claim, Option<NotificationState>) {
        if self.sent_at.is_some() {
            return (Claim::Sent, None);
        }
        if self.missing.is_some() {
            return (Claim::Missing, None);
        }
        if let Some(claimed) = self.claimed_at {
            if now - claimed < lease {
                return (Claim::Held, None);
            }
            return self.give_up(
                now,
                format!(
                    "attempt {} stopped between claiming it and recording it as sent: it may or \
                     may not have gone out",
                    self.attempts
                ),
            );
        }
        if self.attempts >= max_attempts {
            return self.give_up(
                now,
                format!(
                    "sending failed {} times; the last error: {}",
                    self.attempts,
                    self.last_error.as_deref().unwrap_or("(none recorded)")
                ),
            );
        }
        let next = NotificationState {
            claimed_at: Some(now),
            attempts: self.attempts.saturating_add(1),
            changed_at: Some(now),
            ..self.clone()
        };
        (
            Claim::Granted {
                attempt: next.attempts,
            },
            Some(next),
        )
    }

    fn give_up(&self, now: Timestamp, reason: String) -> (Claim, Option<NotificationState>) {
        let next = NotificationState {
            claimed_at: None,
            missing: Some(reason.clone()),
            changed_at: Some(now),
            ..self.clone()
        };
        (Claim::GaveUp { reason }, Some(next))
    }

    /// A failed send gives the claim back (the attempt stays counted).
    pub fn released(&self, error: &str, now: Timestamp) -> NotificationState {
        NotificationState {
            claimed_at: None,
            last_error: Some(error.to_owned()),
            changed_at: Some(now),
            ..self.clone()
        }
    }

    /// Sent (also the operator's acknowledgement that a missing one did go out).
    pub fn completed(&self, at: Timestamp) -> NotificationState {
        NotificationState {
            claimed_at: None,
            sent_at: Some(at),
            missing: None,
            changed_at: Some(at),
            ..self.clone()
        }
    }

    /// The operator's resend: a missing one becomes claimable again, with a fresh count of
    /// attempts. `None` when it is not missing.
    pub fn reset(&self, now: Timestamp) -> Option<NotificationState> {
        self.missing.as_ref()?;
        Some(NotificationState {
            claimed_at: None,
            attempts: 0,
            missing: None,
            changed_at: Some(now),
            ..self.clone()
        })
    }
}

/// Every side effect's state of one scan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notifications {
    pub confirmation: NotificationState,
    pub results: NotificationState,
    #[serde(default)]
    pub approvers: NotificationState,
    #[serde(default)]
    pub status_event: NotificationState,
    /// The second results email of a blocked version that reviewers' decisions validated.
    #[serde(default)]
    pub reviewed: NotificationState,
    #[serde(default)]
    pub reviewed_event: NotificationState,
}

impl Notifications {
    pub fn get(&self, kind: NotificationKind) -> &NotificationState {
        match kind {
            NotificationKind::Confirmation => &self.confirmation,
            NotificationKind::Results => &self.results,
            NotificationKind::Approvers => &self.approvers,
            NotificationKind::StatusEvent => &self.status_event,
            NotificationKind::Reviewed => &self.reviewed,
            NotificationKind::ReviewedEvent => &self.reviewed_event,
        }
    }

    pub fn get_mut(&mut self, kind: NotificationKind) -> &mut NotificationState {
        match kind {
            NotificationKind::Confirmation => &mut self.confirmation,
            NotificationKind::Results => &mut self.results,
            NotificationKind::Approvers => &mut self.approvers,
            NotificationKind::StatusEvent => &mut self.status_event,
            NotificationKind::Reviewed => &mut self.reviewed,
            NotificationKind::ReviewedEvent => &mut self.reviewed_event,
        }
    }

    /// The ones recorded as missing, with why.
    pub fn missing(&self) -> Vec<(NotificationKind, &str)> {
        NotificationKind::ALL
            .into_iter()
            .filter_map(|k| self.get(k).missing.as_deref().map(|why| (k, why)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEASE: Duration = Duration::from_secs(300);

    #[test]
    fn a_claim_is_granted_until_sent_and_bounded_in_attempts() {
        let t0 = crate::now();
        let fresh = NotificationState::default();
        let (claim, state) = fresh.claim(t0, LEASE, 2);
        assert_eq!(claim, Claim::Granted { attempt: 1 });
        let state = state.expect("stored");
        assert_eq!(state.claim(t0, LEASE, 2).0, Claim::Held);
        let state = state.released("throttled", t0);
        let (claim, state) = state.claim(t0, LEASE, 2);
        assert_eq!(claim, Claim::Granted { attempt: 2 });
        let state = state.expect("stored").released("throttled again", t0);
        let (claim, state) = state.claim(t0, LEASE, 2);
        assert!(
            matches!(&claim, Claim::GaveUp { reason } if reason.contains("throttled again")),
            "{claim:?}"
        );
        let state = state.expect("stored");
        assert_eq!(state.claim(t0, LEASE, 2).0, Claim::Missing);
        let state = state.reset(t0).expect("missing, so reset");
        assert_eq!(state.claim(t0, LEASE, 2).0, Claim::Granted { attempt: 1 });
        let sent = state.completed(t0);
        assert_eq!(sent.claim(t0, LEASE, 2).0, Claim::Sent);
        assert!(sent.reset(t0).is_none());
    }

    #[test]
    fn an_expired_claim_is_never_taken_over_it_is_recorded_as_missing() {
        let t0 = crate::now();
        let (_, state) = NotificationState::default().claim(t0, LEASE, 5);
        let state = state.expect("stored");
        let later = t0 + time::Duration::seconds(301);
        let (claim, state) = state.claim(later, LEASE, 5);
        assert!(
            matches!(&claim, Claim::GaveUp { reason } if reason.contains("may or may not")),
            "{claim:?}"
        );
        assert!(state.expect("stored").missing.is_some());
    }
}
