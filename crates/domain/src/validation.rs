//! Collecting every bad field of a request, not only the first.
//!
//! Parsers push `(path, problem)` pairs into [`FieldErrors`]; a request is rejected once, at the
//! end, with all of them, so a client fixes its request in one round trip.

use std::collections::BTreeMap;
use std::fmt;

/// Every bad field of one request, keyed by its path (`items[2].quantity`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem with the field at `path`; the first problem of a field is kept.
    pub fn add(&mut self, path: impl Into<String>, problem: impl Into<String>) {
        self.0.entry(path.into()).or_insert_with(|| problem.into());
    }

    /// Parses one field, recording its error under `path` and returning `None` when it is bad.
    pub fn check<T, E: fmt::Display>(
        &mut self,
        path: impl Into<String>,
        parsed: Result<T, E>,
    ) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(e) => {
                self.add(path, e.to_string());
                None
            }
        }
    }

    /// Like [`FieldErrors::check`] for an optional field: absent stays `Some(None)`.
    pub fn check_opt<T, E: fmt::Display>(
        &mut self,
        path: impl Into<String>,
        parsed: Option<Result<T, E>>,
    ) -> Option<Option<T>> {
        match parsed {
            None => Some(None),
            Some(r) => self.check(path, r).map(Some),
        }
    }

    /// Parses a required field: "is required" when absent, the parser's error when bad.
    pub fn require<T, E: fmt::Display>(
        &mut self,
        path: impl Into<String>,
        parsed: Option<Result<T, E>>,
    ) -> Option<T> {
        match parsed {
            None => {
                self.add(path, "is required");
                None
            }
            Some(r) => self.check(path, r),
        }
    }

    /// True when no field is bad.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The bad fields and their problems, ordered by path.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The problem recorded for `path`, if any.
    pub fn get(&self, path: &str) -> Option<&str> {
        self.0.get(path).map(String::as_str)
    }

    /// Number of bad fields.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// `Ok(value)` when nothing was recorded, else the collected errors.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }

    /// A collection holding one problem.
    pub fn single(path: impl Into<String>, problem: impl Into<String>) -> Self {
        let mut e = Self::new();
        e.add(path, problem);
        e
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (path, problem) in &self.0 {
            if !first {
                f.write_str("; ")?;
            }
            write!(f, "{path}: {problem}")?;
            first = false;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
