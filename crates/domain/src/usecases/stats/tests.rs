//! Tests of `usecases/stats.rs`.

use super::*;

#[test]
fn median_of_odd_even_and_empty() {
    assert_eq!(median(&mut []), None);
    assert_eq!(median(&mut [5, 1, 3]), Some(3));
    assert_eq!(median(&mut [4, 1, 3, 2]), Some(2));
}
