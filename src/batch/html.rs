//! `index.html`: one self-contained page (no network) listing every video of a batch.

use std::fmt::Write;

use super::Row;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn sev_rank(s: &str) -> u8 {
    match s {
        "red" => 3,
        "amber" => 2,
        "green" => 1,
        _ => 0,
    }
}

/// The page; `thumbs[i]` is row `i`'s thumbnail JPEG, embedded as a data URI.
pub fn index_html(rows: &[Row], title: &str, thumbs: &[Option<Vec<u8>>]) -> String {
    let mut s = String::new();
    let failed = rows.iter().filter(|r| r.status == "failed").count();
    let _ = write!(
        s,
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t}</title>
<style>
body{{font-family:system-ui,sans-serif;margin:1.5em;color:#222}}
table{{border-collapse:collapse;width:100%}}
th,td{{border-bottom:1px solid #ddd;padding:.35em .45em;text-align:left}}
th{{cursor:pointer;background:#f4f4f4;user-select:none}}
th:after{{content:" \2195";color:#aaa}}
td.num{{text-align:right}}
.sev{{padding:.1em .5em;border-radius:.6em;color:#fff}}
.sev-red{{background:#c62828}}.sev-amber{{background:#e08a00}}.sev-green{{background:#2e7d32}}
tr.failed td{{color:#a00}}
td.thumb img{{max-height:72px;max-width:110px;width:auto;border-radius:4px;display:block}}
th.thumb:after{{content:""}}
th,td{{font-size:.95em}}
td.nowrap{{white-space:nowrap}}
@media (max-width:700px){{table,thead,tbody,tr,td{{display:block}}thead{{display:none}}tr{{border-bottom:2px solid #ccc;padding:.4em 0}}td{{border:none;padding:.15em .3em}}td.num{{text-align:left}}td:empty{{display:none}}td[data-label]::before{{content:attr(data-label) ": ";font-weight:600;color:#555}}}}
@media print{{th:after{{content:""}}a{{color:#000;text-decoration:none}}}}
</style></head><body>
<h1>{t}</h1>
<p>{n} videos, {ok} analysed, {sk} up to date (skipped), {failed} failed. Click a column header to sort.</p>
<div style="overflow-x:auto"><table id="videos"><thead><tr>
<th class="thumb"></th><th>Patient</th><th>Date</th><th>Video</th><th>Status</th><th>Exercise</th><th>Phase</th><th>Reps</th>
<th>Worst flag</th><th>Peak hip °</th><th>Cap °</th><th>Typical tempo</th><th>Report</th>
</tr></thead><tbody>
"#,
        t = esc(title),
        n = rows.len(),
        ok = rows.iter().filter(|r| r.status == "ok").count(),
        sk = rows.iter().filter(|r| r.status == "skipped").count(),
    );
    for (i, r) in rows.iter().enumerate() {
        let thumb = match thumbs.get(i).and_then(|t| t.as_deref()) {
            Some(jpeg) => format!(
                r#"<img src="data:image/jpeg;base64,{}" alt="">"#,
                crate::report::html::base64(jpeg)
            ),
            None => String::new(),
        };
        let name = std::path::Path::new(&r.video)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| r.video.clone());
        let sev = if r.worst_severity.is_empty() {
            String::new()
        } else {
            format!(
                r#"<span class="sev sev-{c}">{c}</span>"#,
                c = esc(&r.worst_severity)
            )
        };
        let link = if r.report.is_empty() {
            // The full error is listed under the table; keep the row narrow.
            r##"<a href="#failed">error below</a>"##.to_string()
        } else {
            format!(r#"<a href="{}">report</a>"#, esc(&r.report))
        };
        let _ = writeln!(
            s,
            r#"<tr class="{st}"><td class="thumb">{thumb}</td><td class="nowrap" data-label="Patient">{p}</td><td class="nowrap" data-label="Date">{date}</td><td title="{vf}">{v}</td><td data-label="Status">{st}</td><td data-label="Exercise">{ex}</td><td class="num" data-label="Phase">{ph}</td><td class="num" data-label="Reps">{reps}</td><td data-sort="{rank}" data-label="Worst flag">{sev}</td><td class="num" data-label="Peak hip flexion °">{peak}</td><td class="num" data-label="Cap °">{cap}</td><td class="nowrap" data-label="Typical tempo">{tempo}</td><td>{link}</td></tr>"#,
            st = esc(&r.status),
            p = esc(&r.patient),
            date = esc(&r.date),
            vf = esc(&r.video),
            v = esc(&name),
            ex = esc(&r.exercise),
            ph = esc(&r.phase),
            reps = esc(&r.reps),
            rank = sev_rank(&r.worst_severity),
            peak = esc(&r.peak_hip_flexion_deg),
            cap = esc(&r.cap_deg),
            tempo = esc(&r.typical_tempo),
        );
    }
    s.push_str("</tbody></table></div>\n");
    if failed > 0 {
        s.push_str("<h2 id=\"failed\">Failed videos</h2>\n<ul>\n");
        for r in rows.iter().filter(|r| r.status == "failed") {
            let _ = writeln!(s, "<li><b>{}</b>: {}</li>", esc(&r.video), esc(&r.error));
        }
        s.push_str("</ul>\n");
    }
    s.push_str(
        r#"<script>
document.querySelectorAll('#videos th').forEach(function(th, col){
  th.addEventListener('click', function(){
    var tb = th.closest('table').tBodies[0], rows = Array.from(tb.rows);
    var dir = th.dataset.dir === 'asc' ? -1 : 1; th.dataset.dir = dir > 0 ? 'asc' : 'desc';
    var key = function(r){ var c = r.cells[col]; return c.dataset.sort || c.textContent.trim(); };
    rows.sort(function(a, b){
      var x = key(a), y = key(b), nx = parseFloat(x), ny = parseFloat(y);
      if (!isNaN(nx) && !isNaN(ny)) return (nx - ny) * dir;
      return x.localeCompare(y) * dir;
    });
    rows.forEach(function(r){ tb.appendChild(r); });
  });
});
</script>
</body></html>
"#,
    );
    s
}
