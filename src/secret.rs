//! A string newtype for credentials that never prints its contents.

use std::fmt;

/// A secret string (an API token or an access token).
///
/// `Debug` prints `[redacted]`; there is deliberately no `Display`. Read the value
/// with [`SecretString::expose_secret`].
#[derive(Clone)]
pub struct SecretString(Box<str>);

impl SecretString {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into().into_boxed_str())
    }

    /// Returns the secret value. Avoid logging it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Whether the secret is empty or only whitespace.
    pub(crate) fn is_blank(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = SecretString::from("00abcSECRETxyz");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{s:#?}"), "[redacted]");
        assert_eq!(s.expose_secret(), "00abcSECRETxyz");
    }

    #[test]
    fn blank_detection() {
        assert!(SecretString::from("  ").is_blank());
        assert!(!SecretString::from("x").is_blank());
    }
}
