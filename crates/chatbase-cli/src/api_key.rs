//! The API key as a value that never shows itself: `Debug` prints only its last four characters. Below both
//! `config` and `keyring_store`, which hand it to each other.

/// An API key. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> Self {
        ApiKey(key.into())
    }
    /// The key itself, for handing to the SDK only.
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// `…abcd`: enough to tell keys apart.
    pub fn tail(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        let start = chars.len().saturating_sub(4);
        format!("…{}", chars[start..].iter().collect::<String>())
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiKey({})", self.tail())
    }
}
