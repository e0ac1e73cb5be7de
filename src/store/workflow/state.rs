//! The candidate state machine of protocol.md §11.1 as a pure function, so every rule is
//! testable without a database. The store applies [`next`] inside a transaction and writes the
//! result with a conditional update on the state it read.

use super::super::{CandidateState, VerifiedOutcome};

/// Something that can happen to a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A side confirms (uploading its sealed record).
    Confirm,
    /// A side rejects.
    Reject,
    /// A side downloads the other side's sealed record.
    Release,
    /// A side records its verdict after comparing the records.
    Verify(VerifiedOutcome),
    /// The hub's confirmation window passed.
    Expire,
    /// One of the records was withdrawn or erased.
    Withdraw,
    /// The case was closed.
    CloseCase,
}

impl Action {
    /// The action's name in messages and audit events.
    pub fn name(self) -> &'static str {
        match self {
            Action::Confirm => "confirm",
            Action::Reject => "reject",
            Action::Release => "release",
            Action::Verify(_) => "verify",
            Action::Expire => "expire",
            Action::Withdraw => "withdraw",
            Action::CloseCase => "close the case of",
        }
    }
}

/// What the two sides have already done, from the acting side's point of view.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sides {
    /// The acting side has confirmed.
    pub caller_confirmed: bool,
    /// The acting side has rejected.
    pub caller_rejected: bool,
    /// The acting side has downloaded the other's sealed record.
    pub caller_downloaded: bool,
    /// The acting side's verdict, if recorded.
    pub caller_outcome: Option<VerifiedOutcome>,
    /// The other side's verdict, if recorded.
    pub other_outcome: Option<VerifiedOutcome>,
}

/// Why an action is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The action is not possible in this state.
    #[error("a candidate that is {state} cannot be {action}ed", action = .action.name())]
    InvalidState {
        /// The current state.
        state: CandidateState,
        /// The refused action.
        action: Action,
    },
    /// The side already took this decision.
    #[error("this authority has already {0} this candidate")]
    AlreadyDecided(&'static str),
    /// The sealed records are not released (the other side has not confirmed).
    #[error("nothing is released while the candidate is {0}; both sides must confirm first")]
    NotReleased(CandidateState),
    /// A verdict needs the other side's record to have been opened.
    #[error("download and open the other side's record before recording a verdict")]
    NotOpened,
}

/// The state after `action`, or why it is refused.
pub fn next(
    state: CandidateState,
    action: Action,
    sides: Sides,
) -> Result<CandidateState, TransitionError> {
    use CandidateState::*;
    let invalid = Err(TransitionError::InvalidState { state, action });
    match action {
        Action::Confirm if sides.caller_confirmed => {
            Err(TransitionError::AlreadyDecided("confirmed"))
        }
        Action::Confirm if sides.caller_rejected => {
            Err(TransitionError::AlreadyDecided("rejected"))
        }
        Action::Confirm => match state {
            Proposed => Ok(ConfirmedOne),
            // The caller has not confirmed, so the confirmation waiting is the other side's.
            ConfirmedOne => Ok(ConfirmedBoth),
            _ => invalid,
        },
        Action::Reject if sides.caller_rejected => Err(TransitionError::AlreadyDecided("rejected")),
        Action::Reject => match state {
            Proposed | ConfirmedOne | ConfirmedBoth => Ok(Rejected),
            _ => invalid,
        },
        Action::Release => match state {
            ConfirmedBoth | Disclosed => Ok(Disclosed),
            VerifiedSame | VerifiedDifferent => Ok(state),
            _ => Err(TransitionError::NotReleased(state)),
        },
        Action::Verify(outcome) => {
            if !matches!(state, Disclosed | VerifiedSame | VerifiedDifferent) {
                return invalid;
            }
            if !sides.caller_downloaded {
                return Err(TransitionError::NotOpened);
            }
            if sides.caller_outcome.is_some() {
                return Err(TransitionError::AlreadyDecided("recorded a verdict on"));
            }
            // One side finding different children outweighs the other finding the same child.
            let different = VerifiedOutcome::DifferentChild;
            if outcome == different || sides.other_outcome == Some(different) {
                Ok(VerifiedDifferent)
            } else {
                Ok(VerifiedSame)
            }
        }
        Action::Expire | Action::CloseCase => match state {
            Proposed | ConfirmedOne if action == Action::Expire => Ok(Expired),
            Proposed | ConfirmedOne => Ok(CaseClosed),
            _ => invalid,
        },
        Action::Withdraw => match state {
            Proposed | ConfirmedOne | ConfirmedBoth => Ok(Withdrawn),
            _ => invalid,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CandidateState::*;

    fn fresh() -> Sides {
        Sides::default()
    }

    #[test]
    fn two_confirmations_release_and_a_download_discloses() {
        assert_eq!(next(Proposed, Action::Confirm, fresh()), Ok(ConfirmedOne));
        assert_eq!(
            next(ConfirmedOne, Action::Confirm, fresh()),
            Ok(ConfirmedBoth)
        );
        assert_eq!(next(ConfirmedBoth, Action::Release, fresh()), Ok(Disclosed));
        assert_eq!(next(Disclosed, Action::Release, fresh()), Ok(Disclosed));
    }

    #[test]
    fn nothing_is_released_before_both_confirm() {
        for state in [
            Proposed,
            ConfirmedOne,
            Rejected,
            Expired,
            Withdrawn,
            CaseClosed,
        ] {
            assert_eq!(
                next(state, Action::Release, fresh()),
                Err(TransitionError::NotReleased(state)),
                "{state}"
            );
        }
    }

    #[test]
    fn a_side_cannot_confirm_twice_or_after_rejecting() {
        let confirmed = Sides {
            caller_confirmed: true,
            ..fresh()
        };
        assert_eq!(
            next(ConfirmedOne, Action::Confirm, confirmed),
            Err(TransitionError::AlreadyDecided("confirmed"))
        );
        let rejected = Sides {
            caller_rejected: true,
            ..fresh()
        };
        assert!(next(Rejected, Action::Confirm, rejected).is_err());
    }

    #[test]
    fn either_side_can_reject_until_release_and_rejection_is_final() {
        for state in [Proposed, ConfirmedOne, ConfirmedBoth] {
            assert_eq!(
                next(state, Action::Reject, fresh()),
                Ok(Rejected),
                "{state}"
            );
        }
        for action in [Action::Confirm, Action::Release, Action::Reject] {
            assert!(next(Rejected, action, fresh()).is_err(), "{action:?}");
        }
        assert!(next(Disclosed, Action::Reject, fresh()).is_err());
    }

    #[test]
    fn verdicts_need_an_opened_record_and_different_wins() {
        let same = Action::Verify(VerifiedOutcome::SameChild);
        let different = Action::Verify(VerifiedOutcome::DifferentChild);
        assert_eq!(
            next(Disclosed, same, fresh()),
            Err(TransitionError::NotOpened)
        );
        let opened = Sides {
            caller_downloaded: true,
            ..fresh()
        };
        assert_eq!(next(Disclosed, same, opened), Ok(VerifiedSame));
        assert_eq!(next(VerifiedSame, different, opened), Ok(VerifiedDifferent));
        let other_said_different = Sides {
            other_outcome: Some(VerifiedOutcome::DifferentChild),
            ..opened
        };
        assert_eq!(
            next(VerifiedDifferent, same, other_said_different),
            Ok(VerifiedDifferent)
        );
        assert!(next(ConfirmedBoth, same, opened).is_err());
    }

    #[test]
    fn expiry_withdrawal_and_case_closure_apply_only_before_release() {
        assert_eq!(next(ConfirmedOne, Action::Expire, fresh()), Ok(Expired));
        assert_eq!(next(Proposed, Action::CloseCase, fresh()), Ok(CaseClosed));
        assert_eq!(
            next(ConfirmedBoth, Action::Withdraw, fresh()),
            Ok(Withdrawn)
        );
        assert!(next(ConfirmedBoth, Action::Expire, fresh()).is_err());
        assert!(next(Disclosed, Action::Withdraw, fresh()).is_err());
    }
}
