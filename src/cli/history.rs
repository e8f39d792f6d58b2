//! The history database on the command line: `--db`/`--no-db`/`--patient`/`--pain` for
//! `analyze`, `record` and `batch`, and `hipflex history [PATIENT]`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use hipflex::history::{self, Db, Session, export, summary};
use hipflex::protocol::Protocol;
use hipflex::report::Report;

/// Where the history database is, or that there is none.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct DbArgs {
    /// History database (default: HIPFLEX_DB, else ~/.local/share/hipflex/history.sqlite).
    #[arg(long, value_name = "FILE", conflicts_with = "no_db")]
    pub db: Option<PathBuf>,
    /// Do not record this run in the history database.
    #[arg(long)]
    pub no_db: bool,
}

impl DbArgs {
    /// The database file, `None` with `--no-db`.
    pub fn path(&self) -> Option<PathBuf> {
        (!self.no_db).then(|| history::location(self.db.as_deref()))
    }

    /// The database file for a batch, checked (created or upgraded) before the videos
    /// are analysed. A database that cannot be used is reported at once; the videos are
    /// still analysed and the error is returned again at the end (exit code 2).
    pub fn open_for_batch(&self) -> (Option<PathBuf>, Option<history::Error>) {
        let Some(p) = self.path() else {
            return (None, None);
        };
        match Db::open(&p) {
            Ok(db) => {
                report_upgrade(&db);
                (Some(p), None)
            }
            // Busy now is not busy for the whole batch: each video tries again.
            Err(e @ history::Error::Locked { .. }) => {
                eprintln!(
                    "warning: {e}\nThe videos are analysed all the same, and each video's session is tried again when it is done."
                );
                (Some(p), None)
            }
            Err(e) => {
                eprintln!(
                    "warning: {e}\nThe videos are analysed all the same; nothing is recorded in the history."
                );
                (None, Some(e))
            }
        }
    }
}

fn report_upgrade(db: &Db) {
    if let Some((from, backup)) = &db.upgraded {
        eprintln!(
            "upgraded the history database {} from schema {from} to {} (the old copy is kept at {})",
            db.path().display(),
            history::schema::CURRENT,
            backup.display()
        );
    }
}

fn pain_arg(s: &str) -> Result<u8, String> {
    history::parse_pain(s)
}

/// Who the session belongs to and how it felt: shared by `analyze` and `record`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SessionArgs {
    /// The patient this video is of (free text; recorded in the history database).
    #[arg(long, value_name = "NAME")]
    pub patient: Option<String>,
    /// Pain during or after the set, 0-10 (the protocol's acceptable level is 3).
    #[arg(long, value_name = "N", value_parser = pain_arg)]
    pub pain: Option<u8>,
    #[command(flatten)]
    pub db: DbArgs,
}

impl SessionArgs {
    /// Records the analysis of `video` (outputs in `out`) for the patient, if any.
    /// Outputs are already written; a database error is returned (exit code 2).
    pub fn record(
        &self,
        report: &Report,
        protocol: &Protocol,
        video: &Path,
        video_sha256: Option<String>,
        out: &Path,
        pain: Option<u8>,
    ) -> anyhow::Result<()> {
        let Some(db) = self.db.path() else {
            return Ok(());
        };
        let Some(patient) = self.patient.as_deref().filter(|p| !p.trim().is_empty()) else {
            eprintln!(
                "Not recorded in the history: no patient. Give one with --patient NAME (or --no-db to say you do not want it recorded)."
            );
            return Ok(());
        };
        let sha = match video_sha256 {
            Some(sha) => sha,
            None => hipflex::hash::sha256_file(video)?,
        };
        let s = history::session_for(report, protocol, patient, video, sha, pain, out);
        let mut d = Db::open(&db)?;
        report_upgrade(&d);
        d.upsert(&s)?;
        let above = if s.pain_above_acceptable() {
            format!(
                " (pain {}/10 is above the acceptable {:.0}/10)",
                s.pain.unwrap_or(0),
                protocol.pain_acceptable_max
            )
        } else {
            String::new()
        };
        eprintln!(
            "Recorded in the history of {patient} ({}){above}; see `hipflex history {}`",
            db.display(),
            shell_word(patient)
        );
        Ok(())
    }
}

fn shell_word(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Asks for pain on a terminal: a whole number 0-10, or Enter to skip.
pub fn ask_pain(lines: &std::sync::mpsc::Receiver<String>) -> Option<u8> {
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return None;
    }
    loop {
        eprint!("Pain during or after the set, 0-10 (Enter to skip): ");
        let line = lines.recv().ok()?;
        if line.trim().is_empty() {
            return None;
        }
        match history::parse_pain(&line) {
            Ok(p) => return Some(p),
            Err(e) => eprintln!("{e}"),
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// A patient (as given to --patient, the manifest or the folder). Without it: every patient.
    pub patient: Option<String>,
    /// History database (default: HIPFLEX_DB, else ~/.local/share/hipflex/history.sqlite).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Print JSON (see docs/history.md) instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Write one CSV row per rep (with its session's fields) to FILE.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Write DIR/<patient>/progress.html for the patient (or every patient).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Overwrite an existing --csv file or progress page.
    #[arg(long)]
    pub force: bool,
}

fn opt_deg(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.0}")).unwrap_or_else(|| "-".into())
}

fn patients_table(lines: &[export::PatientLine]) -> String {
    let mut s = format!(
        "{:<24} {:>8}  {:<10}  {:<9} {:>5}  {:<6}\n",
        "patient", "sessions", "last", "exercise", "phase", "recent"
    );
    for l in lines {
        s.push_str(&format!(
            "{:<24} {:>8}  {:<10}  {:<9} {:>5}  {:<6}\n",
            l.patient,
            l.sessions,
            l.last_date,
            l.last_exercise,
            l.last_phase,
            l.worst_recent_severity
        ));
    }
    s
}

fn sessions_table(patient: &str, sessions: &[Session]) -> String {
    let mut s = format!("{patient}: {} session(s)\n", sessions.len());
    s.push_str(&format!(
        "{:<10}  {:<9} {:>5} {:>4}  {:>11}  {:>4}  {:<15}  {:>3} {:>5}  {:<5}\n",
        "date",
        "exercise",
        "phase",
        "reps",
        "peak med/max",
        "cap",
        "typical tempo",
        "red",
        "amber",
        "pain"
    ));
    for x in sessions {
        let f = summary::figures(x);
        let pain = match x.pain {
            Some(p) if x.pain_above_acceptable() => format!("{p}/10 above acceptable"),
            Some(p) => format!("{p}/10"),
            None => "-".into(),
        };
        s.push_str(&format!(
            "{:<10}  {:<9} {:>5} {:>4}  {:>11}  {:>4}  {:<15}  {:>3} {:>5}  {:<5}\n",
            x.date(),
            x.exercise,
            x.phase,
            x.reps_counted,
            format!("{}/{}", opt_deg(f.peak_median_deg), opt_deg(f.peak_max_deg)),
            opt_deg(x.cap_deg),
            x.typical_tempo.as_deref().unwrap_or("-"),
            x.flags_red,
            x.flags_amber,
            pain
        ));
    }
    s.push_str(&format!(
        "\n{}.\n{}\n",
        summary::evidence_summary(sessions),
        summary::NEVER_ADVANCES
    ));
    s
}

fn write_file(path: &Path, text: &str, force: bool) -> anyhow::Result<()> {
    if let Some(d) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(d).with_context(|| format!("could not create {}", d.display()))?;
    }
    hipflex::output::write_atomic(path, text.as_bytes(), force)?;
    Ok(())
}

pub fn run(a: HistoryArgs) -> anyhow::Result<ExitCode> {
    let path = history::location(a.db.as_deref());
    if !path.exists() {
        bail!(
            "there is no history database at {} yet. Analyse a video with --patient NAME (or run a batch whose videos have patients) to start one, or point --db / HIPFLEX_DB at an existing file.",
            path.display()
        );
    }
    let db = Db::open(&path)?;
    report_upgrade(&db);
    let patients = match &a.patient {
        Some(p) => vec![p.clone()],
        None => db.patients()?,
    };
    let mut all: Vec<(String, Vec<Session>)> = Vec::new();
    for p in &patients {
        let s = match &a.patient {
            Some(_) => db.sessions_of_known(p)?,
            None => db.sessions(p)?,
        };
        all.push((p.clone(), s));
    }
    if let Some(csv) = &a.csv {
        let flat: Vec<Session> = all.iter().flat_map(|(_, s)| s.iter().cloned()).collect();
        write_file(csv, &export::reps_csv(&flat), a.force)?;
        eprintln!("wrote {} ({} sessions)", csv.display(), flat.len());
    }
    if let Some(out) = &a.out {
        for (p, s) in &all {
            let dir = out.join(history::safe_name(p));
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("could not create {}", dir.display()))?;
            let page = dir.join("progress.html");
            write_file(
                &page,
                &history::progress::progress_html(p, s, &dir),
                a.force,
            )?;
            eprintln!("wrote {}", page.display());
        }
    }
    if !a.json && (a.csv.is_some() || a.out.is_some()) {
        return Ok(ExitCode::SUCCESS);
    }
    match (&a.patient, a.json) {
        (Some(p), true) => println!("{}", export::patient_json(p, &all[0].1)),
        (Some(p), false) => print!("{}", sessions_table(p, &all[0].1)),
        (None, json) => {
            let lines: Vec<_> = all
                .iter()
                .filter_map(|(p, s)| export::patient_line(p, s))
                .collect();
            if json {
                println!("{}", export::patients_json(&lines));
            } else if lines.is_empty() {
                println!(
                    "The history database {} holds no sessions yet.",
                    path.display()
                );
            } else {
                print!("{}", patients_table(&lines));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// After a batch: says how many sessions went into the history and why others did
/// not. Returns the error that makes the run exit with code 2 (outputs are written).
pub fn report_batch(
    rows: &[hipflex::batch::Row],
    db: Option<&Path>,
    open_error: Option<history::Error>,
) -> Option<anyhow::Error> {
    use hipflex::batch::Recorded;
    if let Some(e) = open_error {
        return Some(anyhow::Error::new(e));
    }
    let db = db?;
    let recorded = rows.iter().filter(|r| r.history == Recorded::Yes).count();
    let no_patient = rows
        .iter()
        .filter(|r| r.history == Recorded::NoPatient)
        .count();
    let failed: Vec<&str> = rows
        .iter()
        .filter_map(|r| match &r.history {
            Recorded::Failed(e) => Some(e.as_str()),
            _ => None,
        })
        .collect();
    eprintln!(
        "history: {recorded} session(s) recorded in {}",
        db.display()
    );
    if no_patient > 0 {
        eprintln!(
            "history: {no_patient} video(s) have no patient and were not recorded; give them one with a manifest `patient` column, `patient = \"NAME\"` in their folder's hipflex.toml, or one sub-folder per patient (clinic/<patient>/video.mp4)"
        );
    }
    failed.first().map(|e| {
        anyhow::anyhow!(
            "{} of the videos' sessions could not be recorded in the history: {e}",
            failed.len()
        )
    })
}

/// `batch-merge`: merges each shard folder's own `history.sqlite` (shards on other
/// machines give `--db <their out>/history.sqlite`) into the target database. Returns
/// the target (for the merged index's trends), `None` with `--no-db`.
pub fn merge_shard_dbs(shards: &[PathBuf], db: &DbArgs) -> anyhow::Result<Option<PathBuf>> {
    let Some(target) = db.path() else {
        return Ok(None);
    };
    let sources: Vec<PathBuf> = shards
        .iter()
        .map(|s| s.join("history.sqlite"))
        .filter(|p| p.is_file())
        .collect();
    if sources.is_empty() {
        return Ok(target.is_file().then_some(target));
    }
    let mut t = Db::open(&target)?;
    report_upgrade(&t);
    for src in &sources {
        if std::fs::canonicalize(src).ok() == std::fs::canonicalize(&target).ok() {
            continue;
        }
        let n = t.merge_from(src)?;
        eprintln!(
            "history: merged {n} session(s) from {} into {}",
            src.display(),
            target.display()
        );
    }
    Ok(Some(target))
}
