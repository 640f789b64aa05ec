//! A fixed-length set of flags (one per publishable count), stored as hex
//! text when a pattern is persisted with its release.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One bit per publishable count of a dataset.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bits(Vec<u64>);

impl Bits {
    /// `len` flags, all clear.
    pub fn new(len: usize) -> Bits {
        Bits(vec![0; len.div_ceil(64)])
    }

    pub fn set(&mut self, i: usize) {
        if let Some(word) = self.0.get_mut(i / 64) {
            *word |= 1 << (i % 64);
        }
    }

    /// Whether flag `i` is set (false beyond the end: fails closed).
    pub fn get(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
    }

    /// How many flags are set.
    pub fn count(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }
}

impl Serialize for Bits {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text: String = self.0.iter().map(|w| format!("{w:016x}")).collect();
        s.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for Bits {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if !text.len().is_multiple_of(16) || !text.is_ascii() {
            return Err(serde::de::Error::custom("flags must be whole 64-bit words of hex"));
        }
        (0..text.len())
            .step_by(16)
            .map(|i| u64::from_str_radix(&text[i..i + 16], 16).map_err(serde::de::Error::custom))
            .collect::<Result<Vec<u64>, _>>()
            .map(Bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut b = Bits::new(130);
        b.set(0);
        b.set(129);
        assert!(b.get(0) && b.get(129) && !b.get(64) && !b.get(500));
        let text = serde_json::to_string(&b).unwrap();
        assert_eq!(serde_json::from_str::<Bits>(&text).unwrap(), b);
        assert_eq!(b.count(), 2);
        assert!(serde_json::from_str::<Bits>("\"zz\"").is_err());
    }
}
