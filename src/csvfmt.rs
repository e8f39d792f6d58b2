//! How hipflex writes CSV: through the `csv` crate, fields quoted only when they must be
//! (RFC 4180), lines ending in `\n`. Used by `summary.csv`, `reps.csv`, `frames.csv` and the
//! landmarks CSV.

/// A CSV writer into memory (records may differ in length).
pub fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .quote_style(csv::QuoteStyle::Necessary)
        .flexible(true)
        .from_writer(Vec::new())
}

/// Writes one record (writing into memory cannot fail).
pub fn write<I, T>(w: &mut csv::Writer<Vec<u8>>, record: I)
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    w.write_record(record)
        .expect("writing CSV into memory cannot fail");
}

/// The text written so far, leaving the writer empty.
pub fn take(w: &mut csv::Writer<Vec<u8>>) -> Vec<u8> {
    std::mem::replace(w, writer())
        .into_inner()
        .expect("flushing CSV into memory cannot fail")
}

/// All the text written, as a string.
pub fn finish(mut w: csv::Writer<Vec<u8>>) -> String {
    String::from_utf8(take(&mut w)).expect("CSV of strings is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_must_be_quoted() {
        let mut w = writer();
        write(
            &mut w,
            ["plain", "a,b", "say \"hi\"", "two\nlines", "cr\rx", ""],
        );
        write(&mut w, ["", ""]);
        assert_eq!(
            finish(w),
            "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rx\",\n,\n"
        );
    }
}
