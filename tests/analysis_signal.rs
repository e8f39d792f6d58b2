//! Signal cleaning: Butterworth response, zero lag, Hampel, gaps, resampling.

use hipflex::signal::{self, CleanParams, butter_lowpass, default_padlen, filtfilt};

fn sine(fs: f64, f: f64, secs: f64) -> (Vec<f64>, Vec<f64>) {
    let n = (fs * secs) as usize;
    let t: Vec<f64> = (0..n).map(|i| i as f64 / fs).collect();
    let x = t
        .iter()
        .map(|t| (2.0 * std::f64::consts::PI * f * t).sin())
        .collect();
    (t, x)
}

/// Amplitude from the RMS of the middle half (away from the edges).
fn amplitude(y: &[f64]) -> f64 {
    let n = y.len();
    let m = &y[n / 4..3 * n / 4];
    (2.0 * m.iter().map(|v| v * v).sum::<f64>() / m.len() as f64).sqrt()
}

#[test]
fn filtfilt_is_minus_6db_at_cutoff() {
    for fs in [30.0, 60.0] {
        let sos = butter_lowpass(4, 6.0, fs).unwrap();
        let (_, x) = sine(fs, 6.0, 20.0);
        let y = filtfilt(&sos, &x, default_padlen(&sos, 6.0, fs));
        let a = amplitude(&y);
        assert!((a - 0.5).abs() < 0.02, "fs {fs}: {a}");
        // Passband and stopband.
        let (_, x1) = sine(fs, 1.0, 20.0);
        assert!((amplitude(&filtfilt(&sos, &x1, 30)) - 1.0).abs() < 0.01);
        let (_, x12) = sine(fs, 12.0, 20.0);
        assert!(amplitude(&filtfilt(&sos, &x12, 30)) < 0.01);
    }
}

#[test]
fn filtfilt_has_zero_lag() {
    let fs = 30.0;
    let sos = butter_lowpass(4, 6.0, fs).unwrap();
    let (_, x) = sine(fs, 1.0, 10.0);
    let y = filtfilt(&sos, &x, 30);
    for i in 30..x.len() - 30 {
        assert!(
            (x[i] - y[i]).abs() < 0.01,
            "sample {i}: {} vs {}",
            x[i],
            y[i]
        );
    }
}

#[test]
fn hampel_removes_a_spike() {
    let mut x: Vec<f64> = (0..60).map(|i| 10.0 + (i as f64 * 0.2).sin()).collect();
    x[30] += 40.0;
    let mask = signal::hampel(&mut x, 5, 3.0, 5.0);
    assert!(mask[30]);
    assert!((x[30] - 10.0 - (6.0f64).sin()).abs() < 1.0);
    assert_eq!(mask.iter().filter(|m| **m).count(), 1);
}

#[test]
fn short_gaps_filled_long_gaps_kept() {
    let t: Vec<f64> = (0..100).map(|i| i as f64 / 30.0).collect();
    let mut x: Vec<f64> = t.iter().map(|t| 2.0 * t).collect();
    x[10..15].fill(f64::NAN); // 5 frames = 0.167 s
    x[40..55].fill(f64::NAN); // 15 frames = 0.5 s
    x[0] = f64::NAN; // leading
    let filled = signal::fill_gaps(&t, &mut x, 0.3);
    assert!((10..15).all(|i| filled[i] && (x[i] - 2.0 * t[i]).abs() < 1e-9));
    assert!((40..55).all(|i| !filled[i] && x[i].is_nan()));
    assert!(x[0].is_nan());
}

#[test]
fn clean_series_handles_variable_frame_rate() {
    // 30 fps with jitter; a 0.5 Hz sine must come through unchanged and without lag.
    let mut t = Vec::new();
    let mut s = 0.0;
    for i in 0..300 {
        t.push(s);
        s += if i % 3 == 0 { 0.05 } else { 0.025 };
    }
    let x: Vec<f64> = t
        .iter()
        .map(|t| 30.0 * (std::f64::consts::PI * t).sin())
        .collect();
    let c = signal::clean_series(&t, &x, &CleanParams::default());
    assert!(c.resampled);
    #[allow(clippy::needless_range_loop)]
    for i in 20..280 {
        assert!(
            (c.values[i] - x[i]).abs() < 0.3,
            "{i}: {} vs {}",
            c.values[i],
            x[i]
        );
    }
}
