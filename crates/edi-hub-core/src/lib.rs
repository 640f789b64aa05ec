//! The EDI Hub's pure domain: identifiers, the ethnicity classification,
//! dataset definitions and validation, the stored table layout and JSON
//! Schemas, action-plan targets. No IO, no async: every other crate builds on this one.

/// Serialises a type as its `Display` text and deserialises it with `FromStr`.
macro_rules! serde_as_text {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

pub mod benchmark;
pub mod dataset;
pub mod disclosure;
pub mod ethnicity;
pub mod metrics;
pub mod organisation;
pub mod period;
pub mod schema;
pub mod significance;
pub mod table;
pub mod targets;
pub mod template;
pub mod validate;

pub use dataset::Dataset;
pub use organisation::Organisation;
pub use period::Period;
