//! Phase boundaries (where each movement starts and stops, the pauses between them) and the
//! Nordic break point.
//!
//! A movement's start and stop are fitted ([`movement_boundary`]) rather than read off a
//! speed threshold: an eased movement starts with almost no speed, so any threshold cuts
//! its slow start and end off (a cosine-eased 3 s lowering read 2.2-2.6 s that way).

/// The pause around turning point `i`: the contiguous samples within `band` of the turning
/// value (towards the inside of the movement), trimmed at each end while the speed is at or
/// above `vthr`. The band makes the pause robust to velocity noise; the trimming puts its
/// ends where the movement starts or stops. Returns inclusive (first, last) sample indices.
pub fn pause_region(
    e: &[f64],
    v: &[f64],
    i: usize,
    bottom: bool,
    band: f64,
    vthr: f64,
) -> (usize, usize) {
    let inside = |k: usize| {
        e[k].is_finite()
            && if bottom {
                e[k] >= e[i] - band
            } else {
                e[k] <= e[i] + band
            }
    };
    let moving = |k: usize| !v[k].is_finite() || v[k].abs() >= vthr;
    let mut lo = i;
    while lo > 0 && inside(lo - 1) {
        lo -= 1;
    }
    let mut hi = i;
    while hi + 1 < e.len() && inside(hi + 1) {
        hi += 1;
    }
    while hi > i && moving(hi) {
        hi -= 1;
    }
    while lo < i && moving(lo) {
        lo += 1;
    }
    (lo, hi)
}

/// Fraction of its range a movement has covered at fraction `s` of its duration, for a
/// blend `w` of a constant-speed movement (`w` = 0: abrupt start and stop) and a
/// cosine-eased one (`w` = 1: speed rising from zero like a half sine).
pub fn eased_progress(s: f64, w: f64) -> f64 {
    (1.0 - w) * s + w * 0.5 * (1.0 - (std::f64::consts::PI * s).cos())
}

/// Inverse of [`eased_progress`] in `s` (both monotonic on 0..1), by bisection.
fn eased_time(y: f64, w: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..50 {
        let m = 0.5 * (lo + hi);
        if eased_progress(m, w) < y {
            lo = m;
        } else {
            hi = m;
        }
    }
    0.5 * (lo + hi)
}

/// Where the movement between turning points `a` and `b` leaves `a` (when `b` comes after
/// `a`) or reaches it (when `b` comes before): the time the movement starts or stops.
///
/// Near a turning point the angle is dominated by the pose model's drift and by the
/// easing of the movement, so a speed threshold or a narrow band misses the slow start of
/// an eased movement, and a band wide enough to ignore the drift misses more. Instead the
/// times at which the signal crosses `levels` displacements from each turning point's
/// level (evenly spaced from `band_deg` or `band_fraction` of the movement's range,
/// whichever is smaller, up to `fit_fraction` of the range), near `a` and near `b`, are
/// fitted by least squares as one movement of free start and duration and of the given
/// `shape` (a blend of constant speed, 0, and a cosine ease, 1: [`eased_progress`]; see
/// [`set_shape`]). Fitting both ends at once means an end the pose model distorts (it
/// flattens the last degrees before full extension, or overshoots on arriving) is held by
/// the other. The fitted start (or stop) is returned, no earlier than the turn at `a` (the
/// middle of the samples that give its level) and no later than the first crossing near
/// `a`. When the end near `b` cannot be timed (a gap, the clip's end), only the crossings
/// near `a` are fitted.
/// Exact for cosine-eased and constant-speed movements of the matching shape (within
/// 0.01 s unfiltered; a filtered abrupt start within a frame); `None` when the range is
/// too small for the levels or a gap interrupts the signal near `a`.
pub fn movement_boundary(
    t: &[f64],
    e: &[f64],
    a: usize,
    b: usize,
    p: &EaseFit,
    shape: f64,
) -> Option<f64> {
    let c = crossings(t, e, a, b, p)?;
    let x = fit_shape(&c.pts, shape)
        .map(|(x0, dur, _)| if b > a { x0 } else { x0 + dur })
        .unwrap_or(c.first);
    // The movement starts (or stops) between the turn at `a` and the first crossing.
    let (l, r) = if c.turn <= c.first {
        (c.turn, c.first)
    } else {
        (c.first, c.turn)
    };
    Some(x.clamp(l, r))
}

/// How much better the movement between turning points `a` and `b` fits constant speed
/// than a cosine ease: the ratio of the two fits' RMS residuals (above 1: constant speed
/// fits better). `None` where [`movement_boundary`] has no crossings to fit.
pub fn constant_speed_evidence(
    t: &[f64],
    e: &[f64],
    a: usize,
    b: usize,
    p: &EaseFit,
) -> Option<f64> {
    let c = crossings(t, e, a, b, p)?;
    let eased = fit_shape(&c.pts, 1.0)?.2;
    let constant = fit_shape(&c.pts, 0.0)?.2;
    Some(eased.max(1e-9) / constant.max(1e-9))
}

/// The movement shape of a whole set, from every movement's
/// [`constant_speed_evidence`]: constant speed (0) when their geometric mean exceeds
/// `margin`, else the cosine ease (1). One person moves alike through a set, and one
/// movement's evidence is unreliable: through the pose model an eased movement can fit
/// constant speed better, by up to 2.8 times on the clips in videos/ (the model flattens
/// the last degrees before full extension), while a set's geometric mean stayed at or
/// below 1.2 (see [`RepParams::boundary_linear_margin`](super::RepParams::boundary_linear_margin)).
pub fn set_shape(evidence: &[f64], margin: f64) -> f64 {
    let logs: Vec<f64> = evidence
        .iter()
        .filter(|r| r.is_finite() && **r > 0.0)
        .map(|r| r.ln())
        .collect();
    if logs.is_empty() {
        return 1.0;
    }
    let mean = logs.iter().sum::<f64>() / logs.len() as f64;
    if mean.exp() > margin { 0.0 } else { 1.0 }
}

/// How far the movement between turning points `a` and `b` departs from one movement of
/// shape `shape` (see [`movement_boundary`]): the RMS residual of the fit, seconds. A
/// signal that reads its range unevenly (flat for the first part of a movement and then
/// jumping, as depth read off a single camera does near full extension, or the trunk's
/// foreshortening near upright) times its crossings unevenly, and the movement's start and
/// stop fitted to them are that much in doubt. `None` where there are no crossings to fit.
pub fn movement_misfit(
    t: &[f64],
    e: &[f64],
    a: usize,
    b: usize,
    p: &EaseFit,
    shape: f64,
) -> Option<f64> {
    let c = crossings(t, e, a, b, p)?;
    fit_shape(&c.pts, shape).map(|f| f.2)
}

/// The turning points of another signal that correspond to the driving signal's: for each
/// of `turns` (sample, is a bottom), the other signal's maximum (bottom) or minimum (top)
/// between the midpoints to the neighbouring turning points. `None` when a window holds
/// no finite sample or the other signal does not move between two turning points in the
/// driving signal's direction by at least that movement's entry of `min_move`.
pub fn matched_turns(e: &[f64], turns: &[(usize, bool)], min_move: &[f64]) -> Option<Vec<usize>> {
    let n = e.len();
    let mut out = Vec::with_capacity(turns.len());
    for (j, &(i, bottom)) in turns.iter().enumerate() {
        let lo = if j == 0 {
            0
        } else {
            (turns[j - 1].0 + i).div_ceil(2)
        };
        let hi = turns.get(j + 1).map(|x| (x.0 + i) / 2).unwrap_or(n - 1);
        let best = (lo..=hi.min(n - 1))
            .filter(|&k| e[k].is_finite())
            .max_by(|&x, &y| {
                let o = e[x].total_cmp(&e[y]);
                let o = if bottom { o } else { o.reverse() };
                // Ties: the sample nearest the driving signal's turning point.
                o.then_with(|| i.abs_diff(y).cmp(&i.abs_diff(x)))
            })?;
        out.push(best);
    }
    let moves = out.windows(2).enumerate().all(|(j, w)| {
        let want = if turns[j + 1].1 { 1.0 } else { -1.0 };
        let d = want * (e[w[1]] - e[w[0]]);
        d > 0.0 && d >= min_move.get(j).copied().unwrap_or(0.0)
    });
    moves.then_some(out)
}

/// The crossings of one movement: (progress from 0 at its start to 1 at its end, time) for
/// every level near `a` and, when it can be timed, near `b`; and the first crossing near
/// `a` (seconds).
struct Crossings {
    pts: Vec<(f64, f64)>,
    first: f64,
    turn: f64,
}

fn crossings(t: &[f64], e: &[f64], a: usize, b: usize, p: &EaseFit) -> Option<Crossings> {
    let n = e.len().min(t.len());
    if a == b || a >= n || b >= n || !(e[a].is_finite() && e[b].is_finite()) {
        return None;
    }
    let range = (e[b] - e[a]).abs();
    let hi = p.fit_fraction * range;
    let lo = p.band_deg.min(p.band_fraction * range);
    if !(lo > 0.0 && hi > lo && p.levels >= 2) {
        return None;
    }
    let levels: Vec<f64> = (0..p.levels)
        .map(|j| lo + (hi - lo) * j as f64 / (p.levels - 1) as f64)
        .collect();
    let near_a = end_crossings(t, e, a, b, lo, hi, &levels)?;
    let near_b = end_crossings(t, e, b, a, lo, hi, &levels);
    let span = near_b
        .as_ref()
        .map(|nb| (nb.level - near_a.level).abs())
        .filter(|s| *s > hi)
        .unwrap_or(range);
    let a_first = b > a;
    let progress = |level: f64, at_start: bool| {
        let f = level / span;
        if at_start { f } else { 1.0 - f }
    };
    let mut pts: Vec<(f64, f64)> = levels
        .iter()
        .zip(&near_a.times)
        .map(|(&l, &x)| (progress(l, a_first), x))
        .collect();
    if let Some(nb) = &near_b {
        pts.extend(
            levels
                .iter()
                .zip(&nb.times)
                .map(|(&l, &x)| (progress(l, !a_first), x)),
        );
    }
    Some(Crossings {
        first: near_a.times[0],
        turn: near_a.turn,
        pts,
    })
}

/// Least-squares start and duration of a movement of shape `w` through the crossings
/// `pts` (progress, time), and the fit's RMS residual (seconds).
fn fit_shape(pts: &[(f64, f64)], w: f64) -> Option<(f64, f64, f64)> {
    let s: Vec<f64> = pts.iter().map(|&(y, _)| eased_time(y, w)).collect();
    let k = s.len() as f64;
    let ms = s.iter().sum::<f64>() / k;
    let mx = pts.iter().map(|q| q.1).sum::<f64>() / k;
    let sxx: f64 = s.iter().map(|v| (v - ms) * (v - ms)).sum();
    let sxy: f64 = s.iter().zip(pts).map(|(u, q)| (u - ms) * (q.1 - mx)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let dur = sxy / sxx;
    if dur <= 0.0 {
        return None;
    }
    let x0 = mx - dur * ms;
    let res: f64 = s
        .iter()
        .zip(pts)
        .map(|(u, q)| (x0 + dur * u - q.1).powi(2))
        .sum();
    Some((x0, dur, (res / k).sqrt()))
}

/// The times at which the movement between turning points `a` and `b` crosses `levels`
/// degrees away from `a`'s level, near `a`; and `turn`, the middle of the samples around
/// `a` that give its level (a robust time of the turn: the extreme sample of a still pause
/// lies anywhere in it).
struct EndCrossings {
    level: f64,
    times: Vec<f64>,
    turn: f64,
}

fn end_crossings(
    t: &[f64],
    e: &[f64],
    a: usize,
    b: usize,
    lo: f64,
    hi: f64,
    levels: &[f64],
) -> Option<EndCrossings> {
    let n = e.len().min(t.len());
    let sg = (e[b] - e[a]).signum();
    // The level of the turning point: the median of the samples around it within a
    // quarter of the lowest level (a noisy pause's extreme sample lies beyond its level;
    // a narrow band keeps the tip of a turn without a pause close to its extreme).
    let near = |k: usize| e[k].is_finite() && (e[k] - e[a]).abs() <= 0.25 * lo;
    let (mut l, mut r) = (a, a);
    while l > 0 && near(l - 1) {
        l -= 1;
    }
    while r + 1 < n && near(r + 1) {
        r += 1;
    }
    let level = crate::signal::median(&e[l..=r]);
    let d = |k: usize| sg * (e[k] - level);
    // From b towards a, the first sample within `hi` of the turning point: the crossings
    // are searched from there back to `a` (the last crossing before the movement).
    let towards_a = |k: usize| if b > a { k - 1 } else { k + 1 };
    let mut m = b;
    while m != a && d(m) > hi {
        m = towards_a(m);
        if !e[m].is_finite() {
            return None;
        }
    }
    if m == b {
        return None;
    }
    let dir = if b > a { 1.0 } else { -1.0 };
    // One step further towards b: beyond every level.
    let m_out = if b > a { m + 1 } else { m - 1 };
    let (i0, i1) = (a.min(m_out), a.max(m_out));
    if e[i0..=i1].iter().any(|x| !x.is_finite()) {
        return None;
    }
    let times = levels
        .iter()
        .map(|&level| {
            // Crossing time: the turning point's time plus (or minus) the time spent within
            // the level between it and the movement. For a monotonic movement this is the
            // crossing itself; noise that crosses the level back and forth averages out
            // instead of pulling the crossing towards the movement.
            let mut within = 0.0;
            for k in i0..i1 {
                let (dp, dq) = (d(k), d(k + 1));
                let dt = t[k + 1] - t[k];
                within += match (dp <= level, dq <= level) {
                    (true, true) => dt,
                    (false, false) => 0.0,
                    (true, false) => dt * (level - dp) / (dq - dp),
                    (false, true) => dt * (level - dq) / (dp - dq),
                };
            }
            t[a] + dir * within
        })
        .collect();
    Some(EndCrossings {
        level,
        times,
        turn: 0.5 * (t[l] + t[r]),
    })
}

/// Parameters of [`movement_boundary`] (from [`RepParams`](super::RepParams)).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EaseFit {
    pub band_deg: f64,
    pub band_fraction: f64,
    pub fit_fraction: f64,
    pub levels: usize,
    pub linear_margin: f64,
}

/// First sample after `from` (up to `to`) where `speed` exceeds `thr`.
pub fn first_exceeding(speed: &[f64], from: usize, to: usize, thr: f64) -> Option<usize> {
    (from..=to.min(speed.len().saturating_sub(1))).find(|&k| speed[k].is_finite() && speed[k] > thr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit() -> EaseFit {
        let p = crate::exercise::RepParams::default();
        p.ease_fit()
    }

    #[test]
    fn boundary_of_eased_and_abrupt_movements() {
        // 1 s rest, then a 70° movement over 3 s, then rest; 30 fps, unfiltered.
        for w in [0.0, 1.0] {
            let t: Vec<f64> = (0..180).map(|k| k as f64 / 30.0).collect();
            let e: Vec<f64> = t
                .iter()
                .map(|&x| 70.0 * eased_progress(((x - 1.0) / 3.0).clamp(0.0, 1.0), w))
                .collect();
            // The set's shape is recognised from the movement.
            let ev = constant_speed_evidence(&t, &e, 0, 150, &fit()).unwrap();
            let shape = set_shape(&[ev], 3.0);
            assert_eq!(shape, w, "evidence {ev}");
            let start = movement_boundary(&t, &e, 0, 150, &fit(), shape).unwrap();
            let stop = movement_boundary(&t, &e, 150, 0, &fit(), shape).unwrap();
            assert!((start - 1.0).abs() < 0.01, "w {w}: start {start}");
            assert!((stop - 4.0).abs() < 0.01, "w {w}: stop {stop}");
        }
        // Too small a movement for the levels, or a gap: no boundary.
        let t = [0.0, 0.1, 0.2];
        assert_eq!(
            movement_boundary(&t, &[0.0, 0.0, 0.0], 0, 2, &fit(), 1.0),
            None
        );
        let t: Vec<f64> = (0..10).map(|k| k as f64).collect();
        let mut e: Vec<f64> = (0..10).map(|k| 10.0 * k as f64).collect();
        e[8] = f64::NAN;
        assert_eq!(movement_boundary(&t, &e, 0, 9, &fit(), 1.0), None);
    }

    #[test]
    fn set_shape_is_the_geometric_mean_of_the_evidence() {
        // One movement that looks like constant speed does not make the set so.
        assert_eq!(set_shape(&[8.0, 0.5, 0.6, 0.9], 3.0), 1.0);
        assert_eq!(set_shape(&[8.0, 4.0, 2.5, 5.0], 3.0), 0.0);
        assert_eq!(set_shape(&[], 3.0), 1.0);
        assert_eq!(set_shape(&[f64::NAN, 100.0], 3.0), 0.0);
    }

    #[test]
    fn an_end_the_model_flattens_is_held_by_the_other() {
        // A cosine-eased 60° movement over 1.5 s from t = 1 s, seen through a model that
        // reads the resting end 3.5° out and the first 1.5° of the movement not at all
        // (as the pose model does near full hip extension on the clips in videos/).
        let t: Vec<f64> = (0..120).map(|k| k as f64 / 30.0).collect();
        let e: Vec<f64> = t
            .iter()
            .map(|&x| {
                let truth = 60.0 * eased_progress(((x - 1.0) / 1.5).clamp(0.0, 1.0), 1.0);
                (truth + 2.0).max(3.5)
            })
            .collect();
        let start = movement_boundary(&t, &e, 0, 110, &fit(), 1.0).unwrap();
        let stop = movement_boundary(&t, &e, 110, 0, &fit(), 1.0).unwrap();
        assert!((start - 1.0).abs() < 0.05, "start {start}");
        assert!((stop - 2.5).abs() < 0.05, "stop {stop}");
    }

    #[test]
    fn boundary_does_not_follow_the_extreme_sample_of_a_pause() {
        // Up 50° at constant speed over 1.5 s from t = 1 s, a 1 s pause with 0.2° jitter,
        // down again, fitted as eased movements (so the fitted arrival lies inside the
        // pause). The pause's highest sample is early or late in it (re-encoding a video
        // moves it); the arrival must not move with it.
        let t: Vec<f64> = (0..150).map(|k| k as f64 / 30.0).collect();
        let base: Vec<f64> = t
            .iter()
            .enumerate()
            .map(|(k, &x)| {
                let up = ((x - 1.0) / 1.5).clamp(0.0, 1.0);
                let down = ((x - 3.5) / 1.5).clamp(0.0, 1.0);
                50.0 * (up - down) + 0.2 * ((k * 7 % 5) as f64 - 2.0) / 2.0
            })
            .collect();
        let stops: Vec<f64> = [77usize, 100]
            .iter()
            .map(|&peak| {
                let mut e = base.clone();
                e[peak] += 0.3;
                movement_boundary(&t, &e, peak, 0, &fit(), 1.0).unwrap()
            })
            .collect();
        assert!((stops[0] - stops[1]).abs() < 0.02, "{stops:?}");
    }

    #[test]
    fn matched_turns_follow_the_other_signal_and_refuse_one_that_does_not_move() {
        // The driving signal turns at samples 2 (top), 6 (bottom), 10 (top); the other one
        // a sample later at its bottom.
        let turns = [(2, false), (6, true), (10, false)];
        let other = [
            5.0, 4.0, 3.0, 4.0, 8.0, 12.0, 15.0, 16.0, 10.0, 4.0, 2.0, 3.0,
        ];
        assert_eq!(
            matched_turns(&other, &turns, &[5.0, 5.0]),
            Some(vec![2, 7, 10])
        );
        // Moving less than asked, or the wrong way, is no match.
        assert_eq!(matched_turns(&other, &turns, &[20.0, 5.0]), None);
        let flipped: Vec<f64> = other.iter().map(|x| -x).collect();
        assert_eq!(matched_turns(&flipped, &turns, &[0.0, 0.0]), None);
    }

    #[test]
    fn pause_region_spans_plateau() {
        let e = [0.0, 5.0, 10.0, 10.0, 10.0, 5.0, 0.0];
        let v = [5.0, 10.0, 5.0, 0.0, -5.0, -10.0, -5.0];
        assert_eq!(pause_region(&e, &v, 3, true, 2.0, 6.0), (2, 4));
        assert_eq!(pause_region(&e, &v, 3, true, 6.0, 6.0), (2, 4));
        assert_eq!(
            first_exceeding(&[1.0, 2.0, 12.0, 20.0], 0, 3, 10.0),
            Some(2)
        );
    }
}
