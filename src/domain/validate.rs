//! Input rules shared by several areas: usernames, emails, display names, and the
//! one rule on control characters that every title, name, message and description
//! follows (a newline in a title once forged a log line).

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

/// A display name: trimmed, at most 255 characters, one line, may be empty.
pub fn display_name(value: Option<&str>) -> AppResult<String> {
    let value = single_line("a name", value.unwrap_or_default())?;
    if value.chars().count() > 255 {
        return Err(AppError::BadUserInput(
            "a name is at most 255 characters".into(),
        ));
    }
    Ok(value)
}

/// A one-line text (a title, a name, a label), trimmed. Any control character
/// (`char::is_control`: newlines and tabs included) is refused.
pub fn single_line(what: &str, value: &str) -> AppResult<String> {
    // Checked before trimming: a trailing line break is refused too, not hidden.
    if value.chars().any(char::is_control) {
        return Err(AppError::BadUserInput(format!(
            "{what} cannot hold control characters such as line breaks or tabs"
        )));
    }
    Ok(value.trim().to_owned())
}

/// A free text of several lines (a message, a description). Line breaks are kept,
/// written `\n` (a browser's `\r\n` becomes `\n`); every other control character
/// is refused.
pub fn multi_line(what: &str, value: &str) -> AppResult<String> {
    let value = value.replace("\r\n", "\n");
    if value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(AppError::BadUserInput(format!(
            "{what} cannot hold control characters other than line breaks"
        )));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_texts_refuse_every_control_character() {
        assert_eq!(
            single_line("a title", "  Lab  ").ok().as_deref(),
            Some("Lab")
        );
        for bad in [
            "a\nb",
            "Lab\n",
            "a\tb",
            "a\rb",
            "a\u{0}b",
            "a\u{1b}[31mb",
            "a\u{85}b",
        ] {
            assert!(single_line("a title", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn free_texts_keep_line_breaks_only() {
        assert_eq!(
            multi_line("a message", "Hi,\r\nwelcome\n").ok().as_deref(),
            Some("Hi,\nwelcome\n")
        );
        for bad in ["a\tb", "a\rb", "a\u{0}b", "a\u{7}b", "a\u{1b}[2Jb"] {
            assert!(multi_line("a message", bad).is_err(), "{bad:?}");
        }
    }
}
