//! Largest-remainder allocation: spreading an order-level amount over lines to the unit.

use crate::DomainError;

/// Splits `total` in proportion to `weights` (W = Σ wᵢ > 0, or `total` = 0): the floors
/// ⌊T·wᵢ / W⌋, then one more unit to each of the D = T − Σ floors lines with the largest
/// remainders (T·wᵢ) mod W, ties going to the larger weight, then the earlier position.
fn split(total: i64, weights: &[i64]) -> Vec<i64> {
    let sum: i128 = weights.iter().map(|w| i128::from(*w)).sum();
    if total == 0 || sum == 0 {
        return vec![0; weights.len()];
    }
    let t = i128::from(total);
    let mut shares = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    for (position, weight) in weights.iter().enumerate() {
        let product = t * i128::from(*weight);
        shares.push(product / sum);
        remainders.push((product % sum, *weight, position));
    }
    let leftover = t - shares.iter().sum::<i128>();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    for (_, _, position) in remainders
        .iter()
        .take(usize::try_from(leftover).unwrap_or(0))
    {
        shares[*position] += 1;
    }
    shares
        .into_iter()
        .map(|share| i64::try_from(share).unwrap_or(i64::MAX))
        .collect()
}

fn check_non_negative(field: &'static str, values: &[i64]) -> Result<i128, DomainError> {
    if values.iter().any(|v| *v < 0) {
        return Err(DomainError::invalid(field, "must not be negative"));
    }
    Ok(values.iter().map(|v| i128::from(*v)).sum())
}

/// Spreads `total` over lines in proportion to `weights` by largest remainder.
///
/// The shares sum to `total` exactly and each lies in `0..=wᵢ`. Refused (naming the field):
/// a negative total or weight, or a total above Σ wᵢ. A zero total gives zeros.
pub fn largest_remainder(total: i64, weights: &[i64]) -> Result<Vec<i64>, DomainError> {
    let sum = check_non_negative("weights", weights)?;
    if total < 0 || i128::from(total) > sum {
        return Err(DomainError::invalid(
            "total",
            "must be between 0 and the sum of the weights",
        ));
    }
    Ok(split(total, weights))
}

/// Largest remainder with a cap per line (credits): allocate, give every line over its cap
/// exactly its cap and take it out, then allocate what is left over the other lines, until no
/// line is over. The shares sum to `total` and each lies in `0..=capᵢ`.
///
/// Refused (naming the field): a negative value, `caps` of another length than `weights`, a
/// total above Σ capᵢ, or a remainder left only to lines of weight 0.
pub fn largest_remainder_capped(
    total: i64,
    weights: &[i64],
    caps: &[i64],
) -> Result<Vec<i64>, DomainError> {
    check_non_negative("weights", weights)?;
    let cap_sum = check_non_negative("caps", caps)?;
    if caps.len() != weights.len() {
        return Err(DomainError::invalid("caps", "one cap per line"));
    }
    if total < 0 || i128::from(total) > cap_sum {
        return Err(DomainError::invalid(
            "total",
            "must be between 0 and the sum of the caps",
        ));
    }
    let mut shares = vec![0; weights.len()];
    let mut open: Vec<usize> = (0..weights.len()).collect();
    let mut left = total;
    while left > 0 {
        let open_weights: Vec<i64> = open.iter().map(|i| weights[*i]).collect();
        if open_weights.iter().all(|w| *w == 0) {
            return Err(DomainError::invalid(
                "weights",
                "the remainder has only lines of weight 0 to go to",
            ));
        }
        let round = split(left, &open_weights);
        let over: Vec<usize> = open
            .iter()
            .zip(&round)
            .filter(|(i, share)| **share > caps[**i])
            .map(|(i, _)| *i)
            .collect();
        if over.is_empty() {
            for (i, share) in open.iter().zip(round) {
                shares[*i] = share;
            }
            return Ok(shares);
        }
        for i in &over {
            shares[*i] = caps[*i];
            left -= caps[*i];
        }
        open.retain(|i| !over.contains(i));
    }
    Ok(shares)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_worked_examples() {
        // Coupon 满300减50 over A 23920 and B 17490: 2888.19 / 2111.81 → the 1 goes to B.
        assert_eq!(
            largest_remainder(5_000, &[23_920, 17_490]).unwrap(),
            vec![2_888, 2_112]
        );
        // A *0.9 coupon: C = 4141, no leftover.
        assert_eq!(
            largest_remainder(4_141, &[23_920, 17_490]).unwrap(),
            vec![2_392, 1_749]
        );
        // 1000 points over 21032 / 15378 capped 2103 / 1537: 577.64 / 422.36 → the 1 goes to A.
        assert_eq!(
            largest_remainder_capped(1_000, &[21_032, 15_378], &[2_103, 1_537]).unwrap(),
            vec![578, 422]
        );
        // Floors and rounding both miss; largest remainder is exact.
        assert_eq!(
            largest_remainder(1_000, &[1_000, 1_200, 2_000, 2_400, 1_300, 900]).unwrap(),
            vec![114, 136, 227, 273, 148, 102]
        );
        assert_eq!(
            largest_remainder(1_001, &[1_000; 4]).unwrap(),
            vec![251, 250, 250, 250]
        );
    }

    #[test]
    fn ties_go_to_the_larger_weight_then_the_earlier_line() {
        // Equal remainders and weights: the earlier lines win.
        assert_eq!(largest_remainder(2, &[1, 1, 1]).unwrap(), vec![1, 1, 0]);
        assert_eq!(
            largest_remainder(3, &[2, 2, 2, 2]).unwrap(),
            vec![1, 1, 1, 0]
        );
        // 3 over [1, 2, 3]: floors [0, 1, 1], remainders [3, 0, 3] of 6, one unit left: the
        // tie between the first and the last goes to the larger weight.
        assert_eq!(largest_remainder(3, &[1, 2, 3]).unwrap(), vec![0, 1, 2]);
        assert_eq!(largest_remainder(3, &[3, 2, 1]).unwrap(), vec![2, 1, 0]);
        // The largest remainder wins before any weight.
        assert_eq!(largest_remainder(1, &[1, 2, 1]).unwrap(), vec![0, 1, 0]);
    }

    #[test]
    fn the_cap_stops_an_overshoot() {
        // Uncapped, 100 points of 10 fen on [5, 995] fen would put 1000 fen on a 995-fen line.
        assert_eq!(
            largest_remainder_capped(99, &[5, 995], &[0, 99]).unwrap(),
            vec![0, 99]
        );
        assert_eq!(
            largest_remainder_capped(10, &[90, 10], &[5, 100]).unwrap(),
            vec![5, 5]
        );
        // Up to the sum of the caps is allowed.
        assert_eq!(
            largest_remainder_capped(3_640, &[21_032, 15_378], &[2_103, 1_537]).unwrap(),
            vec![2_103, 1_537]
        );
    }

    #[test]
    fn refusals_name_the_field() {
        let field = |result: Result<Vec<i64>, DomainError>| match result {
            Err(DomainError::Invalid { field, .. }) => field,
            other => panic!("expected a refusal, got {other:?}"),
        };
        assert_eq!(field(largest_remainder(11, &[5, 5])), "total");
        assert_eq!(field(largest_remainder(-1, &[5])), "total");
        assert_eq!(field(largest_remainder(1, &[5, -1])), "weights");
        assert_eq!(field(largest_remainder(1, &[])), "total");
        assert_eq!(
            field(largest_remainder_capped(4, &[1, 1], &[2, 1])),
            "total"
        );
        assert_eq!(field(largest_remainder_capped(1, &[1], &[1, 1])), "caps");
        assert_eq!(field(largest_remainder_capped(1, &[1], &[-1])), "caps");
        assert_eq!(
            field(largest_remainder_capped(3, &[1, 0], &[0, 5])),
            "weights"
        );
        assert_eq!(largest_remainder(0, &[0, 0]).unwrap(), vec![0, 0]);
        assert_eq!(largest_remainder(0, &[]).unwrap(), Vec::<i64>::new());
    }

    fn weights_and_total() -> impl Strategy<Value = (Vec<i64>, i64)> {
        prop::collection::vec(0i64..=10_000_000, 1..12)
            .prop_filter("positive sum", |w| w.iter().sum::<i64>() > 0)
            .prop_flat_map(|w| {
                let sum = w.iter().sum::<i64>();
                (Just(w), 0..=sum)
            })
    }

    proptest! {
        #[test]
        fn shares_sum_to_the_total_and_stay_within_their_weights((weights, total) in weights_and_total()) {
            let shares = largest_remainder(total, &weights).unwrap();
            prop_assert_eq!(shares.iter().sum::<i64>(), total);
            let sum: i128 = weights.iter().map(|w| i128::from(*w)).sum();
            for (share, weight) in shares.iter().zip(&weights) {
                prop_assert!(*share >= 0 && share <= weight);
                // Within one unit of the exact proportional share.
                let exact = i128::from(total) * i128::from(*weight);
                let floor = exact / sum;
                prop_assert!(i128::from(*share) == floor || i128::from(*share) == floor + 1);
            }
            prop_assert_eq!(largest_remainder(total, &weights).unwrap(), shares);
        }

        #[test]
        fn permuting_lines_permutes_shares_except_tie_breaks((weights, total) in weights_and_total()) {
            let shares = largest_remainder(total, &weights).unwrap();
            let reversed: Vec<i64> = weights.iter().rev().copied().collect();
            let mut back = largest_remainder(total, &reversed).unwrap();
            back.reverse();
            for ((a, b), w) in shares.iter().zip(&back).zip(&weights) {
                // Only tie-breaks may differ, by at most one unit per line.
                prop_assert!((a - b).abs() <= 1, "weight {} got {} and {}", w, a, b);
            }
            // Distinct (remainder, weight) pairs leave no tie: then the shares are identical.
            let sum: i128 = weights.iter().map(|w| i128::from(*w)).sum();
            let keys: Vec<(i128, i64)> = weights
                .iter()
                .map(|w| ((i128::from(total) * i128::from(*w)) % sum, *w))
                .collect();
            let mut unique = keys.clone();
            unique.sort();
            unique.dedup();
            if unique.len() == keys.len() {
                prop_assert_eq!(back, shares);
            }
        }

        #[test]
        fn capped_shares_sum_to_the_total_and_respect_caps(
            lines in prop::collection::vec((1i64..=1_000_000, 0i64..=100_000), 1..10),
            pick in 0.0f64..=1.0,
        ) {
            let weights: Vec<i64> = lines.iter().map(|l| l.0).collect();
            let caps: Vec<i64> = lines.iter().map(|l| l.1).collect();
            let cap_sum: i64 = caps.iter().sum();
            // Only the test picks the total with a float; the allocation is integer.
            let total = (cap_sum as f64 * pick) as i64;
            let shares = largest_remainder_capped(total, &weights, &caps).unwrap();
            prop_assert_eq!(shares.iter().sum::<i64>(), total);
            for (share, cap) in shares.iter().zip(&caps) {
                prop_assert!(*share >= 0 && share <= cap);
            }
            prop_assert_eq!(largest_remainder_capped(total, &weights, &caps).unwrap(), shares);
        }
    }
}
