//! Who may do what: one policy that the command line and the console both ask, so that
//! `--role steward` refuses in the terminal what it refuses on the command line.

/// The three kinds of people who use `cpm` (DESIGN.md's "Who uses it").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    /// Reviews matches, unmerges records.
    Steward,
    /// Works the risk list and campaigns; cannot change how records are merged.
    Membership,
    /// Everything.
    #[default]
    Admin,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Steward => "steward",
            Role::Membership => "membership",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "steward" => Some(Role::Steward),
            "membership" => Some(Role::Membership),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn may(self, access: Access) -> bool {
        access.roles().contains(&self)
    }
}

/// What an action does to the store and to the people in it, which `--read-only` and the
/// role gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads only (or writes no store at all).
    Read,
    /// Computes a metric from the data and keeps the value with who computed it: changes
    /// nobody's record, so every role may, on a writable store.
    Compute,
    /// A steward's work on merges: decisions, unmerges, and re-running resolution.
    Decide,
    /// Runs a pipeline that rewrites the store (ingest, score, quality).
    Run,
    /// Contacts people or records their case (a campaign export, recorded in their contact
    /// history; triage): membership's work, and an admin's.
    Contact,
    /// Reads the whole store out to files (the warehouse export): an admin's, also on a
    /// read-only store.
    Export,
    /// Writes the call list (names and phones) to a file and records it as contacts:
    /// membership's and an admin's, also on a read-only store (written, not recorded).
    CallList,
    /// Shows a check's failing rows with their personal values, recording who looked: an
    /// admin's, on a writable store (where the look can be recorded).
    Reveal,
}

/// Why an action is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// It writes the store, which is open read-only.
    ReadOnly,
    /// The role may not; `needs` names the roles that may ("steward or admin").
    Role { needs: &'static str },
}

impl Access {
    /// The roles that may take the action.
    fn roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Access::Read | Access::Compute => &[Steward, Membership, Admin],
            Access::Decide => &[Steward, Admin],
            Access::Contact | Access::CallList => &[Membership, Admin],
            Access::Run | Access::Export | Access::Reveal => &[Admin],
        }
    }

    /// Whether the action writes the store (and is refused when it is open read-only).
    pub fn writes_store(self) -> bool {
        !matches!(self, Access::Read | Access::Export | Access::CallList)
    }

    /// The roles that may, as a message says it.
    pub fn needs(self) -> &'static str {
        match self {
            Access::Read | Access::Compute => "any",
            Access::Decide => "steward or admin",
            Access::Contact | Access::CallList => "membership or admin",
            Access::Run | Access::Export | Access::Reveal => "admin",
        }
    }

    /// Why `role` may not take this action on a store opened `read_only`, if it may not.
    pub fn refusal(self, role: Role, read_only: bool) -> Option<Refusal> {
        if read_only && self.writes_store() {
            Some(Refusal::ReadOnly)
        } else if !role.may(self) {
            Some(Refusal::Role {
                needs: self.needs(),
            })
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLES: [Role; 3] = [Role::Steward, Role::Membership, Role::Admin];
    const ALL: [Access; 8] = [
        Access::Read,
        Access::Compute,
        Access::Decide,
        Access::Run,
        Access::Contact,
        Access::Export,
        Access::CallList,
        Access::Reveal,
    ];

    #[test]
    fn an_admin_may_do_everything_and_only_an_admin_runs_pipelines_or_exports_the_store() {
        for access in ALL {
            assert_eq!(access.refusal(Role::Admin, false), None, "{access:?}");
        }
        for role in [Role::Steward, Role::Membership] {
            for access in [Access::Run, Access::Export, Access::Reveal] {
                assert_eq!(
                    access.refusal(role, false),
                    Some(Refusal::Role { needs: "admin" }),
                    "{role:?} {access:?}"
                );
            }
        }
    }

    #[test]
    fn merges_are_stewards_work_and_contacts_membership_s() {
        assert!(Role::Steward.may(Access::Decide));
        assert!(!Role::Membership.may(Access::Decide));
        assert!(Role::Membership.may(Access::Contact));
        assert!(Role::Membership.may(Access::CallList));
        assert!(!Role::Steward.may(Access::Contact));
        assert!(!Role::Steward.may(Access::CallList));
        for role in ROLES {
            assert!(role.may(Access::Read) && role.may(Access::Compute));
        }
    }

    #[test]
    fn read_only_refuses_whatever_writes_the_store_first_and_lets_files_be_written() {
        for role in ROLES {
            for access in ALL {
                let refusal = access.refusal(role, true);
                if access.writes_store() {
                    assert_eq!(refusal, Some(Refusal::ReadOnly), "{role:?} {access:?}");
                } else {
                    assert_eq!(refusal, access.refusal(role, false), "{role:?} {access:?}");
                }
            }
        }
        assert!(!Access::CallList.writes_store() && !Access::Export.writes_store());
    }

    #[test]
    fn every_role_name_reads_back() {
        for role in ROLES {
            assert_eq!(Role::parse(role.name()), Some(role));
        }
        assert_eq!(Role::parse("owner"), None);
    }
}
