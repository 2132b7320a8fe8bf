//! Which stored mismatch a new one replaces: reservoir sampling (Vitter's
//! algorithm R) with the random number passed in.
//!
//! The store keeps at most `cap` mismatches per diff signature. The first `cap`
//! are all kept; the `n`-th after that replaces a uniformly chosen one with
//! probability `cap / n`, so at any time the kept ones are a uniform sample of
//! every mismatch of that kind, however many there were. One draw decides both
//! whether and where: slot `⌊draw · n⌋` if that is below `cap`.

/// The slot (0-based, below `cap`) that the `n`-th mismatch of a signature
/// takes, or `None` if it is not kept. `draw` is uniform in `[0, 1)`.
pub fn reservoir_slot(n: u64, cap: u32, draw: f64) -> Option<u32> {
    if n == 0 || cap == 0 {
        return None;
    }
    if n <= u64::from(cap) {
        return u32::try_from(n - 1).ok();
    }
    // A draw of exactly 1 (or more) would pick slot n; clamp it into range.
    let pick = (draw.clamp(0.0, 1.0) * n as f64).floor() as u64;
    let pick = pick.min(n - 1);
    u32::try_from(pick).ok().filter(|slot| *slot < cap)
}
