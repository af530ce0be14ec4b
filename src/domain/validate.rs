//! Input rules shared by several areas: usernames, emails, display names.

use crate::error::{AppError, AppResult};

/// Usernames are 3–64 characters of `[a-z0-9._-]`; `me` is reserved.
pub fn username(value: &str) -> AppResult<String> {
    let value = value.trim();
    let valid_chars = value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if !(3..=64).contains(&value.len()) || !valid_chars {
        return Err(AppError::BadUserInput(
            "a username is 3 to 64 characters of a-z, 0-9, '.', '_' and '-'".into(),
        ));
    }
    if value == "me" {
        return Err(AppError::BadUserInput(
            "the username `me` is reserved".into(),
        ));
    }
    Ok(value.to_owned())
}

/// Trims and lower-cases an email address after checking its shape: one `@`, a
/// non-empty local part, a dotted domain, no spaces, at most 254 characters.
pub fn email(value: &str) -> AppResult<String> {
    let value = value.trim().to_lowercase();
    let invalid = || AppError::BadUserInput(format!("`{value}` is not a valid email address"));
    if value.len() > 254 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let Some((local, domain)) = value.split_once('@') else {
        return Err(invalid());
    };
    let domain_ok = !domain.contains('@')
        && domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    if local.is_empty() || local.len() > 64 || !domain_ok {
        return Err(invalid());
    }
    Ok(value)
}

/// A display name: trimmed, at most 255 characters, may be empty.
pub fn display_name(value: Option<&str>) -> AppResult<String> {
    let value = value.unwrap_or_default().trim();
    if value.chars().count() > 255 {
        return Err(AppError::BadUserInput(
            "a name is at most 255 characters".into(),
        ));
    }
    Ok(value.to_owned())
}
