//! Consent: whether a person may be contacted on a channel, as each source says it, and
//! what a golden record concludes from its source records (the most restrictive wins).

use serde::{Deserialize, Serialize};

/// A way of contacting a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Phone,
    Mail,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Email, Channel::Phone, Channel::Mail];

    pub fn name(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Phone => "phone",
            Channel::Mail => "mail",
        }
    }

    pub fn parse(name: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.name() == name)
    }

    /// How a person who may not be contacted on this channel is described.
    pub fn refusal(self) -> &'static str {
        match self {
            Channel::Email => "no email",
            Channel::Phone => "do not call",
            Channel::Mail => "no mail",
        }
    }
}

/// Where a channel's consent is read in a source's rows: a yes/no column (`email_opt_out`:
/// yes, true, 1, or any count above zero, means the person opted out), or a column of codes
/// with the ones that mean "do not contact" listed (`{column: solicit_codes, opt_out: [DNC,
/// NO SOLICIT]}`; several codes in one value may be separated by `;`, `,` or `|`).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum ConsentColumn {
    Flag(String),
    Codes {
        column: String,
        opt_out: Vec<String>,
    },
}

impl ConsentColumn {
    pub fn column(&self) -> &str {
        match self {
            ConsentColumn::Flag(column) | ConsentColumn::Codes { column, .. } => column,
        }
    }

    /// What a non-empty value says: opted out or not; `Err` when a flag is neither.
    pub fn opted_out(&self, value: &str) -> Result<bool, String> {
        match self {
            ConsentColumn::Flag(_) => flag(value),
            ConsentColumn::Codes { opt_out, .. } => Ok(value
                .split([';', ',', '|'])
                .map(str::trim)
                .any(|code| opt_out.iter().any(|o| o.eq_ignore_ascii_case(code)))),
        }
    }
}

/// A yes/no value as exports write it; a count (of unsubscribes, say) above zero is yes.
fn flag(value: &str) -> Result<bool, String> {
    let lower = value.trim().to_ascii_lowercase();
    match lower.as_str() {
        "y" | "yes" | "true" | "t" | "x" | "opted out" | "opt-out" | "opt out" => Ok(true),
        "n" | "no" | "false" | "f" | "opted in" | "opt-in" | "opt in" => Ok(false),
        _ => match lower.parse::<f64>() {
            Ok(n) => Ok(n > 0.0),
            Err(_) => Err("not yes/no (or a count)".into()),
        },
    }
}

/// One channel's consent as one source record gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordConsent {
    pub channel: Channel,
    pub opted_out: bool,
    /// The source's own value (`DNC`, `Y`, `1`), as evidence.
    pub code: String,
    /// When the source recorded it, if it says.
    pub recorded_on: Option<String>,
}

/// A golden record's consent on one channel: the most restrictive of its source records,
/// and the record that says so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoldenConsent {
    pub channel: Channel,
    pub opted_out: bool,
    /// The source and key of the record that decides (an opt-out when there is one).
    pub source: String,
    pub source_key: String,
    pub code: String,
    pub recorded_on: Option<String>,
    /// Another of the person's records says otherwise on this channel.
    pub conflicting: bool,
}

/// The channels a golden record's consent refuses.
pub fn refused(consent: &[GoldenConsent]) -> Vec<Channel> {
    consent
        .iter()
        .filter(|c| c.opted_out)
        .map(|c| c.channel)
        .collect()
}

impl GoldenConsent {
    /// One line for a person: "do not call (wbez_donations WB0012, DNC, 2026-03-01)".
    pub fn describe(&self) -> String {
        if !self.opted_out {
            return format!(
                "{} ok ({} {})",
                self.channel.name(),
                self.source,
                self.source_key
            );
        }
        let verdict = self.channel.refusal();
        let date = self
            .recorded_on
            .as_deref()
            .map(|d| format!(", {d}"))
            .unwrap_or_default();
        let conflict = if self.conflicting {
            "; another system says otherwise"
        } else {
            ""
        };
        format!(
            "{verdict} ({} {}, {}{date}){conflict}",
            self.source, self.source_key, self.code
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_read_yes_no_and_counts_and_refuse_anything_else() {
        let column = ConsentColumn::Flag("opt_out".into());
        for yes in ["Y", "yes", "TRUE", "1", "2", "x"] {
            assert_eq!(column.opted_out(yes), Ok(true), "{yes}");
        }
        for no in ["N", "no", "false", "0", "0.0"] {
            assert_eq!(column.opted_out(no), Ok(false), "{no}");
        }
        assert!(column.opted_out("maybe").is_err());
    }

    #[test]
    fn codes_opt_out_when_any_listed_code_is_present() {
        let column = ConsentColumn::Codes {
            column: "solicit_codes".into(),
            opt_out: vec!["DNC".into(), "NO SOLICIT".into()],
        };
        assert_eq!(column.opted_out("dnc"), Ok(true));
        assert_eq!(column.opted_out("DNM; No Solicit"), Ok(true));
        assert_eq!(column.opted_out("DNM"), Ok(false));
    }
}
