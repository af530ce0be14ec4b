//! What a committed audit event means to subscribers, worked out from the event
//! alone (its action, project, target and details), so that each instance decides
//! once per event, in memory, which of its subscribers to wake.

use entity::audit_event;
use uuid::Uuid;

use crate::domain::settings::registry::{IP_ALLOW_LIST, IP_RESTRICT, NAMESPACE};

/// Whose effective access an event may have changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Audience {
    /// These users' own grants changed.
    Users(Vec<Uuid>),
    /// Every signed-in user (public access is everyone's).
    Everyone,
    /// Whoever can find the place (archive and moves change what grants there mean).
    FindersOfPlace,
}

/// An access change: who, and where (None: many places, refetch everything).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessImpact {
    pub audience: Audience,
    pub place: Option<Uuid>,
}

impl AccessImpact {
    /// Whether `user_id` may be among those affected (finders are checked later,
    /// against the place, when the event is delivered).
    pub fn may_concern(&self, user_id: Uuid) -> bool {
        match &self.audience {
            Audience::Users(users) => users.contains(&user_id),
            Audience::Everyone | Audience::FindersOfPlace => true,
        }
    }
}

/// Everything subscribers need to know about one event.
#[derive(Clone, Debug, Default)]
pub struct Impact {
    pub access: Option<AccessImpact>,
    /// The user whose credentials this event may have ended (password change,
    /// deactivation, deletion, logout, a revoked API token).
    pub credential_of: Option<Uuid>,
    /// A new invitation (its target is the invitation).
    pub invitation: bool,
}

impl Impact {
    pub fn of(event: &audit_event::Model) -> Self {
        Self {
            access: access_impact(event),
            credential_of: credential_of(event),
            invitation: event.action == "invitation.create",
        }
    }
}

/// A user id in the event's details.
fn detail_user(event: &audit_event::Model, key: &str) -> Option<Uuid> {
    event.details.get(key)?.as_str()?.parse().ok()
}

/// The user ids listed in the event's details under `key`.
fn detail_users(event: &audit_event::Model, key: &str) -> Vec<Uuid> {
    event
        .details
        .get(key)
        .and_then(|value| value.as_array())
        .map(|ids| {
            ids.iter()
                .filter_map(|id| id.as_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

fn details_mention(event: &audit_event::Model, key: &str) -> bool {
    event.details.get(key).is_some_and(|value| !value.is_null())
}

fn access_impact(event: &audit_event::Model) -> Option<AccessImpact> {
    let place = event.project_id;
    let users = |keys: &[&str]| {
        let users: Vec<Uuid> = keys
            .iter()
            .filter_map(|key| detail_user(event, key))
            .collect();
        (!users.is_empty()).then_some(AccessImpact {
            audience: Audience::Users(users),
            place,
        })
    };
    match event.action.as_str() {
        "role.assign" | "role.update" | "role.remove" | "role.leave" | "invitation.accept" => {
            users(&["userId"])
        }
        "project.create" => users(&["ownerId"]),
        // A group's grant changes the access of its members, where it is held.
        "group.role.assign" | "group.role.update" | "group.role.remove" => {
            group_members(event, place)
        }
        // Membership and the group's end change access wherever it holds grants:
        // announced once, from the group's own event, as a refetch everywhere.
        "group.member.add" | "group.member.remove" if place.is_none() => {
            let grants = event.details.get("grants").and_then(|value| value.as_u64());
            users(&["userId"])
                .filter(|_| grants.unwrap_or(0) > 0)
                .map(|impact| AccessImpact {
                    place: None,
                    ..impact
                })
        }
        "group.delete" => group_members(event, None),
        "project.transfer_ownership" => users(&["oldOwnerId", "newOwnerId"]),
        "project.archive" | "project.unarchive" => Some(AccessImpact {
            audience: Audience::FindersOfPlace,
            place,
        }),
        "project.update" if details_mention(event, "publicAccess") => Some(AccessImpact {
            audience: Audience::Everyone,
            place,
        }),
        "project.update" if details_mention(event, "parentId") => Some(AccessImpact {
            audience: Audience::FindersOfPlace,
            place,
        }),
        "setting.set" | "setting.reset" if restricts_addresses(event) => Some(AccessImpact {
            audience: Audience::FindersOfPlace,
            place,
        }),
        // A superuser holds every role everywhere: promotion or demotion changes
        // access in every project at once.
        "user.update" if details_mention(event, "isSuperuser") => {
            event.target_id.map(|user_id| AccessImpact {
                audience: Audience::Users(vec![user_id]),
                place: None,
            })
        }
        _ => None,
    }
}

/// The members a group's event lists (`memberIds`), at `place`.
fn group_members(event: &audit_event::Model, place: Option<Uuid>) -> Option<AccessImpact> {
    let members = detail_users(event, "memberIds");
    (!members.is_empty()).then_some(AccessImpact {
        audience: Audience::Users(members),
        place,
    })
}

/// A change of a project's address restriction, which decides who reaches it.
fn restricts_addresses(event: &audit_event::Model) -> bool {
    let text = |key: &str| event.details.get(key).and_then(|value| value.as_str());
    text("namespace") == Some(NAMESPACE)
        && matches!(text("name"), Some(name) if name == IP_RESTRICT || name == IP_ALLOW_LIST)
}

fn credential_of(event: &audit_event::Model) -> Option<Uuid> {
    match event.action.as_str() {
        "user.update"
        | "user.change_password"
        | "user.delete"
        | "user.logout"
        | "session.reuse_detected" => event.target_id,
        // The target is the token; its owner revoked it.
        "api_token.revoke" => event.actor_id,
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use serde_json::json;

    use super::*;

    fn event(action: &str, details: serde_json::Value) -> audit_event::Model {
        audit_event::Model {
            id: Uuid::now_v7(),
            action: action.into(),
            actor_id: None,
            project_id: Some(Uuid::now_v7()),
            target_id: Some(Uuid::now_v7()),
            details,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn an_assignment_concerns_only_the_assigned_user_at_its_project() {
        let user = Uuid::now_v7();
        let assigned = event("role.assign", json!({ "userId": user, "role": "GUEST" }));
        let impact = Impact::of(&assigned).access.expect("an access change");
        assert_eq!(impact.audience, Audience::Users(vec![user]));
        assert_eq!(impact.place, assigned.project_id);
        assert!(!impact.may_concern(Uuid::now_v7()));
    }

    #[test]
    fn a_public_access_change_concerns_everyone_and_a_title_change_nobody() {
        let public = event(
            "project.update",
            json!({ "publicAccess": { "old": null, "new": "GUEST" } }),
        );
        assert_eq!(
            Impact::of(&public).access.map(|impact| impact.audience),
            Some(Audience::Everyone)
        );
        let title = event(
            "project.update",
            json!({ "title": { "old": "a", "new": "b" } }),
        );
        assert!(Impact::of(&title).access.is_none());
    }

    #[test]
    fn a_group_change_concerns_its_members_once() {
        let member = Uuid::now_v7();
        let granted = event(
            "group.role.assign",
            json!({ "groupId": Uuid::now_v7(), "memberIds": [member] }),
        );
        let impact = Impact::of(&granted).access.expect("an access change");
        assert_eq!(impact.audience, Audience::Users(vec![member]));
        assert_eq!(impact.place, granted.project_id);
        let mut joined = event("group.member.add", json!({ "userId": member, "grants": 2 }));
        // The copies in each project's trail announce nothing; the group's own does.
        assert!(Impact::of(&joined).access.is_none());
        joined.project_id = None;
        let impact = Impact::of(&joined).access.expect("an access change");
        assert_eq!(impact.place, None);
        joined.details = json!({ "userId": member, "grants": 0 });
        assert!(Impact::of(&joined).access.is_none());
    }

    #[test]
    fn a_superuser_change_asks_for_a_refetch_everywhere() {
        let promoted = event(
            "user.update",
            json!({ "fields": ["isSuperuser"], "isSuperuser": true, "isActive": null }),
        );
        let impact = Impact::of(&promoted).access.expect("an access change");
        assert_eq!(impact.place, None);
        let renamed = event(
            "user.update",
            json!({ "fields": ["name"], "isSuperuser": null, "isActive": null }),
        );
        assert!(Impact::of(&renamed).access.is_none());
        assert_eq!(Impact::of(&renamed).credential_of, renamed.target_id);
    }
}
