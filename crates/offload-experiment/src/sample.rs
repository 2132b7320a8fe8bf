//! Sampling decides, before any candidate work exists, whether a call takes
//! part in the experiment.
//!
//! The decision has to cost almost nothing because it runs on every call of
//! the hot path: a thread-local xorshift generator (no locks, no allocation)
//! for random sampling, or an FNV-1a hash of a caller key for sticky sampling,
//! so one user stays in or out of an experiment across calls (GoReplay's
//! `--http-header-limiter` idea).

use std::cell::Cell;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::BuildError;

/// The number of basis points in 100 %.
pub const FULL_BASIS_POINTS: u16 = 10_000;

/// A share of calls, in basis points (1 bp = 0.01 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct SampleRate(u16);

impl SampleRate {
    /// Every call.
    pub const ALWAYS: SampleRate = SampleRate(FULL_BASIS_POINTS);
    /// No call.
    pub const NEVER: SampleRate = SampleRate(0);

    /// A rate in basis points, refused with the field name when above 10000.
    pub fn basis_points(field: &'static str, basis_points: u32) -> Result<Self, BuildError> {
        if basis_points > u32::from(FULL_BASIS_POINTS) {
            return Err(out_of_range(field, f64::from(basis_points), 10_000.0));
        }
        Ok(SampleRate(basis_points as u16))
    }

    /// A rate in percent, rounded to the nearest basis point, refused with the
    /// field name when outside 0–100 or not a number.
    pub fn percent(field: &'static str, percent: f64) -> Result<Self, BuildError> {
        if !(0.0..=100.0).contains(&percent) {
            return Err(out_of_range(field, percent, 100.0));
        }
        Ok(SampleRate((percent * 100.0).round() as u16))
    }

    /// The rate in basis points.
    pub fn as_basis_points(self) -> u16 {
        self.0
    }

    /// Draws a random decision from the calling thread's generator.
    #[inline]
    pub fn sample_random(self) -> bool {
        self.admits(next_random())
    }

    /// Decides from a key, so equal keys always get the same answer; `salt`
    /// keeps different experiments from picking the same keys.
    #[inline]
    pub fn sample_sticky<K: Hash + ?Sized>(self, salt: u64, key: &K) -> bool {
        let mut hasher = Fnv1a(salt ^ FNV_OFFSET);
        key.hash(&mut hasher);
        self.admits(mix(hasher.finish()))
    }

    /// Maps a uniform 64-bit number onto 0..10000 by multiply-shift, which
    /// avoids the bias and the cost of a modulo.
    #[inline]
    fn admits(self, uniform: u64) -> bool {
        let bucket = ((uniform >> 32) * u64::from(FULL_BASIS_POINTS)) >> 32;
        bucket < u64::from(self.0)
    }
}

fn out_of_range(field: &'static str, value: f64, max: f64) -> BuildError {
    BuildError::OutOfRange {
        field,
        value,
        min: 0.0,
        max,
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a: tiny, allocation-free and stable across runs and builds, unlike
/// std's randomly seeded `DefaultHasher`.
struct Fnv1a(u64);

impl Hasher for Fnv1a {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(FNV_PRIME);
        }
    }
}

/// A stable 64-bit hash of a name, used as the salt for sticky sampling.
pub(crate) fn name_salt(name: &str) -> u64 {
    let mut hasher = Fnv1a(FNV_OFFSET);
    hasher.write(name.as_bytes());
    mix(hasher.finish())
}

/// The splitmix64 finaliser: spreads FNV's weak high bits over the word.
#[inline]
fn mix(mut value: u64) -> u64 {
    value ^= value >> 30;
    value = value.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    value ^= value >> 27;
    value = value.wrapping_mul(0x94d0_49bb_1331_11eb);
    value ^ (value >> 31)
}

/// Hands each thread a distinct seed without any system call.
static SEED_COUNTER: AtomicU64 = AtomicU64::new(0x9e37_79b9_7f4a_7c15);

thread_local! {
    static RANDOM_STATE: Cell<u64> = const { Cell::new(0) };
}

/// The next number of the calling thread's xorshift64* generator.
#[inline]
pub(crate) fn next_random() -> u64 {
    RANDOM_STATE.with(|state| {
        let mut current = state.get();
        if current == 0 {
            current = mix(SEED_COUNTER.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed)) | 1;
        }
        current ^= current >> 12;
        current ^= current << 25;
        current ^= current >> 27;
        state.set(current);
        current.wrapping_mul(0x2545_f491_4f6c_dd1d)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_outside_the_range_name_the_field() {
        let error = SampleRate::basis_points("sample", 10_001).unwrap_err();
        assert!(error.to_string().starts_with("sample: 10001"), "{error}");
        let error = SampleRate::percent("noise.sample", 100.5).unwrap_err();
        assert!(error.to_string().contains("noise.sample"), "{error}");
        assert!(SampleRate::percent("sample", f64::NAN).is_err());
    }

    #[test]
    fn extremes_are_exact() {
        for _ in 0..1_000 {
            assert!(SampleRate::ALWAYS.sample_random());
            assert!(!SampleRate::NEVER.sample_random());
        }
    }

    #[test]
    fn random_rate_is_close_to_the_configured_share() {
        let rate = SampleRate::basis_points("sample", 2_500).unwrap();
        let draws = 100_000;
        let admitted = (0..draws).filter(|_| rate.sample_random()).count();
        // A binomial with p = 0.25 over 100k draws has a standard deviation
        // of about 137, so 2 % is more than ten deviations of slack.
        assert!((23_000..27_000).contains(&admitted), "{admitted}");
    }

    #[test]
    fn sticky_sampling_is_stable_per_key_and_spreads_over_keys() {
        let rate = SampleRate::percent("sample", 50.0).unwrap();
        let salt = name_salt("exp");
        let admitted: Vec<bool> = (0..1_000u32)
            .map(|key| rate.sample_sticky(salt, &key))
            .collect();
        let again: Vec<bool> = (0..1_000u32)
            .map(|key| rate.sample_sticky(salt, &key))
            .collect();
        assert_eq!(admitted, again);
        let count = admitted.iter().filter(|in_sample| **in_sample).count();
        assert!((400..600).contains(&count), "{count}");
    }
}
