//! Why a person scored as they did: a model's reasons, and what a retention call about
//! them should be about.

use serde::{Deserialize, Serialize};

use super::consent::Channel;

/// A reason behind one person's score: a feature, its value in words, and how much it
/// moved the log-odds (positive raises the probability).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Reason {
    pub feature: String,
    pub text: String,
    pub contribution: f64,
}

/// The features that make a retention call about payment, and about email gone quiet.
pub const PAYMENT_FEATURES: [&str; 7] = [
    "card_expires_in_days",
    "failed_payments_90d",
    "failed_payments_365d",
    "failed_in_a_row",
    "pays_by_card",
    "days_since_last_charge",
    "days_since_last_gift",
];
pub const EMAIL_FEATURES: [&str; 6] = [
    "email_open_rate_12m",
    "email_open_rate_last_quarter",
    "email_open_rate_change",
    "email_click_rate_12m",
    "days_since_last_open",
    "unsubscribed",
];
pub const NEW_SUSTAINER_FEATURE: &str = "sustainer_tenure_days";

/// What stands where the call would be for a person who may not be called.
pub const DO_NOT_CALL: &str = "DO NOT CALL (their consent)";

/// Whether a person whose consent refuses the `refused` channels may be called. Every place
/// that shows a call asks here, so a do-not-call is never offered one.
pub fn may_call(refused: &[Channel]) -> bool {
    !refused.contains(&Channel::Phone)
}

/// What a retention call to this person is about, or `None` when they may not be called.
pub fn call_about(reasons: &[Reason], refused: &[Channel]) -> Option<&'static str> {
    may_call(refused).then(|| retention_ask(reasons))
}

/// The next step to show for an upgrade `action`, consent considered: nobody who accepts
/// contact on no channel is shown an ask.
pub fn next_step(action: &str, refused: &[Channel]) -> String {
    if Channel::ALL.iter().all(|c| refused.contains(c)) {
        "no ask: they accept contact on no channel".into()
    } else {
        action.into()
    }
}

/// What a retention call to an at-risk sustainer is about, from the model's own reasons
/// for their churn score: the feature that raises the risk most decides it (the ones that
/// lower it are ignored).
pub fn retention_ask(reasons: &[Reason]) -> &'static str {
    let top = reasons
        .iter()
        .filter(|r| r.contribution > 0.0)
        .max_by(|a, b| a.contribution.total_cmp(&b.contribution))
        .map(|r| r.feature.as_str());
    match top {
        Some(f) if PAYMENT_FEATURES.contains(&f) => "update the card, or offer bank transfer",
        Some(f) if EMAIL_FEATURES.contains(&f) => "re-engage: ask what they want to hear",
        Some(f) if f == NEW_SUSTAINER_FEATURE => "welcome call: what their gift does",
        _ => "thank them; ask how we are doing",
    }
}
